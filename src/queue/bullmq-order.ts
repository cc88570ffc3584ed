/**
 * How Arbiter's run order becomes BullMQ's (the scale-out queue). BullMQ runs the lowest priority
 * number first (FIFO among equals, at most 2^21) and cannot reorder waiting jobs cheaply, so every
 * job gets one number at arrival: its priority's lane, its fair rank, its cost class. The Redis keys
 * and Lua scripts that number arrivals and hand out the costly jobs that became due live here too.
 */

import { costKey, costRank, RUN_COSTS, runsBefore, type RunCost } from './run-cost.js';

export const QUEUE_NAME = 'submissions';

/**
 * Fair shares within a priority, as BullMQ can order them: the embedded queue's rounds
 * (queue/fair-lanes) become ranks fixed at arrival: a job's rank is how many jobs of its submitter
 * were waiting when it came. Rank 0 runs before rank 1 within a priority, so one student's tenth
 * resubmission waits behind everyone's first. Unlike rounds, a rank does not move up while the
 * queue drains; a flood of newcomers can hold back a submitter's second job until it ebbs (the
 * queue-wait timeout bounds that wait).
 */
const FAIR_RANKS = 640;
/** Idle submitters' counts (and idle lanes' keys) expire, so a count that drifted (a process died mid-claim) heals. */
export const FAIR_COUNT_TTL_SECONDS = 3_600;

/** 0 (highest Arbiter priority) … 999: BullMQ's order of Arbiter's priorities, higher running first. */
export const laneOf = (priority: number): number => 999 - Math.min(Math.max(priority, 0), 998);

/**
 * BullMQ's priority number for an Arbiter priority, a fair rank and a cost class: lane, then rank,
 * then cheap, moderate, costly (queue/run-cost). 1000 lanes x 640 ranks x 3 classes fit under
 * BullMQ's 2^21. A moderate or costly job is moved to its rank's cheap class (promoted) once it is
 * due, before a job that may not pass it is added (queue/bullmq-enqueue's promoteDue), which bounds how many
 * pass it; until then the moderate ones wait ahead of the costly ones, as in the embedded lanes.
 */
export const toBullPriority = (priority: number, rank: number, cost: RunCost): number =>
  laneOf(priority) * FAIR_RANKS * RUN_COSTS.length +
  Math.min(Math.max(rank, 0), FAIR_RANKS - 1) * RUN_COSTS.length +
  costRank(cost) +
  1;

/**
 * A group's arrivals in one lane: KEYS[1] the lane's arrival counter, KEYS[2] its costly jobs by
 * the arrival number they become due at, KEYS[3] the due jobs being promoted, by when their
 * promoter's lease lapses (ms, Redis's clock); ARGV[1] how many jobs arrive, ARGV[2] the lease in
 * ms. Counts them in and hands out, leased to the caller, the entries due before the group's last
 * arrival and those whose promotion was leased and never confirmed (its promoter failed: Redis went
 * away mid-way, or the node died), so a failed promotion is retried and no costly job loses its
 * bound. Returns {last arrival number, members to promote}.
 */
export const ARRIVE_SCRIPT = `local last = redis.call('INCRBY', KEYS[1], ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. last)
if #due > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. last) end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do table.insert(due, member) end
for _, member in ipairs(due) do redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), member) end
return {last, due}`;

/** Decrements a submitter's waiting count, deleting it at zero (never below). */
export const RELEASE_SCRIPT = `local n = redis.call('DECR', KEYS[1]) if n <= 0 then redis.call('DEL', KEYS[1]) end return n`;

/**
 * A lane's keys for the cost order: its arrival counter, its costly jobs by the arrival number they
 * become due at, and the due ones being promoted (ARRIVE_SCRIPT). They expire together.
 */
export type LaneKeyKind = 'seq' | 'due' | 'promoting';
export const LANE_KEY_KINDS: readonly LaneKeyKind[] = ['seq', 'due', 'promoting'];

/** The scheme's Redis keys under a deployment's prefix. */
export class OrderKeys {
  constructor(readonly prefix: string) {}

  /** A submitter's count of waiting jobs: the fair rank of its next one. */
  fair(submitter: string): string {
    return `${this.prefix}:fair:${submitter}`;
  }

  lane(kind: LaneKeyKind, lane: number): string {
    return `${this.prefix}:cost:${kind}:${lane}`;
  }
}

/**
 * A due entry's member: the BullMQ priority the job is promoted to, and its id. Carrying the
 * priority lets any node promote it without reading the job first.
 */
export const dueMember = (promotedTo: number, id: string): string => `${promotedTo}:${id}`;

export function parseDueMember(member: string): { promotedTo: number; id: string } {
  const at = member.indexOf(':');
  return { promotedTo: Number(member.slice(0, at)), id: member.slice(at + 1) };
}

/** One job of a group, counted in: its fair rank, its arrival number in its lane, its class. */
export interface Arrival<T> {
  item: T;
  id: string;
  priority: number;
  rank: number;
  seq: number;
  cost: RunCost;
}

/** A job to add with its BullMQ priority and, while it stays costly, the due entry that will promote it. */
export interface OrderedJob<T> {
  item: T;
  bullPriority: number;
  due: { lane: number; key: number; member: string } | null;
}

/**
 * A group's jobs in the order to add them. BullMQ runs equal priority numbers in the order they
 * were added, so a group is added in the order the embedded lanes would run it (runsBefore, with the
 * lane's last arrival `lastSeq`). A moderate or costly job already due within its own group (its key
 * before the lane's last arrival) is added in the cheap class at its key's place, passed by exactly
 * the group's jobs it may be; the others keep their class, each with the due entry that promotes it
 * once its limit is reached.
 */
export function orderGroup<T>(
  arrivals: readonly Arrival<T>[],
  overtakeLimit: number,
  lastSeq: ReadonlyMap<number, number>,
): OrderedJob<T>[] {
  const placed = arrivals.map((arrival) => {
    const lane = laneOf(arrival.priority);
    const key = costKey(arrival.seq, arrival.cost, overtakeLimit);
    return { arrival, lane, last: lastSeq.get(lane)!, place: { key, rank: costRank(arrival.cost) } };
  });
  return placed
    .sort((a, b) => a.lane - b.lane || (runsBefore(a.place, b.place, a.last) ? -1 : 1))
    .map(({ arrival, lane, last, place }) => {
      const { item, id, priority, rank, cost } = arrival;
      const waiting = cost !== 'cheap' && place.key >= last;
      return {
        item,
        bullPriority: toBullPriority(priority, rank, waiting ? cost : 'cheap'),
        due: waiting
          ? { lane, key: place.key, member: dueMember(toBullPriority(priority, rank, 'cheap'), id) }
          : null,
      };
    });
}
