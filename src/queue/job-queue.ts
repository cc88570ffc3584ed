import type { SubmissionRecord } from '../store/types.js';

/**
 * The queue between the API and the workers. The embedded back end keeps the order in memory and
 * the state in SQLite; a scale-out back end (BullMQ) implements the same contract.
 */
export interface JobQueue {
  /** Queues a submission the store already holds as queued. Returns how many run before it. */
  enqueue(submission: SubmissionRecord): Promise<{ position: number }>;
  /** Waits for the next submission and marks it running. Null once the queue is closed or `signal` aborts. */
  claim(signal?: AbortSignal): Promise<SubmissionRecord | null>;
  /**
   * Tells the queue a claimed submission is done (its result is in the store), so it is not handed
   * out again. A claimed job that is never completed (its worker died) comes back to the queue.
   */
  complete(id: string): Promise<void>;
  /** Takes a queued submission out of the queue. False if it was not queued here. */
  remove(id: string): Promise<boolean>;
  /** Jobs ahead of `id` (0 = next), or null when it is not queued. */
  position(id: string): Promise<number | null>;
  /** Submissions waiting. */
  length(): Promise<number>;
  /** The oldest waiting submissions' enqueue times, oldest first (for queue-wait timeouts). */
  oldest(limit: number): Promise<{ id: string; createdAt: number }[]>;
  close(): Promise<void>;
}
