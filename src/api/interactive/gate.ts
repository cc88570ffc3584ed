// Interactive sessions' share of the sandbox pool.
import type { SandboxPool } from '../../sandbox/pool.js';

/**
 * Interactive sessions take sandbox slots outside the queue, for as long as their wall limit. So
 * that queued submissions always keep slots, at most half the pool's slots (at least one) run
 * interactive sessions at once; further sessions wait their turn, in order.
 */
export class SessionGate {
  #active = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Resolves once the caller may take a slot; rejects if `signal` aborts first. */
  enter(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(); // the leaving session's place is handed over: #active stays the same
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(wake), 1);
        reject(signal.reason as Error);
      };
      this.#waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  leave(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#active--;
  }
}

const gates = new WeakMap<SandboxPool, SessionGate>();

export function gateFor(pool: SandboxPool): SessionGate {
  let gate = gates.get(pool);
  if (!gate) {
    gate = new SessionGate(Math.max(1, Math.floor(pool.options.concurrency / 2)));
    gates.set(pool, gate);
  }
  return gate;
}
