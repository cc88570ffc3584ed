import { Job, type Queue } from 'bullmq';
import { QUEUE_NAME, parseDueMember } from './bullmq-order.js';
import { callRedis, redisOf, unavailable } from './bullmq-redis.js';

/**
 * Promotes costly jobs that became due (ARRIVE_SCRIPT took their entries): each moves to its
 * rank's cheap class, behind the cheap jobs waiting there (which arrived within its overtake
 * limit), so no job that arrives from now on passes it. The entries were taken atomically, so two
 * API nodes never promote one job twice; a job no longer waiting (claimed, cancelled) is left as
 * it is, since BullMQ's changePriority moves only a waiting job. Across API nodes the bound holds
 * up to the jobs in flight between one node's promotion and another's add.
 */
export async function promoteDue(queue: Queue, members: readonly string[]): Promise<void> {
  await Promise.all(
    members.map(async (member) => {
      const { promotedTo, id } = parseDueMember(member);
      const job = new Job(queue, QUEUE_NAME, {}, {}, id);
      try {
        await job.changePriority({ priority: promotedTo });
      } catch (error) {
        // A job gone from Redis (finished and trimmed, or removed) has nothing to promote.
        const exists = await callRedis(async () => (await redisOf(queue)).exists(queue.toKey(id)));
        if (exists !== 0) throw unavailable(error);
      }
    }),
  );
}
