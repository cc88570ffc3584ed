import { Job, Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { ArbiterError } from '../errors.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import type { JobQueue } from './job-queue.js';
import { resolveCostOrder, type CostOf, type CostOrderOptions } from './run-cost.js';

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
}

const QUEUE_NAME = 'submissions';

/**
 * Fair shares within a priority, as BullMQ can order them. BullMQ runs the lowest priority number
 * first (FIFO among equals, at most 2^21), and cannot reorder waiting jobs cheaply, so the embedded
 * queue's rounds (queue/fair-lanes) become ranks fixed at arrival: a job's rank is how many jobs of
 * its submitter were waiting when it came. Rank 0 runs before rank 1 within a priority, so one
 * student's tenth resubmission waits behind everyone's first. Unlike rounds, a rank does not move
 * up while the queue drains; a flood of newcomers can hold back a submitter's second job until it
 * ebbs (the queue-wait timeout bounds that wait).
 */
const FAIR_RANKS = 1_024;
/** Idle submitters' counts expire, so a count that drifted (a process died mid-claim) heals. */
const FAIR_COUNT_TTL_SECONDS = 3_600;

/** 0 (highest Arbiter priority) … 999: BullMQ's order of Arbiter's priorities, higher running first. */
const laneOf = (priority: number): number => 999 - Math.min(Math.max(priority, 0), 998);

/**
 * BullMQ's priority number for an Arbiter priority, a fair rank and a cost class: lane, then rank,
 * then cheap before costly (queue/run-cost). 1000 lanes x 1024 ranks x 2 classes fit under BullMQ's
 * 2^21. A costly job is moved to its rank's cheap class (promoted) before a job that may not pass
 * it is added (see #promote), which bounds how many pass it.
 */
const toBullPriority = (priority: number, rank: number, costly: boolean): number =>
  laneOf(priority) * FAIR_RANKS * 2 + Math.min(Math.max(rank, 0), FAIR_RANKS - 1) * 2 + (costly ? 1 : 0) + 1;

/**
 * A group's arrivals in one lane: KEYS[1] the lane's arrival counter, KEYS[2] its costly jobs by
 * the arrival number they become due at; ARGV[1] how many jobs arrive. Counts them in and takes
 * the entries due before the group's last arrival (to be promoted before the group is added).
 * Returns {last arrival number, due members}.
 */
const ARRIVE_SCRIPT = `local last = redis.call('INCRBY', KEYS[1], ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. last)
if #due > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. last) end
return {last, due}`;

/** Decrements a submitter's waiting count, deleting it at zero (never below). */
const RELEASE_SCRIPT = `local n = redis.call('DECR', KEYS[1]) if n <= 0 then redis.call('DEL', KEYS[1]) end return n`;

/**
 * Enqueues in one group at most: a bound on the commands one round trip carries. A larger burst is
 * split into groups of this size, sent one after another on the same connection.
 */
const ENQUEUE_GROUP_JOBS = 256;

