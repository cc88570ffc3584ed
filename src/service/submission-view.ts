import type { Submission, SubmissionSummary } from '../contract.js';
import type { SubmissionRecord } from '../store/types.js';

export type { SubmissionSummary } from '../contract.js';

/** Whether a status is final: neither queued nor running, so nothing about the submission changes any more. */
export { isFinalStatus as isFinal } from '../contract.js';

/** A submission as the API returns it: the contract's Submission (src/contract.ts). */
export type SubmissionView = Submission;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toView(record: SubmissionRecord, position: number | null): SubmissionView {
  const result = record.result;
  const view: SubmissionView = {
    id: record.id,
    status: record.status,
    language: record.language,
    version: record.version,
    tests: result?.tests ?? [],
    score: result?.score ?? null,
    maxScore: result?.maxScore ?? null,
    attempts: record.attempts,
    queueMs: record.startedAt !== null ? record.startedAt - record.createdAt : null,
    createdAt: iso(record.createdAt)!,
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
  };
  if (record.problemId) view.problemId = record.problemId;
  if (record.user !== null) view.user = record.user;
  if (position !== null) view.position = position;
  if (result?.compile) view.compile = result.compile;
  if (result?.run) view.run = result.run;
  if (result?.groups) view.groups = result.groups;
  if (result?.message) view.message = result.message;
  if (result?.cached) view.cached = true;
  return view;
}

export function toSummary(record: SubmissionRecord): SubmissionSummary {
  const view = toView(record, null);
  const tests = view.tests;
  const result: SubmissionSummary & Partial<SubmissionView> = view;
  delete result.compile;
  delete result.run;
  delete result.tests;
  if (tests.length > 0) {
    result.testsPassed = tests.filter((t) => t.status === 'accepted').length;
    result.testsRun = tests.length;
  }
  return result;
}
