import { Job, Queue, Worker, type ConnectionOptions } from 'bullmq';
import { ArbiterError } from '../errors.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import { GroupedEnqueue } from './bullmq-enqueue.js';
import { OrderKeys, QUEUE_NAME, RELEASE_SCRIPT } from './bullmq-order.js';
import { callRedis } from '../redis-options.js';
import { redisOf } from './bullmq-redis.js';
import type { JobQueue } from './job-queue.js';
import { resolveCostOrder, type CostOrderOptions } from './run-cost.js';

export interface BullmqQueueOptions {
  /**
   * Redis connection as ioredis options (`url` allowed). The producer side fails fast while Redis
   * is down (so a submit is answered 503, not held); the consumer side waits and retries, as
   * BullMQ's blocking commands require.
   */
  connection: ConnectionOptions & { url?: string };
  /** Key prefix in Redis, so several deployments or test runs can share one Redis. Default 'arbiter'. */
  prefix?: string;
  /** Claim jobs in this process (a worker). API nodes that only enqueue leave it off. Default false. */
  consumer?: boolean;
  /** Jobs this process holds at once; match the sandbox slots. Default 1. */
  concurrency?: number;
  /** A claimed job whose lock is not renewed for this long is given to another worker, in ms. Default 10 s. */
  lockDurationMs?: number;
  /** How often dead workers' jobs are looked for, in ms. Default 5 s. */
  stalledIntervalMs?: number;
  /** Times a job may lose its worker before BullMQ fails it (the reconciler then decides). Default 5. */
  maxStalledCount?: number;
  /** Finished jobs kept in Redis for inspection; results live in PostgreSQL. Default 1000 each. */
  keepCompleted?: number;
  keepFailed?: number;
  /** The cost-aware order within a fair rank (queue/run-cost). Default: every job cheap (FIFO). */
  costOf?: CostOrderOptions['costOf'];
  /** At most this many later jobs pass a costly one (queue/run-cost). Default DEFAULT_OVERTAKE_LIMIT. */
  overtakeLimit?: number;
  /**
   * How long an API node may take to promote the compiles that became due before another node may
   * (queue/bullmq-enqueue's promoteDue): a promotion that failed is retried once this has passed,
   * in ms. Default 5 s.
   */
  promotionLeaseMs?: number;
}

interface Handoff {
  record: SubmissionRecord;
  done: () => void;
}

/**
 * The scale-out queue: BullMQ on Redis. BullMQ's own worker does the hard parts — atomic moves,
 * lock renewal, giving a dead worker's jobs to another — and this class turns its push model into
 * the pull model of JobQueue: the processor hands each job to a waiting claim() and holds it until
 * complete(). The submission's state and result live in the store (PostgreSQL), the source of
 * truth; a job here is only a pointer to it, so losing Redis loses nothing (see the reconciler).
 */
export class BullmqQueue implements JobQueue {
  readonly queue: Queue;
  #worker: Worker | null = null;
  /** claim() calls waiting for a job. */
  readonly #claims: ((handoff: Handoff | null) => void)[] = [];
  /** Fetched jobs waiting for a claim() call. */
  readonly #fetched: ((claim: ((handoff: Handoff | null) => void) | null) => void)[] = [];
  #chain: Promise<((handoff: Handoff | null) => void) | null> = Promise.resolve(null);
  readonly #active = new Map<string, Handoff>();
  readonly #enqueues: GroupedEnqueue;
  readonly #keys: OrderKeys;
  /** The count that length() callers of this turn of the event loop share. */
  #length: Promise<number> | null = null;
  #closed = false;

