import type { Store, SubmissionRecord } from '../store/types.js';
import type { JobQueue } from './job-queue.js';
import { FairLanes } from './fair-lanes.js';
import { resolveCostOrder, type CostOf, type CostOrderOptions } from './run-cost.js';

/**
 * The embedded queue: run order in memory, state in the store. A submission is in the store as
 * queued before it is in the lanes, so a crash loses nothing: recover() rebuilds the lanes from
 * the store and puts back what was running.
 */
export class EmbeddedQueue implements JobQueue {
  readonly #lanes: FairLanes;
  readonly #costOf: CostOf;
  readonly #createdAt = new Map<string, number>();
  readonly #waiters: ((id: string | null) => void)[] = [];
  #closed = false;

  /** `options`: the cost-aware order within a fair round (queue/run-cost); default plain FIFO. */
  constructor(
    readonly store: Store,
    options: CostOrderOptions = {},
  ) {
    const { costOf, overtakeLimit } = resolveCostOrder(options);
    this.#costOf = costOf;
    this.#lanes = new FairLanes({ overtakeLimit });
  }

  /** Startup: running → queued (their attempt is counted again when claimed), then load the queue. */
  async recover(): Promise<{ requeued: number; queued: number }> {
    const requeued = await this.store.requeueRunning();
    const queued = await this.store.listQueued();
    for (const submission of queued) this.#add(submission);
    return { requeued, queued: queued.length };
  }

  #add(submission: SubmissionRecord): number {
    const position = this.#lanes.push(
      submission.id,
      submission.priority,
      submission.submitter,
      this.#costOf(submission),
    );
    this.#createdAt.set(submission.id, submission.createdAt);
    this.#wake();
    return position;
  }

  #wake(): void {
    while (this.#waiters.length > 0 && this.#lanes.size > 0) {
      const id = this.#lanes.shift()!;
      this.#createdAt.delete(id);
      this.#waiters.shift()!(id);
    }
  }

  async enqueue(submission: SubmissionRecord): Promise<{ position: number }> {
    return { position: this.#add(submission) };
  }

  async claim(signal?: AbortSignal): Promise<SubmissionRecord | null> {
    for (;;) {
      if (this.#closed || signal?.aborted) return null;
      let id = this.#lanes.shift();
      if (id !== undefined) this.#createdAt.delete(id);
      else {
        id =
          (await new Promise<string | null>((resolve) => {
            const waiter = (next: string | null) => {
              signal?.removeEventListener('abort', onAbort);
              resolve(next);
            };
            const onAbort = () => {
              const at = this.#waiters.indexOf(waiter);
              if (at >= 0) this.#waiters.splice(at, 1);
              resolve(null);
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            this.#waiters.push(waiter);
          })) ?? undefined;
        if (id === undefined) return null;
      }
      // Null when it was cancelled between leaving the lanes and now: take the next one.
      const running = await this.store.markRunning(id, Date.now());
      if (running) return running;
    }
  }

  /** Nothing to do: in one process a claimed job cannot outlive its worker without the process. */
  async complete(): Promise<void> {}

  async remove(id: string): Promise<boolean> {
    this.#createdAt.delete(id);
    return this.#lanes.remove(id);
  }

  async position(id: string): Promise<number | null> {
    return this.#lanes.position(id);
  }

  async length(): Promise<number> {
    return this.#lanes.size;
  }

  async oldest(limit: number): Promise<{ id: string; createdAt: number }[]> {
    const out: { id: string; createdAt: number }[] = [];
    // Map iteration is insertion order, which is enqueue order.
    for (const [id, createdAt] of this.#createdAt) {
      if (out.length >= limit) break;
      out.push({ id, createdAt });
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }
}
