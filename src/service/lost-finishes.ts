import type { Store } from '../store/types.js';
import type { SubmissionEvents } from './events.js';

export interface LostFinishOptions {
  /**
   * Only ids listened to for at least this long are looked up: a finish that is merely on its way
   * over pub/sub arrives well within it, so the store is not asked about every fresh subscriber.
   * Default 3,000 ms.
   */
  minAgeMs?: number;
  /** Ids per store query. Default 1,000. */
  batchSize?: number;
}

/**
 * Finds the submissions that listeners in this process wait on but that the store already holds as
 * final, and delivers their `finished` events. Across processes an event travels by Redis pub/sub,
 * which is at most once: a worker killed between writing a result and publishing it, or a dropped
 * subscriber connection, loses the event, and without this an SSE stream or a `?wait=true` request
 * would wait for it until the client gave up. Returns how many events it recovered.
 */
export async function recoverLostFinishes(
  events: SubmissionEvents,
  store: Store,
  options: LostFinishOptions = {},
): Promise<number> {
  const { minAgeMs = 3_000, batchSize = 1_000 } = options;
  const ids = events.awaitingFinish(minAgeMs);
  let recovered = 0;
  for (let start = 0; start < ids.length; start += batchSize) {
    for (const done of await store.listFinishedAmong(ids.slice(start, start + batchSize))) {
      const event = {
        type: 'finished' as const,
        id: done.id,
        keyId: done.keyId,
        status: done.status,
        at: done.finishedAt,
      };
      if (events.deliverRecovered(event)) recovered++;
    }
  }
  return recovered;
}