  private constructor(
    readonly store: Store,
    readonly options: Required<Omit<BullmqQueueOptions, 'connection' | keyof CostOrderOptions>> &
      CostOrderOptions & { connection: BullmqQueueOptions['connection'] },
  ) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: {
        ...options.connection,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 3_000,
      } as ConnectionOptions,
      prefix: options.prefix,
      defaultJobOptions: {
        removeOnComplete: { count: options.keepCompleted },
        removeOnFail: { count: options.keepFailed },
      },
    });
    // An unreachable Redis must not crash the process; calls fail and are answered with 503.
    this.queue.on('error', () => undefined);
    this.#keys = new OrderKeys(options.prefix);
    this.#enqueues = new GroupedEnqueue({
      queue: this.queue,
      keys: this.#keys,
      promotionLeaseMs: options.promotionLeaseMs,
      ...resolveCostOrder(options),
    });
  }

  static async open(store: Store, options: BullmqQueueOptions): Promise<BullmqQueue> {
    const queue = new BullmqQueue(store, {
      prefix: 'arbiter',
      consumer: false,
      concurrency: 1,
      lockDurationMs: 10_000,
      stalledIntervalMs: 5_000,
      maxStalledCount: 5,
      keepCompleted: 1_000,
      keepFailed: 1_000,
      promotionLeaseMs: 5_000,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      connection: options.connection,
    });
    await callRedis(() => queue.queue.waitUntilReady());
    if (queue.options.consumer) queue.#startWorker();
    return queue;
  }

  #startWorker(): void {
    const { options } = this;
    this.#worker = new Worker(
      QUEUE_NAME,
      async (job: Job<{ id: string; submitter?: string }>) => {
        // Claims are served in the order BullMQ fetched the jobs (the chain), and a job is marked
        // running only once a claim takes it: a job merely prefetched here is not running yet.
        const take = (this.#chain = this.#chain.then(() => this.#nextClaim()));
        const claim = await take;
        if (!claim) return; // closing: the job stays unfinished and comes back to another worker
        let record: SubmissionRecord | null;
        try {
          record = await this.store.markRunning(job.data.id, Date.now());
        } catch (error) {
          // The store is down: hand the claim on, and let BullMQ retry this job later.
          const waiting = this.#fetched.shift();
          if (waiting) waiting(claim);
          else this.#claims.unshift(claim);
          throw error;
        }
        // Out of the waiting set for good: its submitter has one fewer waiting.
        void this.#release(job.data.submitter);
        if (!record) {
          // Final already (cancelled while it waited): the claim waits for the next job instead.
          const waiting = this.#fetched.shift();
          if (waiting) waiting(claim);
          else this.#claims.unshift(claim);
          return;
        }
        await new Promise<void>((resolve) => claim({ record, done: resolve }));
      },
      {
        connection: { ...options.connection, maxRetriesPerRequest: null } as ConnectionOptions,
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        maxStalledCount: options.maxStalledCount,
        // Started by the first claim(): a process that never claims never takes jobs from others.
        autorun: false,
      },
    );
    this.#worker.on('error', () => undefined);
  }

  #running = false;

  /** The next waiting claim() call, or null once closing. */
  #nextClaim(): Promise<((handoff: Handoff | null) => void) | null> {
    if (this.#closed) return Promise.resolve(null);
    const claim = this.#claims.shift();
    if (claim) return Promise.resolve(claim);
    return new Promise((resolve) => this.#fetched.push(resolve));
  }

  #run(): void {
    if (this.#running || !this.#worker) return;
    this.#running = true;
    this.#worker.run().catch(() => undefined);
  }

  /** In groups per turn of the event loop (queue/bullmq-enqueue), in the order of queue/bullmq-order. */
  enqueue(submission: SubmissionRecord): Promise<{ position: number }> {
    return this.#enqueues.enqueue(submission);
  }

  /** A job left the waiting set (claimed or removed): its submitter has one fewer waiting. */
  async #release(submitter: string | undefined): Promise<void> {
    if (submitter === undefined) return;
    await (
      await redisOf(this.queue)
    )
      .eval(RELEASE_SCRIPT, 1, this.#keys.fair(submitter))
      .catch(() => undefined);
  }

  /**
   * A waiting job's place in line: its rank in BullMQ's prioritized set, whose order (priority,
   * then arrival) is the run order. O(log n) in Redis, where counting rows ahead in PostgreSQL grew
   * with the queue and capped the accept rate.
   */
  async #rank(id: string): Promise<number | null> {
    return callRedis(async () => (await redisOf(this.queue)).zrank(this.queue.keys.prioritized!, id));
  }

  async claim(signal?: AbortSignal): Promise<SubmissionRecord | null> {
    if (!this.#worker)
      throw new ArbiterError('INVALID_INPUT', 'this queue was opened without consumer: true');
    if (this.#closed || signal?.aborted) return null;
    this.#run();
    const handoff = await new Promise<Handoff | null>((resolve) => {
      const claim = (next: Handoff | null) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(next);
      };
      const onAbort = () => {
        const at = this.#claims.indexOf(claim);
        if (at >= 0) this.#claims.splice(at, 1);
        resolve(null);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const fetched = this.#fetched.shift();
      if (fetched) fetched(claim);
      else this.#claims.push(claim);
    });
    if (!handoff) return null;
    this.#active.set(handoff.record.id, handoff);
    return handoff.record;
  }

  async complete(id: string): Promise<void> {
    const handoff = this.#active.get(id);
    this.#active.delete(id);
    handoff?.done();
  }

  async remove(id: string): Promise<boolean> {
    return callRedis(async () => {
      const job = await Job.fromId(this.queue, id);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
      try {
        await job.remove();
        await this.#release((job.data as { submitter?: string }).submitter);
        return true;
      } catch {
        return false; // taken by a worker a moment ago: it is running now, not queued
      }
    });
  }

  async position(id: string): Promise<number | null> {
    return this.#rank(id);
  }

  /**
   * Every submit asks this (the queue cap), so the calls that arrive within one turn of the event
   * loop share one count: they asked at the same moment, and a burst pays one round trip, not one each.
   */
  length(): Promise<number> {
    this.#length ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.#length = null;
      const counts = await callRedis(() =>
        this.queue.getJobCounts('wait', 'prioritized', 'paused', 'delayed'),
      );
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    });
    return this.#length;
  }

  async oldest(limit: number): Promise<{ id: string; createdAt: number }[]> {
    const unfinished = await this.store.listUnfinished(Date.now(), limit);
    return unfinished.filter((r) => r.status === 'queued').map((r) => ({ id: r.id, createdAt: r.createdAt }));
  }

  /**
   * Puts a submission the store holds as unfinished back into the queue (after Redis lost it). A
   * finished job of the same id would make BullMQ ignore the add, so it is removed first.
   */
  async requeue(submission: SubmissionRecord): Promise<void> {
    await callRedis(async () => {
      const old = await Job.fromId(this.queue, submission.id);
      if (old) await old.remove().catch(() => undefined);
    });
    await this.enqueue(submission);
  }

  /** Whether BullMQ still knows the job (waiting, running or delayed): the reconciler's question. */
  async has(id: string): Promise<boolean> {
    return callRedis(async () => {
      const job = await Job.fromId(this.queue, id);
      if (!job) return false;
      const state = await job.getState();
      return state !== 'completed' && state !== 'failed' && state !== 'unknown';
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const claim of this.#claims.splice(0)) claim(null);
    // Jobs fetched but never claimed are left unfinished (and not marked running): their locks
    // lapse and BullMQ's stalled check gives them to another worker.
    for (const fetched of this.#fetched.splice(0)) fetched(null);
    await this.#worker?.close(true).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }
}
