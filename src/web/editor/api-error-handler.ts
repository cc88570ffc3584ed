/**
 * How the editor answers a failed API call: 401/403 → the key form, and the call is retried once a
 * key is saved; 429/503 → a countdown on the Run button; anything else → the status line.
 */
import { ApiError, describeError } from '../shared/api.js';
import { KeyPrompt } from '../shared/key-prompt.js';
import type { RunControls } from './run-controls.js';
import { say } from './status-line.js';

export class ApiErrorHandler {
  readonly #controls: RunControls;
  /** What a saved key should retry: each call that got 401/403, by name. */
  readonly #retryAfterKey = new Map<string, () => void>();
  readonly #keyPrompt = new KeyPrompt(() => {
    const retries = [...this.#retryAfterKey.values()];
    this.#retryAfterKey.clear();
    if (retries.length > 0) say('Trying again with the key…');
    for (const retry of retries) retry();
  });

  constructor(controls: RunControls) {
    this.#controls = controls;
  }

  /** `what` names the call: a second refusal of it replaces its retry rather than adding one. */
  handle(error: unknown, what: string, retry: () => void): void {
    const message = describeError(error);
    say(message, 'error');
    if (!(error instanceof ApiError)) return;
    if (error.needsKey) {
      this.#retryAfterKey.set(what, retry);
      this.#keyPrompt.show(message);
    } else if ((error.status === 429 || error.status === 503) && error.retryAfter)
      this.#controls.holdFor(error.retryAfter, () => say('Ready to run again.'));
  }

  /** A call went through: the key form is no longer needed. */
  hideKeyForm(): void {
    this.#keyPrompt.hide();
  }
}
