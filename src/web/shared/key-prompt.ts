/**
 * The API-key form both pages carry (hidden until the server answers 401 or 403). The key is kept
 * in localStorage and sent as `Authorization: Bearer`; saving it retries what needed it.
 */
import { saveKey, storedKey } from './api.js';
import { byId } from './by-id.js';

export class KeyPrompt {
  readonly #form = byId<HTMLFormElement>('key-form');
  readonly #input = byId<HTMLInputElement>('api-key');
  readonly #message = byId('key-message');
  readonly #forget = byId<HTMLButtonElement>('key-forget');

  /** `onSave` runs after a key is saved or forgotten: retry whatever was refused. */
  constructor(onSave: () => void) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      const key = this.#input.value.trim();
      if (!key) {
        this.#message.textContent = 'Enter a key first.';
        this.#input.focus();
        return;
      }
      saveKey(key);
      this.#message.textContent = 'Key saved in this browser.';
      this.#forget.hidden = false;
      onSave();
    });
    this.#forget.addEventListener('click', () => {
      saveKey(null);
      this.#input.value = '';
      this.#forget.hidden = true;
      this.#message.textContent = 'Key forgotten.';
      onSave();
    });
    this.#forget.hidden = storedKey() === null;
  }

  /** Shows the form with why it is needed, and puts the cursor in the key field. */
  show(reason: string): void {
    const wasHidden = this.#form.hidden;
    this.#form.hidden = false;
    this.#message.textContent = reason;
    this.#input.value = storedKey() ?? '';
    if (wasHidden) this.#input.focus();
  }

  hide(): void {
    this.#form.hidden = true;
  }
}
