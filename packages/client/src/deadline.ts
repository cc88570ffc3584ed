import { ArbiterTimeoutError } from './errors.js';

/**
 * One call's time budget and cancellation: its signal aborts when the caller's signal does or
 * when `timeoutMs` passes, and `translate()` turns whatever the aborted work threw into the one
 * error the caller should see. Deadlines nest (a wait's polls each get their own request
 * timeout), and each level translates only what it caused.
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  readonly #startedAt = Date.now();
  readonly #what: string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;

  /**
   * @param timeoutMs budget in milliseconds; Infinity (or undefined) for none
   * @param parent the caller's signal, if any
   * @param what names the call in the timeout message, e.g. "GET /api/v1/queue"
   */
  constructor(timeoutMs: number | undefined, parent: AbortSignal | undefined, what: string) {
    this.timeoutMs = timeoutMs ?? Infinity;
    this.#parent = parent;
    this.#what = what;
    this.signal = this.#controller.signal;
    if (parent?.aborted) {
      this.#controller.abort(parent.reason);
      return;
    }
    parent?.addEventListener('abort', this.#onParentAbort, { once: true });
    if (Number.isFinite(this.timeoutMs)) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        this.#controller.abort(this.#timeoutError());
      }, this.timeoutMs);
    }
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Milliseconds left; Infinity without a timeout. */
  remainingMs(): number {
    return Math.max(0, this.timeoutMs - (Date.now() - this.#startedAt));
  }

  /** Throws at once if the budget is spent or the caller aborted. */
  check(): void {
    if (this.signal.aborted) throw this.translate(this.signal.reason);
  }

  /**
   * What to throw for `error`, caught from work that used this deadline's signal: our timeout
   * becomes ArbiterTimeoutError, the caller's abort its signal's reason, anything else stays.
   */
  translate(error: unknown): unknown {
    if (this.#timedOut) return this.#timeoutError();
    if (this.#parent?.aborted) return abortReason(this.#parent);
    return error;
  }

  /** Stops the timer but keeps following the caller's signal (a stream that outlives its connect). */
  stopTimer(): void {
    clearTimeout(this.#timer);
  }

  /** Releases the timer and the listener; the signal stays as it is. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  /** Aborts the work using this deadline (for instance a stream no longer needed). */
  abort(): void {
    this.dispose();
    this.#controller.abort(new DOMException('no longer needed', 'AbortError'));
  }

  readonly #onParentAbort = (): void => {
    clearTimeout(this.#timer);
    this.#controller.abort(this.#parent?.reason);
  };

  #timeoutError(): ArbiterTimeoutError {
    return new ArbiterTimeoutError(
      `${this.#what} did not finish within ${this.timeoutMs} ms`,
      this.timeoutMs,
    );
  }
}

/** What an aborted signal rejects with: its reason, as fetch does, or an AbortError when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
