import { stringify } from 'csv-stringify/sync';
import type { GradebookEntry } from '../contract.js';
import { ArbiterError } from '../errors.js';
import type { GradebookQuery, GradebookRow } from '../store/types.js';
import { isAdmin, type Caller } from './caller.js';

/** Rows per gradebook page: by default, and at most (a class or a course fits in one page). */
export const DEFAULT_GRADEBOOK_PAGE = 1_000;
export const MAX_GRADEBOOK_PAGE = 10_000;

/** A gradebook row as the API shows it (src/contract.ts): times as ISO 8601, the key only to admins. */
export type { GradebookEntry } from '../contract.js';

/**
 * Whose rows `caller` may read, as a store query. Admins read every key's (or one key's, `keyId`).
 * Any other key reads only the submissions it made itself: a site's one key sees its whole class,
 * a student's own key sees only what it submitted, never another key's users. Callers without a key
 * are refused: they all share the anonymous submissions, so their gradebook would be everyone's.
 */
export function gradebookScope(
  caller: Caller,
  problemId: string,
  options: { keyId?: string; user?: string; limit: number; offset: number },
): GradebookQuery {
  const query: GradebookQuery = { problemId, limit: options.limit, offset: options.offset };
  if (options.user !== undefined) query.user = options.user;
  if (isAdmin(caller)) {
    if (options.keyId !== undefined) query.keyId = options.keyId;
    return query;
  }
  if (caller.keyId === null)
    throw new ArbiterError('FORBIDDEN', 'a gradebook needs an API key: it lists the submissions of that key');
  if (options.keyId !== undefined && options.keyId !== caller.keyId)
    throw new ArbiterError('FORBIDDEN', 'only an admin key may read the gradebook of another key');
  query.keyId = caller.keyId;
  return query;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function toGradebookEntry(row: GradebookRow, caller: Caller): GradebookEntry {
  const entry: GradebookEntry = {
    user: row.user,
    submissions: row.submissions,
    best: row.best && { ...row.best, at: iso(row.best.at) },
    latest: { ...row.latest, at: iso(row.latest.at) },
  };
  // A key sees only its own rows, so its id would say nothing; admins need it to tell keys apart.
  if (isAdmin(caller)) entry.keyId = row.keyId;
  return entry;
}

const CSV_COLUMNS = [
  'user',
  'submissions',
  'best_score',
  'best_max_score',
  'best_submission_id',
  'best_at',
  'latest_score',
  'latest_status',
  'latest_submission_id',
  'latest_at',
] as const;

/**
 * The entries as CSV (RFC 4180: a header row, CRLF, fields quoted when they need it). A cell that a
 * spreadsheet would run as a formula (starting with = + - @) gets a leading ', since user names come
 * from callers and students: opening an export must not run what one of them typed.
 */
export function gradebookCsv(entries: readonly GradebookEntry[], withKeys: boolean): string {
  const columns = withKeys ? ['key_id', ...CSV_COLUMNS] : [...CSV_COLUMNS];
  const records = entries.map((e) => ({
    key_id: e.keyId ?? '',
    user: e.user ?? '',
    submissions: e.submissions,
    best_score: e.best?.score ?? '',
    best_max_score: e.best?.maxScore ?? '',
    best_submission_id: e.best?.submissionId ?? '',
    best_at: e.best?.at ?? '',
    latest_score: e.latest.score ?? '',
    latest_status: e.latest.status,
    latest_submission_id: e.latest.submissionId,
    latest_at: e.latest.at,
  }));
  return stringify(records, {
    header: true,
    columns,
    record_delimiter: 'windows',
    escape_formulas: true,
  });
}
