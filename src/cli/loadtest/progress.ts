import type { LoadtestPlan } from './loadtest-options.js';
import type { Recorder } from './recorder.js';

/** Redraws of the live line on a terminal, in ms. */
const TTY_INTERVAL_MS = 250;
/** Lines written when stderr is not a terminal (a CI log), in ms. */
const LOG_INTERVAL_MS = 5000;
const BAR_WIDTH = 12;

/** What the live line shows besides the recorder's counters. */
export interface ProgressSource {
  recorder: Recorder;
  plan: LoadtestPlan;
  /** Latest queue sample, null before the first. */
  queue(): { length: number; running: number } | null;
  /** true once no new submission starts (the in-flight ones are being awaited). */
  draining(): boolean;
}

/**
 * The live view on stderr: on a terminal a progress bar and a status line redrawn in place; in a
 * log, one plain line every few seconds. stdout stays for the summary.
 */
export class Progress {
  readonly #source: ProgressSource;
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #timer: NodeJS.Timeout;

  constructor(source: ProgressSource, stream: NodeJS.WriteStream = process.stderr) {
    this.#source = source;
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
    this.#timer = setInterval(() => this.#draw(), this.#tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    if (this.#tty) this.#stream.write('\r\x1b[2K');
  }

  #draw(): void {
    const line = statusLine(this.#source, this.#tty);
    this.#stream.write(
      this.#tty ? `\r\x1b[2K${line.slice(0, (this.#stream.columns ?? 120) - 1)}` : `${line}\n`,
    );
  }
}

/** The fraction done: elapsed time of a classroom, submissions finished of a fixed count. */
export function fractionDone(recorder: Recorder, plan: LoadtestPlan): number {
  if (plan.mode === 'requests' && plan.requests !== null)
    return Math.min(1, recorder.attemptsOver / plan.requests);
  return Math.min(1, (recorder.elapsedSec() * 1000) / plan.durationMs);
}

export function statusLine(source: ProgressSource, withBar: boolean): string {
  const { recorder, plan } = source;
  const done = fractionDone(recorder, plan);
  const elapsed = Math.round(recorder.elapsedSec());
  const queue = source.queue();
  const clock =
    plan.mode === 'classroom' ? `${elapsed}s/${Math.round(plan.durationMs / 1000)}s` : `${elapsed}s`;
  const parts = [
    source.draining() ? 'draining' : clock,
    `sent ${recorder.submitted}`,
    `done ${recorder.finished.length}`,
    `in flight ${recorder.inFlight}`,
    `queue ${queue ? queue.length : '?'}`,
  ];
  // The live line stays short enough for a narrow terminal: refusals only once there are some.
  if (!withBar || recorder.http429 > 0) parts.push(`429s ${recorder.http429}`);
  if (!withBar || recorder.http503 > 0) parts.push(`503s ${recorder.http503}`);
  parts.push(`errors ${recorder.errors}`);
  const percent = `${String(Math.floor(done * 100)).padStart(3)}%`;
  if (!withBar) return `loadtest ${percent}: ${parts.join(', ')}`;
  const filled = Math.round(done * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}  ${parts.join('  ')}`;
}
