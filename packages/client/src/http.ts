import { backoffDelay, parseRetryAfter } from './backoff.js';
import { DEFAULT_CLIENT_OPTIONS, type ResolvedClientOptions } from './client-options.js';
import { Deadline, sleep } from './deadline.js';
import { ArbiterNetworkError, apiErrorFrom } from './errors.js';

/** Per-call options every SDK method takes. */
export interface CallOptions {
  /** Aborts the call; it then rejects with the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  /** This call's budget in ms, retries included. Default: the client's timeoutMs. */
  timeoutMs?: number;
}

export interface HttpRequest extends CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the base URL, starting with "/". */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is instead of JSON (a problem package's zip). */
  raw?: { contentType: string; data: Uint8Array };
  /** Extra headers (e.g. accept: text/event-stream). */
  headers?: Record<string, string>;
}

/** An open streaming response; call close() when done with it (it aborts the connection). */
export interface OpenStream {
  response: Response;
  close(): void;
}

/** Statuses that mean "not now": the request was refused before doing anything, so retrying is safe. */
const RETRY_STATUSES = new Set([429, 503]);
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/**
 * HTTP with Arbiter's conventions: JSON both ways, the API key, the error JSON turned into
 * ArbiterApiError, retries after 429/503 honouring Retry-After, and one time budget per call.
 */
export class HttpTransport {
  constructor(readonly options: ResolvedClientOptions) {}

  /** Sends the request and returns the parsed JSON body (undefined for an empty body, e.g. 204). */
  async json<T>(request: HttpRequest): Promise<T> {
    const deadline = this.#deadline(request);
    try {
      const response = await this.#send(request, deadline);
      const text = await response.text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      throw deadline.translate(error);
    } finally {
      deadline.dispose();
    }
  }

  /** Sends the request and returns the body's bytes (a zip download). */
  async bytes(request: HttpRequest): Promise<Uint8Array> {
    const deadline = this.#deadline(request);
    try {
      const response = await this.#send(request, deadline);
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw deadline.translate(error);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Opens a streaming response (SSE). The call's timeout covers only getting the response
   * headers; after that the stream lives until close() or the caller's signal aborts.
   */
  async open(request: HttpRequest): Promise<OpenStream> {
    const deadline = this.#deadline(request);
    try {
      const response = await this.#send(request, deadline);
      deadline.stopTimer();
      return { response, close: () => deadline.abort() };
    } catch (error) {
      deadline.dispose();
      throw deadline.translate(error);
    }
  }

  #deadline(request: HttpRequest): Deadline {
    return new Deadline(
      request.timeoutMs ?? this.options.timeoutMs,
      request.signal,
      `${request.method} ${request.path}`,
    );
  }

  /** The request with its retries; resolves with the first successful response. */
  async #send(request: HttpRequest, deadline: Deadline): Promise<Response> {
    const { maxRetries } = this.options;
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.raw) headers['content-type'] = request.raw.contentType;
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const body = request.raw
      ? // fetch sends any Uint8Array; TypeScript's DOM types want one over a plain ArrayBuffer.
        (request.raw.data as Uint8Array<ArrayBuffer>)
      : request.body === undefined
        ? undefined
        : JSON.stringify(request.body);
    const url = this.options.baseUrl + request.path;

    for (let attempt = 0; ; attempt++) {
      deadline.check();
      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method: request.method,
          headers,
          body,
          signal: deadline.signal,
        });
      } catch (error) {
        if (deadline.signal.aborted) throw deadline.translate(error);
        // The request may or may not have reached the server: only idempotent ones are sent again.
        const delayMs = backoffDelay(attempt, DEFAULT_CLIENT_OPTIONS.retryBackoff);
        if (!IDEMPOTENT.has(request.method) || attempt >= maxRetries || delayMs > deadline.remainingMs())
          throw new ArbiterNetworkError(`cannot reach ${this.options.baseUrl}: ${describe(error)}`, error);
        this.#notify(request, attempt, null, delayMs, null);
        await sleep(delayMs, deadline.signal);
        continue;
      }
      if (response.ok) return response;

      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      const error = await apiErrorFrom(response, retryAfter);
      if (!RETRY_STATUSES.has(response.status) || attempt >= maxRetries) throw error;
      const delayMs =
        error.retryAfter !== null
          ? Math.ceil(error.retryAfter * 1000)
          : backoffDelay(attempt, DEFAULT_CLIENT_OPTIONS.retryBackoff);
      // Waiting past the budget only to time out would hide the server's answer.
      if (delayMs > deadline.remainingMs()) throw error;
      this.#notify(request, attempt, response.status, delayMs, error.retryAfter);
      await sleep(delayMs, deadline.signal);
    }
  }

  #notify(
    request: HttpRequest,
    attempt: number,
    status: number | null,
    delayMs: number,
    retryAfter: number | null,
  ): void {
    this.options.onRetry?.({
      method: request.method,
      path: request.path,
      attempt: attempt + 1,
      status,
      delayMs,
      retryAfter,
    });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail =
    cause instanceof Error ? ((cause as Error & { code?: string }).code ?? cause.message) : undefined;
  return detail ? `${error.message} (${detail})` : error.message;
}
