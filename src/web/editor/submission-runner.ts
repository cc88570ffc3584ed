/**
 * Runs what the page holds and follows it live (queued with its position → running → verdict)
 * over SSE, polling instead when the stream breaks; Cancel asks the server to stop it.
 */
import { isFinalStatus as isFinal } from '../../contract.js';
import { ApiError, describeError, getJson, sendJson } from '../shared/api.js';
import { statusLabel } from '../shared/format.js';
import { readEventStream } from '../shared/sse.js';
import type { SubmissionEventView, SubmissionView } from '../shared/types.js';
import type { ApiErrorHandler } from './api-error-handler.js';
import { progressText } from './progress-text.js';
import type { ResultView } from './result-view.js';
import type { RunControls } from './run-controls.js';
import { say } from './status-line.js';
import type { SubmissionRequest } from './submission-request.js';

/** When the event stream breaks, the submission is polled this often instead. */
const POLL_INTERVAL_MS = 500;

export interface SubmissionRunnerOptions {
  controls: RunControls;
  results: ResultView;
  errors: ApiErrorHandler;
  /** What to submit; 'no outputs' or null when there is nothing to. */
  request: () => SubmissionRequest | 'no outputs' | null;
  /** Whether problem `id`'s tests talk with an interactor (its output is then not shown). */
  isInteractive: (problemId: string | undefined) => boolean;
}

function progress(status: string, position?: number): void {
  const text = progressText(status, position);
  if (text) say(...text);
}

export class SubmissionRunner {
  readonly #options: SubmissionRunnerOptions;
  /** The submission being followed, if any. */
  #active: { id: string; abort: AbortController } | null = null;

  constructor(options: SubmissionRunnerOptions) {
    this.#options = options;
  }

  async run(): Promise<void> {
    const { controls, results, errors } = this.#options;
    if (this.#active || controls.disabled) return;
    const body = this.#options.request();
    if (body === 'no outputs') return say('Nothing to submit yet.', 'error');
    if (!body) return;
    results.clear();
    controls.setRunning(true);
    say('Submitting…', 'queued');
    let answer: { id: string; status: string; position?: number } | SubmissionView;
    try {
      answer = await sendJson('POST', '/api/v1/submissions', body);
    } catch (error) {
      controls.setRunning(false);
      errors.handle(error, 'run', () => void this.run());
      return;
    }
    errors.hideKeyForm();
    const abort = new AbortController();
    this.#active = { id: answer.id, abort };
    if (isFinal(answer.status)) return this.#finish(answer as SubmissionView);
    progress(answer.status, answer.position);
    await this.#follow(answer.id, abort);
  }

  async cancel(): Promise<void> {
    if (!this.#active) return;
    say('Cancelling…', 'running');
    try {
      await sendJson('DELETE', `/api/v1/submissions/${encodeURIComponent(this.#active.id)}`);
    } catch (error) {
      this.#options.errors.handle(error, 'cancel', () => void this.cancel());
    }
  }

  /** Follows a submission over SSE; if the stream breaks before the verdict, polls instead. */
  async #follow(id: string, abort: AbortController): Promise<void> {
    const path = `/api/v1/submissions/${encodeURIComponent(id)}`;
    try {
      await readEventStream(
        `${path}/events`,
        ({ event, data }) => {
          const payload = JSON.parse(data) as SubmissionEventView & SubmissionView;
          if (event === 'status') {
            if (isFinal(payload.status)) this.#finish(payload);
            else progress(payload.status, payload.position);
          } else if (event === 'queued' || event === 'running') progress(event, payload.position);
          else if (event === 'finished' && payload.submission) this.#finish(payload.submission);
        },
        abort.signal,
      );
    } catch (error) {
      if (abort.signal.aborted) return;
      console.warn('event stream failed; polling instead', error);
    }
    // The stream ended (or broke) without a verdict: ask until there is one.
    while (this.#active?.id === id && !abort.signal.aborted) {
      try {
        const view = await getJson<SubmissionView>(path);
        if (isFinal(view.status)) return this.#finish(view);
        progress(view.status, view.position);
      } catch (error) {
        if (error instanceof ApiError && error.status !== 0 && error.status !== 429 && error.status !== 503) {
          this.#active = null;
          this.#options.controls.setRunning(false);
          this.#options.errors.handle(error, 'run', () => void this.run());
          return;
        }
        say(describeError(error), 'error');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  #finish(submission: SubmissionView): void {
    this.#options.results.show(submission, {
      interactive: this.#options.isInteractive(submission.problemId),
    });
    say(`Finished: ${statusLabel(submission.status)}.`, 'done');
    this.#active?.abort.abort();
    this.#active = null;
    this.#options.controls.setRunning(false);
  }
}
