/** The Run and Cancel buttons: Run's label, its hold while the server asks to wait, and the running state. */
import { byId } from '../shared/by-id.js';
import { countdown } from '../shared/format.js';

const isMac = /Mac|iPhone|iPad/.test(navigator.userAgent);

export interface RunControlsOptions {
  onRun: () => void;
  onCancel: () => void;
}

export class RunControls {
  readonly #run = byId<HTMLButtonElement>('run');
  readonly #cancel = byId<HTMLButtonElement>('cancel');
  #stopCountdown: (() => void) | null = null;

  constructor({ onRun, onCancel }: RunControlsOptions) {
    this.renderLabel();
    this.#run.addEventListener('click', onRun);
    this.#cancel.addEventListener('click', onCancel);
  }

  /** Run is disabled while a submission runs or the server asked to wait. */
  get disabled(): boolean {
    return this.#run.disabled;
  }

  renderLabel(): void {
    this.#run.replaceChildren('Run ');
    const kbd = document.createElement('kbd');
    kbd.textContent = isMac ? '⌘+Enter' : 'Ctrl+Enter';
    this.#run.append(kbd);
  }

  /** Disables Run for `seconds`, counting down on it, then calls `done`. */
  holdFor(seconds: number, done: () => void): void {
    this.#stopCountdown?.();
    this.#run.disabled = true;
    this.#stopCountdown = countdown(
      seconds,
      (left) => (this.#run.textContent = `Run (wait ${left} s)`),
      () => {
        this.#stopCountdown = null;
        this.#run.disabled = false;
        this.renderLabel();
        done();
      },
    );
  }

  setRunning(running: boolean): void {
    this.#run.disabled = running || this.#stopCountdown !== null;
    this.#run.setAttribute('aria-busy', String(running));
    this.#cancel.hidden = !running;
  }
}
