import { Job, type JobsOptions, type Queue } from 'bullmq';
import type { SubmissionRecord } from '../store/types.js';
import {
  ARRIVE_SCRIPT,
  FAIR_COUNT_TTL_SECONDS,
  LANE_KEY_KINDS,
  QUEUE_NAME,
  laneOf,
  orderGroup,
  parseDueMember,
  type Arrival,
  type OrderKeys,
} from './bullmq-order.js';
import { callRedis, redisUnavailable } from '../redis-options.js';
import { redisOf, replyOf } from './bullmq-redis.js';
import type { CostOf } from './run-cost.js';

/**
 * Enqueues in one group at most: a bound on the commands one round trip carries. A larger burst is
 * split into groups of this size, sent one after another on the same connection.
 */
const ENQUEUE_GROUP_JOBS = 256;

export interface GroupedEnqueueOptions {
  queue: Queue;
  keys: OrderKeys;
  costOf: CostOf;
  overtakeLimit: number;
  /** How long a node may take to promote the due compiles it was handed before another may, in ms. */
  promotionLeaseMs: number;
}

interface PendingEnqueue {
  submission: SubmissionRecord;
  resolve: (placed: { position: number }) => void;
  reject: (error: unknown) => void;
}

/**
 * The scale-out queue's enqueue, in groups: every submission that arrives within one turn of the
 * event loop shares three round trips to Redis (one MULTI of the fairness counters, one addBulk,
 * one pipeline of ZRANKs) instead of paying three each. Each caller gets what a call of its own
 * would give, in arrival order: its fair rank, its job, its position; and its own error, when it
 * has one (DEPENDENCY_UNAVAILABLE while Redis is down). The costly jobs a group's arrivals may no
 * longer pass are promoted before the group is added (promoteDue, below).
 */
export class GroupedEnqueue {
  #pending: PendingEnqueue[] = [];

  constructor(readonly options: GroupedEnqueueOptions) {}

