import { Job, type Queue } from 'bullmq';
import { QUEUE_NAME, parseDueMember, type OrderKeys } from './bullmq-order.js';
import { callRedis, redisOf, replyOf, unavailable } from './bullmq-redis.js';

/** A due costly job handed to this node to promote (ARRIVE_SCRIPT): its lane and its entry. */
export interface DueEntry {
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
export async function promoteDue(queue: Queue, keys: OrderKeys, entries: readonly DueEntry[]): Promise<void> {
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
        if (exists !== 0) throw unavailable(error);
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
  if (failed) throw unavailable(failed.reason);
}
