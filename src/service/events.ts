import { EventEmitter } from 'node:events';
import type { SubmissionStatus } from '../judge/types.js';

/** One change in a submission's life, as pushed over SSE, WebSocket and to waiting requests. */
export interface SubmissionEvent {
  type: 'queued' | 'running' | 'finished';
  id: string;
  keyId: string | null;
  status: SubmissionStatus;
  /** For queued: how many run before it. */
  position?: number;
  at: number;
}

export type OutboundMessage = { kind: 'event'; event: SubmissionEvent } | { kind: 'cancel'; id: string };

/**
 * Fan-out of submission events inside one process. Listeners subscribe to one id, to one key's
 * submissions, or to everything (the dashboard, metrics). A scale-out deployment feeds the same
 * hub from Redis pub/sub.
 */
export class SubmissionEvents {
  readonly #emitter = new EventEmitter();
  /**
   * Every id someone here listens to by id (SSE streams, WebSocket subscriptions, `?wait=true`):
   * since when, and whether its `finished` has been delivered here. Pub/sub across processes is at
   * most once, so a sweep asks the store about the ids still waiting (see `awaitingFinish`).
   */
  readonly #watched = new Map<string, { since: number; finished: boolean }>();

  constructor() {
    // Thousands of SSE and WebSocket subscribers are normal; the default warning at 10 is not.
    this.#emitter.setMaxListeners(0);
  }

  /** An event of this process: delivered here, and to other processes through a bridge if attached. */
  publish(event: SubmissionEvent): void {
    this.deliver(event);
    this.#emitter.emit('outbound', { kind: 'event', event });
  }

  /** An event from elsewhere (another node, via the bridge): delivered here only. */
  deliver(event: SubmissionEvent): void {
    const watch = this.#watched.get(event.id);
    // A finish recovered from the store reached the id's listeners already: not twice.
    if (event.type !== 'finished' || !watch?.finished) this.#emitter.emit(`id:${event.id}`, event);
    if (event.type === 'finished' && watch) watch.finished = true;
    if (event.keyId) this.#emitter.emit(`key:${event.keyId}`, event);
    this.#emitter.emit('all', event);
  }

  /** Asks whichever process runs `id` to stop it (this one included). */
  requestCancel(id: string): void {
    this.deliverCancel(id);
    this.#emitter.emit('outbound', { kind: 'cancel', id });
  }

  deliverCancel(id: string): void {
    this.#emitter.emit('cancel', id);
  }

  onCancelRequest(listener: (id: string) => void): () => void {
    this.#emitter.on('cancel', listener);
    return () => this.#emitter.off('cancel', listener);
  }

  /** What a bridge forwards to other processes. */
  onOutbound(listener: (message: OutboundMessage) => void): () => void {
    this.#emitter.on('outbound', listener);
    return () => this.#emitter.off('outbound', listener);
  }

  /**
   * A `finished` event whose publish was lost (its worker died between writing the result and
   * publishing it, or the pub/sub connection dropped), found by asking the store. It goes to the
   * id's listeners only, and only if no `finished` reached them yet: key and `all` listeners may
   * have seen the real one, and get no copy. True when it was delivered.
   */
  deliverRecovered(event: SubmissionEvent & { type: 'finished' }): boolean {
    const watch = this.#watched.get(event.id);
    if (!watch || watch.finished) return false;
    watch.finished = true;
    this.#emitter.emit(`id:${event.id}`, event);
    return true;
  }

  /** Ids listened to for at least `minAgeMs` whose `finished` has not been delivered here. */
  awaitingFinish(minAgeMs: number, now = Date.now()): string[] {
    const ids: string[] = [];
    for (const [id, watch] of this.#watched)
      if (!watch.finished && now - watch.since >= minAgeMs) ids.push(id);
    return ids;
  }

  /** Returns the unsubscribe function. */
  onSubmission(id: string, listener: (event: SubmissionEvent) => void): () => void {
    if (!this.#watched.has(id)) this.#watched.set(id, { since: Date.now(), finished: false });
    const off = this.#on(`id:${id}`, listener);
    return () => {
      off();
      if (this.#emitter.listenerCount(`id:${id}`) === 0) this.#watched.delete(id);
    };
  }

  onKey(keyId: string, listener: (event: SubmissionEvent) => void): () => void {
    return this.#on(`key:${keyId}`, listener);
  }

  onAll(listener: (event: SubmissionEvent) => void): () => void {
    return this.#on('all', listener);
  }

  #on(name: string, listener: (event: SubmissionEvent) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  listenerCount(): number {
    return this.#emitter.eventNames().reduce((n, name) => n + this.#emitter.listenerCount(name), 0);
  }
}
