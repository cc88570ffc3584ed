import type { Store, SubmissionRecord } from '../store/types.js';
import type { JobQueue } from './job-queue.js';
import { FairLanes } from './fair-lanes.js';
import { resolveCostOrder, type CostFacts, type CostOf, type CostOrderOptions } from './run-cost.js';

/**
 * At most one pass over the waiting jobs to ask their classes again per this many ms (20 ms of work
 * for 10,000 waiting jobs): a class's burst learns its infinite loops within about a second.
 */
const RECLASS_INTERVAL_MS = 1_000;

/**
 * The embedded queue: run order in memory, state in the store. A submission is in the store as
 * queued before it is in the lanes, so a crash loses nothing: recover() rebuilds the lanes from
 * the store and puts back what was running.
 */
export class EmbeddedQueue implements JobQueue {
  readonly #lanes: FairLanes;
  readonly #costOf: CostOf;
  readonly #costVersion: () => number;
  #seenCostVersion: number;
  #reclassedAt = -Infinity;
  /** What each waiting job's class is estimated from, to ask again when the estimate changes. */
  readonly #facts = new Map<string, CostFacts>();
  readonly #createdAt = new Map<string, number>();
  readonly #waiters: ((id: string | null) => void)[] = [];
  #closed = false;

  /** `options`: the cost-aware order within a fair round (queue/run-cost); default plain FIFO. */
  constructor(
    readonly store: Store,
    options: CostOrderOptions = {},
  ) {
    const { costOf, overtakeLimit, costVersion } = resolveCostOrder(options);
    this.#costOf = costOf;
    this.#costVersion = costVersion;
    this.#seenCostVersion = costVersion();
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
    this.#reclassIfChanged();
    const position = this.#lanes.push(
      submission.id,
      submission.priority,
      submission.submitter,
      this.#costOf(submission),
    );
    const { language, problemId, request } = submission;
    this.#facts.set(submission.id, { language, problemId, request: { limits: request.limits } });
    this.#createdAt.set(submission.id, submission.createdAt);
    this.#wake();
    return position;
  }

  /** The next job to run, its class asked again first if the estimates changed since. */
  #shift(): string | undefined {
    this.#reclassIfChanged();
    const id = this.#lanes.shift();
    if (id !== undefined) this.#forget(id);
    return id;
  }

  #forget(id: string): void {
    this.#createdAt.delete(id);
    this.#facts.delete(id);
  }

  /**
   * O(waiting jobs) when what the history says changed, at most once per RECLASS_INTERVAL_MS: a
   * stream of new exercises (each learned after two judges) cannot make every claim walk the queue.
   */
  #reclassIfChanged(): void {
    const version = this.#costVersion();
    if (version === this.#seenCostVersion) return;
    const now = performance.now();
    if (now - this.#reclassedAt < RECLASS_INTERVAL_MS) return;
    this.#reclassedAt = now;
    this.#seenCostVersion = version;
    for (const [id, facts] of this.#facts) this.#lanes.reclass(id, this.#costOf(facts));
  }

  #wake(): void {
    while (this.#waiters.length > 0 && this.#lanes.size > 0) this.#waiters.shift()!(this.#shift()!);
  }

  async enqueue(submission: SubmissionRecord): Promise<{ position: number }> {
    return { position: this.#add(submission) };
  }

  async claim(signal?: AbortSignal): Promise<SubmissionRecord | null> {
    for (;;) {
      if (this.#closed || signal?.aborted) return null;
      let id = this.#shift();
      if (id === undefined) {
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
    this.#forget(id);
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
