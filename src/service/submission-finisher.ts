import type { ArbiterConfig } from '../config.js';
import type { FinalStatus } from '../judge/types.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import type { SubmissionEvents } from './events.js';

/** A final result with no runs: a cancel, a queue timeout, a give-up. */
export function emptyResult(status: FinalStatus, message: string): NonNullable<SubmissionRecord['result']> {
  return { status, tests: [], score: null, maxScore: null, compileCached: false, message };
}

/** What finishing reads and writes. */
export interface SubmissionFinisherParts {
  config: Pick<ArbiterConfig, 'queueTimeoutMs'>;
  store: Pick<Store, 'finishSubmission' | 'getSubmission'>;
  queue: Pick<JobQueue, 'oldest' | 'remove'>;
  events: Pick<SubmissionEvents, 'publish'>;
}

/**
 * The one way a submission ends: a worker's verdict, a cancel, a cached result, a queue timeout, a
 * give-up by the reconciler. Records the final status once and announces it (`finished`).
 */
export class SubmissionFinisher {
  /** Submissions cancelled for waiting longer than the queue timeout (GET /api/v1/queue's totals). */
  timedOut = 0;
  /** Final rows of this process's own finishes, held only while their event is delivered. */
  readonly #justFinished = new Map<string, SubmissionRecord>();
  readonly #parts: SubmissionFinisherParts;

  constructor(parts: SubmissionFinisherParts) {
    this.#parts = parts;
  }

  /** Records a final status once; later calls for the same submission change nothing. */
  readonly finish = async (
    record: SubmissionRecord,
    status: FinalStatus,
    result: NonNullable<SubmissionRecord['result']>,
    options: { current?: boolean } = {},
  ): Promise<boolean> => {
    const now = Date.now();
    const done = await this.#parts.store.finishSubmission(record.id, status, result, now);
    if (!done) return false;
    // A caller holding the row as it is now (the worker that claimed it) knows the final row
    // exactly: waiters in this process take it from here instead of reading it back.
    if (options.current) this.#justFinished.set(record.id, { ...record, status, result, finishedAt: now });
    try {
      this.#parts.events.publish({ type: 'finished', id: record.id, keyId: record.keyId, status, at: now });
    } finally {
      this.#justFinished.delete(record.id);
    }
    return true;
  };

  /**
   * The final row of a finish this process is delivering right now (its `finished` event is being
   * published), when the finishing worker knew it; undefined otherwise. Listeners use it to skip a
   * read-back.
   */
  readonly peekFinished = (id: string): SubmissionRecord | undefined => this.#justFinished.get(id);

  /** Cancels submissions that waited longer than the queue timeout. Returns how many. */
  async expireWaiting(now = Date.now()): Promise<number> {
    const { config, store, queue } = this.#parts;
    let expired = 0;
    for (const { id, createdAt } of await queue.oldest(1000)) {
      if (now - createdAt < config.queueTimeoutMs) break;
      const record = await store.getSubmission(id);
      if (record && (await queue.remove(id))) {
        const seconds = Math.round(config.queueTimeoutMs / 1000);
        await this.finish(
          record,
          'cancelled',
          emptyResult('cancelled', `waited longer than ${seconds} s in the queue`),
        );
        this.timedOut++;
        expired++;
      }
    }
    return expired;
  }
}
