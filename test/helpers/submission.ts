// The one submission fixture for tests: a plain Python "print(1)" from nobody in particular. Tests
// say only what matters to them, as overrides; every other field takes the value below.
import { randomUUID } from 'node:crypto';
import { DEFAULT_RUN_LIMITS } from '../../src/sandbox/limits.js';
import type { NewSubmission, Store, SubmissionRecord } from '../../src/store/types.js';

/** A submission as the service hands it to Store.createSubmission. The id is fresh each call. */
export function aSubmission(overrides: Partial<NewSubmission> = {}): NewSubmission {
  return {
    id: `sub-${randomUUID()}`,
    priority: 1,
    keyId: null,
    user: null,
    submitter: 'anonymous',
    language: 'python3',
    version: '3.11.2',
    problemId: null,
    callback: null,
    request: { files: [{ name: 'main.py', content: 'print(1)' }], limits: DEFAULT_RUN_LIMITS },
    ...overrides,
  };
}

/** A stored submission, queued and never run, as Store.getSubmission returns it. */
export function aSubmissionRecord(overrides: Partial<SubmissionRecord> = {}): SubmissionRecord {
  return {
    ...aSubmission(),
    status: 'queued',
    result: null,
    attempts: 0,
    seq: 1,
    createdAt: 0,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** A fresh submission stored in `store` and marked running now, as a worker holds it. */
export async function aRunningSubmission(
  store: Pick<Store, 'createSubmission' | 'markRunning'>,
  overrides: Partial<NewSubmission> = {},
): Promise<SubmissionRecord> {
  const created = await store.createSubmission(aSubmission(overrides), Date.now());
  const running = await store.markRunning(created.id, Date.now());
  if (!running) throw new Error(`submission ${created.id} could not be marked running`);
  return running;
}

/** A final result: accepted, no tests, no score. */
export function aResult(
  overrides: Partial<NonNullable<SubmissionRecord['result']>> = {},
): NonNullable<SubmissionRecord['result']> {
  return { status: 'accepted', tests: [], score: null, maxScore: null, compileCached: false, ...overrides };
}
