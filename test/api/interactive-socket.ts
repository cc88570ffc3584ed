// A WebSocket test client for the interactive protocols (native /api/v1/interactive and Piston's
// /api/v2/connect): keeps every message, waits for one by predicate (event-driven, bounded), and
// reports how the server closed the socket.
import WebSocket from 'ws';
import type { TestServer } from './helpers.js';

export type Message = Record<string, unknown>;

/** How long a test waits for one expected message before it fails, listing what did arrive. */
const WAIT_MS = 30_000;

export class TestSocket {
  readonly messages: Message[] = [];
  /** Resolves with the close code and reason once the server (or the test) closes the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Message);
      for (const check of [...this.#waiters]) check();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        for (const check of [...this.#waiters]) check();
        resolve({ code, reason: String(reason) });
      }),
    );
  }

  /** Opens a socket to `path`; rejects with the HTTP status when the upgrade is refused. */
  static open(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestSocket(socket)));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: HTTP ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  get isClosed(): boolean {
    return this.socket.readyState === WebSocket.CLOSED;
  }

  /** The first message (from `from` on) that matches; fails on timeout or when the socket closes first. */
  waitFor(match: (m: Message) => boolean, what: string, from = 0, timeoutMs = WAIT_MS): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.isClosed) {
          done();
          reject(new Error(`socket closed before ${what}; messages: ${this.dump()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; messages: ${this.dump()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits until the concatenated `data` of messages matching `pick` contains `text`. */
  waitForText(pick: (m: Message) => boolean, text: string, what: string): Promise<Message> {
    return this.waitFor(() => this.text(pick).includes(text), what);
  }

  /** The `data` fields of matching messages, joined. */
  text(pick: (m: Message) => boolean): string {
    return this.messages
      .filter(pick)
      .map((m) => String(m.data))
      .join('');
  }

  dump(): string {
    return JSON.stringify(this.messages).slice(0, 3000);
  }

  close(): void {
    this.socket.close();
  }
}
