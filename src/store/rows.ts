import type { SubmissionStatus } from '../judge/types.js';
import type { ApiKeyRecord, CallbackFormat, FinishedSummary, SubmissionRecord } from './types.js';

/**
 * Table rows as both SQL back ends return them (the same schema, snake_case). `J` is how JSON
 * columns arrive: text from SQLite, already parsed from PostgreSQL's JSONB.
 */
export interface SubmissionRow<J> {
  seq: number;
  id: string;
  status: SubmissionStatus;
  priority: number;
  key_id: string | null;
  user_name: string | null;
  submitter: string;
  language: string;
  version: string | null;
  problem_id: string | null;
  callback_url: string | null;
  /** Migration 5; rows from before it read as 'arbiter'. */
  callback_format: CallbackFormat;
  request: J;
  result: J | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** The columns of a final submission that its `finished` event carries (Store.listFinishedAmong). */
export type FinishedRow = Pick<SubmissionRow<never>, 'id' | 'key_id' | 'status'> & { finished_at: number };

export function finishedFromRow(row: FinishedRow): FinishedSummary {
  return { id: row.id, keyId: row.key_id, status: row.status, finishedAt: row.finished_at };
}

export interface KeyRow {
  id: string;
  name: string;
  role: ApiKeyRecord['role'];
  priority: number;
  rate: number;
  created_at: number;
  revoked_at: number | null;
}

/** A submission row as a record; `json` turns the back end's JSON column value into data. */
export function submissionFromRow<J>(row: SubmissionRow<J>, json: (value: J) => unknown): SubmissionRecord {
  return {
    id: row.id,
    status: row.status,
    priority: row.priority,
    keyId: row.key_id,
    user: row.user_name,
    submitter: row.submitter,
    language: row.language,
    version: row.version,
    problemId: row.problem_id,
    callback: row.callback_url === null ? null : { url: row.callback_url, format: row.callback_format },
    request: json(row.request) as SubmissionRecord['request'],
    result: row.result === null ? null : (json(row.result) as SubmissionRecord['result']),
    attempts: row.attempts,
    seq: row.seq,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function keyFromRow(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    priority: row.priority,
    ratePerSec: row.rate,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
