import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OutboundMessage, SubmissionEvents } from './events.js';

/**
 * Joins the event hubs of every API node and worker through Redis pub/sub: an event published in
 * one process reaches the SSE and WebSocket subscribers of all the others, and a cancel reaches the
 * worker that runs the job. Pub/sub delivers at most once: SSE and WebSocket subscriptions start
 * with the state read from the store, and a `finished` event lost on the way is recovered from the
 * store by a sweep (service/lost-finishes.ts), so no listener of one submission waits forever.
 */
export class RedisEventBridge {
  readonly nodeId = randomUUID();
  #unsubscribe: (() => void) | null = null;

  constructor(
    readonly events: SubmissionEvents,
    /** For PUBLISH. */
    readonly publisher: Redis,
    /** A connection of its own: in subscriber mode it can do nothing else. */
    readonly subscriber: Redis,
    readonly channel = 'arbiter:events',
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let message: OutboundMessage & { origin: string };
      try {
        message = JSON.parse(text) as OutboundMessage & { origin: string };
      } catch {
        return; // not ours
      }
      if (message.origin === this.nodeId) return;
      if (message.kind === 'event') this.events.deliver(message.event);
      else if (message.kind === 'cancel') this.events.deliverCancel(message.id);
    });
    await this.subscriber.subscribe(this.channel);
    this.#unsubscribe = this.events.onOutbound((message) => {
      // A lost event is recovered from the store (see above), so a failed publish is only logged.
      this.publisher
        .publish(this.channel, JSON.stringify({ ...message, origin: this.nodeId }))
        .catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