  enqueue(submission: SubmissionRecord): Promise<{ position: number }> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ submission, resolve, reject }) === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const pending = this.#pending.splice(0);
    for (let at = 0; at < pending.length; at += ENQUEUE_GROUP_JOBS)
      await this.#enqueueGroup(pending.slice(at, at + ENQUEUE_GROUP_JOBS));
  }

  /** Settles every caller of the group; never rejects. */
  async #enqueueGroup(group: PendingEnqueue[]): Promise<void> {
    const { queue, keys, costOf, overtakeLimit, promotionLeaseMs } = this.options;
    // 1. The fair ranks: each submitter's waiting count goes up by one per job, in arrival order, so
    //    two jobs of one submitter in a group get consecutive ranks, as two calls would. And each
    //    lane's arrivals, numbered for the cost-aware order (queue/run-cost), with the costly jobs
    //    that this group's arrivals may no longer pass.
    const lanes = new Map<number, number>();
    for (const { submission } of group) {
      const lane = laneOf(submission.priority);
      lanes.set(lane, (lanes.get(lane) ?? 0) + 1);
    }
    let counts: [Error | null, unknown][];
    try {
      counts = await callRedis(async () => {
        const multi = (await redisOf(queue)).multi();
        for (const { submission } of group) {
          multi.incr(keys.fair(submission.submitter));
          multi.expire(keys.fair(submission.submitter), FAIR_COUNT_TTL_SECONDS);
        }
        for (const [lane, count] of lanes)
          multi.eval(
            ARRIVE_SCRIPT,
            3,
            keys.lane('seq', lane),
            keys.lane('due', lane),
            keys.lane('promoting', lane),
            count,
            promotionLeaseMs,
          );
        return (await multi.exec()) ?? [];
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    /** Each lane's last arrival number in this group, and its next one to hand out. */
    const lastSeq = new Map<number, number>();
    const nextSeq = new Map<number, number>();
    const dueEntries: DueEntry[] = [];
    try {
      for (const [i, [lane, count]] of [...lanes].entries()) {
        const [last, due] = replyOf(counts[2 * group.length + i] ?? [null, [0, []]]) as [number, string[]];
        lastSeq.set(lane, Number(last));
        nextSeq.set(lane, Number(last) - count + 1);
        for (const member of due) dueEntries.push({ lane, member });
      }
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    const arrivals: Arrival<PendingEnqueue>[] = [];
    for (const [i, pending] of group.entries()) {
      const { submission } = pending;
      const lane = laneOf(submission.priority);
      const seq = nextSeq.get(lane)!;
      nextSeq.set(lane, seq + 1);
      try {
        const rank = Number(replyOf(counts[2 * i] ?? [null, 1])) - 1;
        const cost = costOf(submission);
        arrivals.push({ item: pending, id: submission.id, priority: submission.priority, rank, seq, cost });
      } catch (error) {
        pending.reject(error);
      }
    }
    // 2. Costly jobs that this group's last arrival may not pass become cheap first.
    try {
      await promoteDue(queue, keys, dueEntries);
    } catch (error) {
      for (const { item } of arrivals) item.reject(error);
      return;
    }
    const ordered = orderGroup(arrivals, overtakeLimit, lastSeq);
    const jobs = ordered.map(({ item, bullPriority }) => ({
      pending: item,
      job: {
        name: QUEUE_NAME,
        data: { id: item.submission.id, submitter: item.submission.submitter },
        opts: { jobId: item.submission.id, priority: bullPriority } satisfies JobsOptions,
      },
    }));
    // 3. The jobs, in one addBulk. When it fails, each job is added on its own, so one bad job fails
    //    only its caller; a job the bulk did add is left as it is (BullMQ ignores a second add of a
    //    jobId it holds).
    let added = jobs;
    try {
      if (jobs.length > 0) await callRedis(() => queue.addBulk(jobs.map(({ job }) => job)));
    } catch (error) {
      if (jobs.length === 1) {
        jobs[0]!.pending.reject(error);
        return;
      }
      const alone = await Promise.all(
        jobs.map(({ pending, job }) =>
          callRedis(() => queue.add(job.name, job.data, job.opts)).then(
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
      ranks = await callRedis(async () => {
        const pipeline = (await redisOf(queue)).pipeline();
        for (const { pending } of added) pipeline.zrank(queue.keys.prioritized!, pending.submission.id);
        for (const { due } of ordered) {
          if (due && addedIds.has(parseDueMember(due.member).id))
            pipeline.zadd(keys.lane('due', due.lane), due.key, due.member);
        }
        for (const lane of lastSeq.keys())
          for (const kind of LANE_KEY_KINDS) pipeline.expire(keys.lane(kind, lane), FAIR_COUNT_TTL_SECONDS);
        return (await pipeline.exec()) ?? [];
      });
    } catch (error) {
      for (const { pending } of added) pending.reject(error);
      return;
    }
    for (const [i, { pending }] of added.entries()) {
      try {
        const position = replyOf(ranks[i] ?? [null, null]);
        pending.resolve({ position: position === null ? 0 : Number(position) });
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}

/** A due costly job handed to this node to promote (ARRIVE_SCRIPT): its lane and its entry. */
interface DueEntry {
  lane: number;
  member: string;
}

/**
 * Promotes costly jobs that became due: each moves to its rank's cheap class, behind the cheap jobs
 * waiting there (which arrived within its overtake limit), so no job that arrives from now on
 * passes it. ARRIVE_SCRIPT leased the entries to this node, so two API nodes do not promote one job
 * at once; a promoted entry is then confirmed (removed from the lane's `promoting` set). One that
 * fails (Redis went away between the lease and the promotion) stays leased, and the first arrival
 * after its lease lapses gets it again: the compile keeps its bound through a Redis outage. A job
 * already at its cheap priority (promoted, but the confirmation was lost) is not moved again, and
 * a job no longer waiting (claimed, cancelled, gone) is left as it is, since BullMQ's
 * changePriority moves only a waiting job. Across API nodes the bound holds up to the jobs in
 * flight between one node's promotion and another's add. Throws DEPENDENCY_UNAVAILABLE when a
 * promotion failed.
 */
async function promoteDue(queue: Queue, keys: OrderKeys, entries: readonly DueEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const priorities = await callRedis(async () => {
    const pipeline = (await redisOf(queue)).pipeline();
    for (const { member } of entries) pipeline.hget(queue.toKey(parseDueMember(member).id), 'priority');
    return (await pipeline.exec()) ?? [];
  });
  const outcomes = await Promise.allSettled(
    entries.map(async ({ member }, i) => {
      const { promotedTo, id } = parseDueMember(member);
      const current = replyOf(priorities[i] ?? [null, null]);
      if (current === null || Number(current) === promotedTo) return; // gone, or promoted already
      try {
        await new Job(queue, QUEUE_NAME, {}, {}, id).changePriority({ priority: promotedTo });
      } catch (error) {
        // A job gone from Redis since (finished and trimmed, or removed) has nothing to promote.
        const exists = await callRedis(async () => (await redisOf(queue)).exists(queue.toKey(id)));
        if (exists !== 0) throw redisUnavailable(error);
      }
    }),
  );
  const done = entries.filter((_, i) => outcomes[i]!.status === 'fulfilled');
  const byLane = new Map<number, string[]>();
  for (const { lane, member } of done) byLane.set(lane, [...(byLane.get(lane) ?? []), member]);
  // A confirmation lost now only means a second look (above) once the lease lapses.
  await Promise.all(
    [...byLane].map(async ([lane, members]) =>
      (await redisOf(queue)).zrem(keys.lane('promoting', lane), ...members).catch(() => undefined),
    ),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw redisUnavailable(failed.reason);
}
