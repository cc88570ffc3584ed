import { backoffDelay } from './backoff.js';
import { Deadline, sleep } from './deadline.js';
import {
  ArbiterApiError,
  ArbiterClientError,
  ArbiterTimeoutError,
  CLIENT_ERROR_CODES,
  isAbortError,
} from './errors.js';
import type { HttpTransport } from './http.js';
import { readSse } from './sse.js';
import { isFinalStatus, type StatusUpdate, type Submission, type SubmissionStatus } from './types.js';

export interface WaitOptions {
  /** Aborts the wait; it then rejects with the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  /** The whole wait's budget in ms; past it, ArbiterTimeoutError. Default 10 minutes. */
  timeoutMs?: number;
  /**
   * How to follow the submission. "auto" (default): the SSE stream of
   * GET /api/v1/submissions/:id/events where fetch can stream, else (or when the stream breaks)
   * polling. "sse": the stream only. "poll": polling only.
   */
  transport?: 'auto' | 'sse' | 'poll';
  /** First polling interval in ms; each next one is 1.5 times longer, with jitter. Default 250. */
  pollIntervalMs?: number;
  /** Longest polling interval in ms. Default 5,000. */
  maxPollIntervalMs?: number;
  /** Polls before giving up with ArbiterTimeoutError. Default 1,000. */
  maxPollAttempts?: number;
  /** Told about each status change seen while waiting (queued with its position, running). */
  onStatus?: (update: StatusUpdate) => void;
}

interface WaitSettings {
  timeoutMs: number;
  transport: NonNullable<WaitOptions['transport']>;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Growth of the polling interval per poll. */
  pollBackoffFactor: number;
  maxPollAttempts: number;
}

/** Defaults of wait(), in one place. */
export const DEFAULT_WAIT_OPTIONS: Readonly<WaitSettings> = Object.freeze({
  /** Longer than the server's default queue timeout (5 min) plus a long judge. */
  timeoutMs: 10 * 60_000,
  transport: 'auto',
  pollIntervalMs: 250,
  maxPollIntervalMs: 5_000,
  pollBackoffFactor: 1.5,
  maxPollAttempts: 1_000,
});

/** What an SSE attempt ended with: the result, or why the stream cannot give it. */
type StreamOutcome = { submission: Submission } | { unavailable: string };

/**
 * Waits for a submission to reach a final status and returns it. Owns the wait's deadline; the
 * requests it makes each also get the client's per-request timeout.
 */
export async function waitForSubmission(
  http: HttpTransport,
  id: string,
  options: WaitOptions = {},
): Promise<Submission> {
  const settings: WaitSettings = { ...DEFAULT_WAIT_OPTIONS, ...definedOnly(options) };
  if (!Number.isInteger(settings.maxPollAttempts) || settings.maxPollAttempts < 1)
    throw new ArbiterClientError(
      CLIENT_ERROR_CODES.INVALID_OPTION,
      'maxPollAttempts must be a whole number >= 1',
    );
  const deadline = new Deadline(settings.timeoutMs, options.signal, `waiting for submission ${id}`);
  const follower = new Follower(id, options.onStatus);
  try {
    if (settings.transport !== 'poll') {
      const outcome = await followStream(http, id, deadline, follower, settings.transport === 'sse');
      if ('submission' in outcome) return outcome.submission;
      if (settings.transport === 'sse')
        throw new ArbiterClientError(
          CLIENT_ERROR_CODES.UNEXPECTED_RESPONSE,
          `no event stream: ${outcome.unavailable}`,
        );
    }
    return await poll(http, id, deadline, follower, settings);
  } catch (error) {
    throw deadline.translate(error);
  } finally {
    deadline.dispose();
  }
}

/** Reports each status change once. */
class Follower {
  #last: SubmissionStatus | undefined;
  #lastPosition: number | undefined;

  constructor(
    readonly id: string,
    readonly onStatus: WaitOptions['onStatus'],
  ) {}

  saw(status: SubmissionStatus, position?: number): void {
    if (status === this.#last && position === this.#lastPosition) return;
    this.#last = status;
    this.#lastPosition = position;
    if (isFinalStatus(status)) return;
    this.onStatus?.(position === undefined ? { id: this.id, status } : { id: this.id, status, position });
  }
}

/**
 * One SSE connection: the server sends the current state at once, then each change, and closes
 * after "finished" (which carries the whole result). A stream that cannot be opened or that ends
 * early is "unavailable" (the caller falls back to polling); what polling would fail on too (404,
 * 401, 403, abort, timeout) is thrown. In strict mode (transport "sse") every failure is thrown.
 */
async function followStream(
  http: HttpTransport,
  id: string,
  deadline: Deadline,
  follower: Follower,
  strict: boolean,
): Promise<StreamOutcome> {
  let stream;
  try {
    stream = await http.open({
      method: 'GET',
      path: `/api/v1/submissions/${encodeURIComponent(id)}/events`,
      headers: { accept: 'text/event-stream' },
      signal: deadline.signal,
    });
  } catch (error) {
    if (strict || deadline.signal.aborted || isAbortError(error)) throw error;
    if (error instanceof ArbiterApiError && error.status < 500 && error.status !== 429) throw error;
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  try {
    const { response } = stream;
    const type = response.headers.get('content-type') ?? '';
    if (!response.body || !type.includes('text/event-stream'))
      return { unavailable: `the answer is ${type || 'untyped'}, not a readable event stream` };
    for await (const event of readSse(response.body)) {
      const data = parseJson(event.data);
      if (event.event === 'status' && isSubmission(data)) {
        follower.saw(data.status, data.position);
        if (isFinalStatus(data.status)) return { submission: data };
      } else if (event.event === 'finished') {
        const submission = (data as { submission?: unknown } | null)?.submission;
        if (isSubmission(submission)) return { submission };
        return { submission: await getSubmission(http, id, deadline) };
      } else if (data !== null && typeof data === 'object' && 'status' in data) {
        const update = data as { status: SubmissionStatus; position?: number };
        follower.saw(update.status, update.position);
      }
    }
    return { unavailable: 'the event stream ended before the result' };
  } catch (error) {
    if (strict || deadline.signal.aborted) throw error;
    return { unavailable: error instanceof Error ? error.message : String(error) };
  } finally {
    stream.close();
  }
}

async function poll(
  http: HttpTransport,
  id: string,
  deadline: Deadline,
  follower: Follower,
  settings: WaitSettings,
): Promise<Submission> {
  const backoff = {
    initialMs: settings.pollIntervalMs,
    maxMs: settings.maxPollIntervalMs,
    factor: settings.pollBackoffFactor,
  };
  for (let attempt = 0; attempt < settings.maxPollAttempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, backoff), deadline.signal);
    const submission = await getSubmission(http, id, deadline);
    follower.saw(submission.status, submission.position);
    if (isFinalStatus(submission.status)) return submission;
  }
  throw new ArbiterTimeoutError(
    `submission ${id} was not final after ${settings.maxPollAttempts} polls`,
    deadline.timeoutMs,
  );
}

function getSubmission(http: HttpTransport, id: string, deadline: Deadline): Promise<Submission> {
  return http.json<Submission>({
    method: 'GET',
    path: `/api/v1/submissions/${encodeURIComponent(id)}`,
    signal: deadline.signal,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // an event this SDK does not understand is skipped, not fatal
  }
}

function isSubmission(value: unknown): value is Submission {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Submission).id === 'string' &&
    typeof (value as Submission).status === 'string' &&
    Array.isArray((value as Submission).tests)
  );
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