/** The part of ioredis this queue uses beyond BullMQ's own calls. */
interface RedisCommands {
  zrank(key: string, member: string): Promise<number | null>;
  exists(key: string): Promise<number>;
  multi(): {
    incr(key: string): unknown;
    expire(key: string, seconds: number): unknown;
    eval(script: string, keys: number, ...args: (string | number)[]): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  pipeline(): {
    zrank(key: string, member: string): unknown;
    zadd(key: string, score: number, member: string): unknown;
    expire(key: string, seconds: number): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
}

interface PendingEnqueue {
  submission: SubmissionRecord;
  resolve: (placed: { position: number }) => void;
  reject: (error: unknown) => void;
}

/** A pipelined command's reply, or its error thrown. */
function replyOf([error, value]: [Error | null, unknown]): unknown {
  if (error) throw error;
  return value;
}

function unavailable(error: unknown): ArbiterError {
  if (error instanceof ArbiterError) return error;
  return new ArbiterError('DEPENDENCY_UNAVAILABLE', `Redis is unavailable: ${(error as Error).message}`, {
    cause: error,
  });
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
  #pendingEnqueues: PendingEnqueue[] = [];
  /** The count that length() callers of this turn of the event loop share. */
  #length: Promise<number> | null = null;
  #closed = false;
  readonly #costOf: CostOf;
  readonly #overtakeLimit: number;

  private constructor(
    readonly store: Store,
    readonly options: Required<Omit<BullmqQueueOptions, 'connection' | keyof CostOrderOptions>> &
      CostOrderOptions & { connection: BullmqQueueOptions['connection'] },
  ) {
    ({ costOf: this.#costOf, overtakeLimit: this.#overtakeLimit } = resolveCostOrder(options));
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
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      connection: options.connection,
    });
    await queue.#call(() => queue.queue.waitUntilReady());
    if (queue.options.consumer) queue.#startWorker();
    return queue;
  }

  /** Redis failures become DEPENDENCY_UNAVAILABLE (503), so a client gets an answer, not a hang. */
  async #call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** #call for the reply of one command of a pipeline, which arrives with the others. */
  #callSync<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw unavailable(error);
    }
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

  /**
   * Enqueues are sent in groups: every submission that arrives within one turn of the event loop
   * shares three round trips to Redis (one MULTI of the fairness counters, one addBulk, one pipeline
   * of ZRANKs) instead of paying three each. Each caller gets what a call of its own would give, in
   * arrival order: its fair rank, its job, its position; and its own error, when it has one.
   */
  enqueue(submission: SubmissionRecord): Promise<{ position: number }> {
    return new Promise((resolve, reject) => {
      if (this.#pendingEnqueues.push({ submission, resolve, reject }) === 1)
        setImmediate(() => void this.#flushEnqueues());
    });
  }

  async #flushEnqueues(): Promise<void> {
    const pending = this.#pendingEnqueues.splice(0);
    for (let at = 0; at < pending.length; at += ENQUEUE_GROUP_JOBS)
      await this.#enqueueGroup(pending.slice(at, at + ENQUEUE_GROUP_JOBS));
  }

  /** Settles every caller of the group; never rejects. */
  async #enqueueGroup(group: PendingEnqueue[]): Promise<void> {
    // 1. The fair ranks: each submitter's waiting count goes up by one per job, in arrival order, so
    //    two jobs of one submitter in a group get consecutive ranks, as two calls would. And each
    //    lane's arrivals, numbered for the cost-aware order (queue/run-cost), with the costly jobs
    //    that this group's arrivals may no longer pass.
    const lanes = new Map<number, { count: number; priority: number }>();
    for (const { submission } of group) {
      const lane = lanes.get(laneOf(submission.priority));
      if (lane) lane.count++;
      else lanes.set(laneOf(submission.priority), { count: 1, priority: submission.priority });
    }
    let counts: [Error | null, unknown][];
    try {
      counts = await this.#call(async () => {
        const multi = (await this.#redis()).multi();
        for (const { submission } of group) {
          multi.incr(this.#fairKey(submission.submitter));
          multi.expire(this.#fairKey(submission.submitter), FAIR_COUNT_TTL_SECONDS);
        }
        for (const [lane, { count }] of lanes)
          multi.eval(ARRIVE_SCRIPT, 2, this.#laneKey('seq', lane), this.#laneKey('due', lane), count);
        return (await multi.exec()) ?? [];
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    /** Each lane's last arrival number in this group, and its next one to hand out. */
    const lastSeq = new Map<number, number>();
    const nextSeq = new Map<number, number>();
    const dueMembers: string[] = [];
    try {
      for (const [i, [lane, { count }]] of [...lanes].entries()) {
        const [last, due] = this.#callSync(() =>
          replyOf(counts[2 * group.length + i] ?? [null, [0, []]]),
        ) as [number, string[]];
        lastSeq.set(lane, Number(last));
        nextSeq.set(lane, Number(last) - count + 1);
        dueMembers.push(...due);
      }
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    const placed: { pending: PendingEnqueue; rank: number; seq: number; costly: boolean }[] = [];
    for (const [i, pending] of group.entries()) {
      const { submission } = pending;
      const lane = laneOf(submission.priority);
      const seq = nextSeq.get(lane)!;
      nextSeq.set(lane, seq + 1);
      try {
        const rank = Number(this.#callSync(() => replyOf(counts[2 * i] ?? [null, 1]))) - 1;
        placed.push({ pending, rank, seq, costly: this.#costOf(submission) === 'costly' });
      } catch (error) {
        pending.reject(error);
      }
    }
    // 2. Costly jobs that this group's last arrival may not pass become cheap first.
    try {
      await this.#promote(dueMembers);
    } catch (error) {
      for (const { pending } of placed) pending.reject(error);
      return;
    }
    // BullMQ runs equal priority numbers in the order they were added, so a group is added in the
    // order the embedded lanes would run it: by key (a costly job's arrival number pushed back by
    // the limit), a cheap job first on a tie. A costly job already due within its own group is
    // added in the cheap class at its key's place, passed by exactly the group's jobs it may be.
    const keyOf = ({ seq, costly }: (typeof placed)[number]) => (costly ? seq + this.#overtakeLimit : seq);
    placed.sort((a, b) => keyOf(a) - keyOf(b) || Number(a.costly) - Number(b.costly));
    const jobs: { pending: PendingEnqueue; job: { name: string; data: object; opts: JobsOptions } }[] = [];
    /** Costly jobs added as such: each to be promoted once its overtake limit is reached. */
    const due: { priority: number; key: number; member: string }[] = [];
    for (const { pending, rank, seq, costly } of placed) {
      const { submission } = pending;
      const key = seq + this.#overtakeLimit;
      const stillCostly = costly && key >= lastSeq.get(laneOf(submission.priority))!;
      if (stillCostly) {
        const member = `${toBullPriority(submission.priority, rank, false)}:${submission.id}`;
        due.push({ priority: submission.priority, key, member });
      }
      const job = {
        name: QUEUE_NAME,
        data: { id: submission.id, submitter: submission.submitter },
        opts: { jobId: submission.id, priority: toBullPriority(submission.priority, rank, stillCostly) },
      };
      jobs.push({ pending, job });
    }
    // 3. The jobs, in one addBulk. When it fails, each job is added on its own, so one bad job fails
    //    only its caller; a job the bulk did add is left as it is (BullMQ ignores a second add of a
    //    jobId it holds).
    let added = jobs;
    try {
      if (jobs.length > 0) await this.#call(() => this.queue.addBulk(jobs.map(({ job }) => job)));
    } catch (error) {
      if (jobs.length === 1) {
        jobs[0]!.pending.reject(error);
        return;
      }
      const alone = await Promise.all(
        jobs.map(({ pending, job }) =>
          this.#call(() => this.queue.add(job.name, job.data, job.opts)).then(
            () => true,
            (failure: unknown) => {
              pending.reject(failure);
              return false;
            },
          ),
        ),
      );
      added = jobs.filter((_, i) => alone[i]);
    }
    if (added.length === 0) return;
    // 4. The positions, in one pipeline, with the costly jobs' due entries. A job gone from the
    //    waiting set already was taken by a worker: nothing runs before it.
    const addedIds = new Set(added.map(({ pending }) => pending.submission.id));
    let ranks: [Error | null, unknown][];
    try {
      ranks = await this.#call(async () => {
        const pipeline = (await this.#redis()).pipeline();
        for (const { pending } of added) pipeline.zrank(this.queue.keys.prioritized!, pending.submission.id);
        for (const { priority, key, member } of due) {
          if (!addedIds.has(member.slice(member.indexOf(':') + 1))) continue;
          pipeline.zadd(this.#costKey('due', priority), key, member);
        }
        // A lane's counter and due entries expire together, after an idle hour, never one alone.
        for (const lane of lastSeq.keys()) {
          pipeline.expire(this.#laneKey('seq', lane), FAIR_COUNT_TTL_SECONDS);
          pipeline.expire(this.#laneKey('due', lane), FAIR_COUNT_TTL_SECONDS);
        }
        return (await pipeline.exec()) ?? [];
      });
    } catch (error) {
      for (const { pending } of added) pending.reject(error);
      return;
    }
    for (const [i, { pending }] of added.entries()) {
      try {
        const position = this.#callSync(() => replyOf(ranks[i] ?? [null, null]));
        pending.resolve({ position: position === null ? 0 : Number(position) });
      } catch (error) {
        pending.reject(error);
      }
    }
  }

  #fairKey(submitter: string): string {
    return `${this.options.prefix}:fair:${submitter}`;
  }

  /** A lane's arrival counter ('seq') or its costly jobs by the key they become due at ('due'). */
  #costKey(kind: 'seq' | 'due', priority: number): string {
    return this.#laneKey(kind, laneOf(priority));
  }

  #laneKey(kind: 'seq' | 'due', lane: number): string {
    return `${this.options.prefix}:cost:${kind}:${lane}`;
  }

  /**
   * Promotes costly jobs that became due (ARRIVE_SCRIPT took their entries): each moves to its
   * rank's cheap class, behind the cheap jobs waiting there (which arrived within its overtake
   * limit), so no job that arrives from now on passes it. The entries were taken atomically, so two
   * API nodes never promote one job twice; a job no longer waiting (claimed, cancelled) is left as
   * it is, since BullMQ's changePriority moves only a waiting job. Across API nodes the bound holds
   * up to the jobs in flight between one node's promotion and another's add.
   */
  async #promote(members: readonly string[]): Promise<void> {
    await Promise.all(
      members.map(async (member) => {
        const at = member.indexOf(':');
        const job = new Job(this.queue, QUEUE_NAME, {}, {}, member.slice(at + 1));
        try {
          await job.changePriority({ priority: Number(member.slice(0, at)) });
        } catch (error) {
          // A job gone from Redis (finished and trimmed, or removed) has nothing to promote.
          const exists = await this.#call(async () =>
            (await this.#redis()).exists(this.queue.toKey(job.id!)),
          );
          if (exists !== 0) throw unavailable(error);
        }
      }),
    );
  }

  /** BullMQ's client is an ioredis instance behind a narrower interface. */
  async #redis(): Promise<RedisCommands> {
    return (await this.queue.client) as unknown as RedisCommands;
  }

  /** A job left the waiting set (claimed or removed): its submitter has one fewer waiting. */
  async #release(submitter: string | undefined): Promise<void> {
    if (submitter === undefined) return;
    await (await this.#redis()).eval(RELEASE_SCRIPT, 1, this.#fairKey(submitter)).catch(() => undefined);
  }

  /**
   * A waiting job's place in line: its rank in BullMQ's prioritized set, whose order (priority,
   * then arrival) is the run order. O(log n) in Redis, where counting rows ahead in PostgreSQL grew
   * with the queue and capped the accept rate.
   */
  async #rank(id: string): Promise<number | null> {
    return this.#call(async () => (await this.#redis()).zrank(this.queue.keys.prioritized!, id));
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
    return this.#call(async () => {
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
      const counts = await this.#call(() =>
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
    await this.#call(async () => {
      const old = await Job.fromId(this.queue, submission.id);
      if (old) await old.remove().catch(() => undefined);
    });
    await this.enqueue(submission);
  }

  /** Whether BullMQ still knows the job (waiting, running or delayed): the reconciler's question. */
  async has(id: string): Promise<boolean> {
    return this.#call(async () => {
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
