/**
 * The dashboard's WebSocket ({"subscribe": "all"}), reconnected with a growing delay when it
 * drops; its state shows in #push-state.
 */
import { storedKey } from '../shared/api.js';
import { byId } from '../shared/by-id.js';
import type { SubmissionEventView } from '../shared/types.js';

/** Reconnects back off up to this. */
const MAX_RECONNECT_MS = 10_000;
const FIRST_RECONNECT_MS = 1000;
/**
 * Sent as a WebSocket subprotocol: a browser's WebSocket cannot send an Authorization header, so
 * the key travels as `arbiter.bearer.<key>` (src/api/web.ts reads it); the server answers with
 * the plain `arbiter.v1`, never echoing the key.
 */
const WS_PROTOCOL = 'arbiter.v1';
const WS_KEY_PROTOCOL_PREFIX = 'arbiter.bearer.';

export interface PushConnectionOptions {
  onEvent: (event: SubmissionEventView) => void;
  /** The server refused the subscription: its reason. */
  onRefused: (message: string) => void;
}

export class PushConnection {
  readonly #options: PushConnectionOptions;
  readonly #state = byId('push-state');
  #socket: WebSocket | null = null;
  #reconnectDelay = FIRST_RECONNECT_MS;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PushConnectionOptions) {
    this.#options = options;
  }

  connect(): void {
    const key = storedKey();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
    const ws = new WebSocket(url, key ? [WS_PROTOCOL, WS_KEY_PROTOCOL_PREFIX + key] : [WS_PROTOCOL]);
    this.#socket = ws;
    this.#setState('connecting', 'Push: connecting');
    ws.addEventListener('open', () => ws.send(JSON.stringify({ subscribe: 'all' })));
    ws.addEventListener('message', (message) => {
      let data: SubmissionEventView;
      try {
        data = JSON.parse(String(message.data)) as SubmissionEventView;
      } catch {
        return; // the server only sends JSON; anything else is not ours to show
      }
      if (data.type === 'subscribed') {
        this.#reconnectDelay = FIRST_RECONNECT_MS;
        this.#setState('live', 'Push: live');
      } else if (data.type === 'error') {
        this.#setState('refused', `Push: ${data.message ?? 'refused'}`);
        this.#options.onRefused(data.message ?? 'refused');
      } else this.#options.onEvent(data);
    });
    ws.addEventListener('close', () => {
      if (this.#socket !== ws) return;
      this.#socket = null;
      const seconds = Math.round(this.#reconnectDelay / 1000);
      this.#setState('down', `Push: reconnecting in ${seconds} s`);
      this.#reconnectTimer = setTimeout(() => this.connect(), this.#reconnectDelay);
      this.#reconnectDelay = Math.min(MAX_RECONNECT_MS, this.#reconnectDelay * 2);
    });
  }

  /** Drops the socket and connects again at once (with the key just saved, say). */
  reconnect(): void {
    clearTimeout(this.#reconnectTimer);
    const old = this.#socket;
    this.#socket = null;
    old?.close();
    this.#reconnectDelay = FIRST_RECONNECT_MS;
    this.connect();
  }

  #setState(state: 'connecting' | 'live' | 'down' | 'refused', text: string): void {
    this.#state.dataset.state = state;
    this.#state.textContent = text;
  }
}
