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
    this.#emitter.emit(`id:${event.id}`, event);
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

  /** Returns the unsubscribe function. */
  onSubmission(id: string, listener: (event: SubmissionEvent) => void): () => void {
    return this.#on(`id:${id}`, listener);
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
