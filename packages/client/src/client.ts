import {
  resolveClientOptions,
  type ArbiterClientOptions,
  type ResolvedClientOptions,
} from './client-options.js';
import { Deadline } from './deadline.js';
import { HttpTransport, type CallOptions } from './http.js';
import { ProblemsApi } from './problems.js';
import {
  isFinalStatus,
  type BatchItem,
  type Language,
  type ListOptions,
  type QueueStats,
  type Submission,
  type SubmissionInput,
  type SubmissionPage,
  type SubmitResponse,
} from './types.js';
import { DEFAULT_WAIT_OPTIONS, waitForSubmission, type WaitOptions } from './wait.js';

/** Options of run(): those of wait(), whose timeoutMs then covers the submit too. */
export type RunOptions = WaitOptions;

/**
 * A client of one Arbiter server's native API v1.
 *
 * ```ts
 * const arbiter = new ArbiterClient({ baseUrl: 'http://127.0.0.1:2358' });
 * const result = await arbiter.run({ language: 'python3', source: 'print(6 * 7)' });
 * console.log(result.status, result.run?.stdout); // accepted 42
 * ```
 */
export class ArbiterClient {
  /** Problems with stored test cases. */
  readonly problems: ProblemsApi;
  readonly #http: HttpTransport;

  constructor(options: ArbiterClientOptions) {
    this.#http = new HttpTransport(resolveClientOptions(options));
    this.problems = new ProblemsApi(this.#http);
  }

  /** The options in effect, defaults filled in. */
  get options(): Readonly<ResolvedClientOptions> {
    return this.#http.options;
  }

  /** Queues a program; resolves with its id, status and queue position. */
  async submit(input: SubmissionInput, options: CallOptions = {}): Promise<SubmitResponse> {
    const answer = await this.#http.json<Submission | { id: string; status: 'queued'; position: number }>({
      ...options,
      method: 'POST',
      path: '/api/v1/submissions',
      body: input,
    });
    // 202 {id, status, position}; a cached result comes back finished at once, as a whole submission.
    if ('tests' in answer)
      return { id: answer.id, status: answer.status, position: null, submission: answer };
    return { id: answer.id, status: answer.status, position: answer.position ?? null };
  }

  /** Submits and waits for the final result (see wait() for the options). */
  async run(input: SubmissionInput, options: RunOptions = {}): Promise<Submission> {
    const deadline = new Deadline(options.timeoutMs ?? DEFAULT_WAIT_OPTIONS.timeoutMs, options.signal, 'run');
    try {
      const submitted = await this.submit(input, { signal: deadline.signal });
      if (submitted.submission && isFinalStatus(submitted.submission.status)) return submitted.submission;
      return await this.wait(submitted.id, { ...options, signal: deadline.signal, timeoutMs: Infinity });
    } catch (error) {
      throw deadline.translate(error);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Resolves with the submission once it is final: over the server's event stream where fetch can
   * stream, else by polling with exponential backoff and jitter.
   */
  wait(id: string, options: WaitOptions = {}): Promise<Submission> {
    return waitForSubmission(this.#http, id, options);
  }

  /** The submission as it is now. */
  get(id: string, options: CallOptions = {}): Promise<Submission> {
    return this.#http.json({ ...options, method: 'GET', path: submissionPath(id) });
  }

  /** A page of this key's submissions, newest first (an admin key: everyone's). */
  listSubmissions(list: ListOptions = {}, options: CallOptions = {}): Promise<SubmissionPage> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(list)) if (value !== undefined) query.set(name, String(value));
    const search = query.toString() ? `?${query.toString()}` : '';
    return this.#http.json({ ...options, method: 'GET', path: `/api/v1/submissions${search}` });
  }

  /** Cancels a queued or running submission (a running program is killed); a finished one comes back unchanged. */
  cancel(id: string, options: CallOptions = {}): Promise<Submission> {
    return this.#http.json({ ...options, method: 'DELETE', path: submissionPath(id) });
  }

  /**
   * Submits up to 100 programs in one request. Each item is answered on its own, in order:
   * {id, status, position} or {error, message, status} (see isBatchItemError()).
   */
  async batch(inputs: SubmissionInput[], options: CallOptions = {}): Promise<BatchItem[]> {
    const answer = await this.#http.json<{ submissions: BatchItem[] }>({
      ...options,
      method: 'POST',
      path: '/api/v1/submissions/batch',
      body: { submissions: inputs },
    });
    return answer.submissions.map((item) =>
      'error' in item ? item : { id: item.id, status: item.status, position: item.position ?? null },
    );
  }

  /** The languages installed on the server, with their versions. */
  async languages(options: CallOptions = {}): Promise<Language[]> {
    const answer = await this.#http.json<{ languages: Language[] }>({
      ...options,
      method: 'GET',
      path: '/api/v1/languages',
    });
    return answer.languages;
  }

  /** Queue statistics: waiting, running, totals, recent timings, per language. */
  queue(options: CallOptions = {}): Promise<QueueStats> {
    return this.#http.json({ ...options, method: 'GET', path: '/api/v1/queue' });
  }
}

const submissionPath = (id: string) => `/api/v1/submissions/${encodeURIComponent(id)}`;
