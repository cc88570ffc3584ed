import type { ErrorBody } from './types.js';

/**
 * Every error the SDK throws on its own account extends ArbiterClientError and carries a stable
 * `code`: match on `code` (or the class), never on the message. Aborts are the exception: they
 * reject with the signal's reason, as fetch does (a DOMException named AbortError unless the
 * caller gave another reason), so `isAbortError()` or `error.name === 'AbortError'` tells them.
 */
export class ArbiterClientError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArbiterClientError';
    this.code = code;
  }
}

/** The server answered with an error status; the fields come from its error JSON. */
export class ArbiterApiError extends ArbiterClientError {
  /** HTTP status, e.g. 400, 404, 429, 503. */
  readonly status: number;
  /** The server's request id (X-Request-Id), for its logs; null when the answer had none. */
  readonly requestId: string | null;
  /** Seconds the server asked to wait before retrying (Retry-After); null when it gave none. */
  readonly retryAfter: number | null;
  /** The request path the server saw. */
  readonly path: string | null;
  /** The error JSON as received; null when the body was not the server's error JSON (a proxy's page). */
  readonly body: ErrorBody | null;

  constructor(init: {
    code: string;
    message: string;
    status: number;
    requestId?: string | null;
    retryAfter?: number | null;
    path?: string | null;
    body?: ErrorBody | null;
  }) {
    super(init.code, init.message);
    this.name = 'ArbiterApiError';
    this.status = init.status;
    this.requestId = init.requestId ?? null;
    this.retryAfter = init.retryAfter ?? null;
    this.path = init.path ?? null;
    this.body = init.body ?? null;
  }
}

/** A call did not finish within its time budget (the request's timeoutMs, or a wait's). */
export class ArbiterTimeoutError extends ArbiterClientError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(CLIENT_ERROR_CODES.TIMEOUT, message);
    this.name = 'ArbiterTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The server could not be reached (refused, reset, DNS), after any retries. */
export class ArbiterNetworkError extends ArbiterClientError {
  constructor(message: string, cause: unknown) {
    super(CLIENT_ERROR_CODES.NETWORK, message, { cause });
    this.name = 'ArbiterNetworkError';
  }
}

/** Codes of the errors the SDK raises itself (the server's are ARB_ERR_<AREA>_<WHAT> too). */
export const CLIENT_ERROR_CODES = Object.freeze({
  /** A call ran out of time. */
  TIMEOUT: 'ARB_ERR_CLIENT_TIMEOUT',
  /** The server could not be reached. */
  NETWORK: 'ARB_ERR_CLIENT_NETWORK',
  /** The server answered with an error status but not with Arbiter's error JSON. */
  UNEXPECTED_RESPONSE: 'ARB_ERR_CLIENT_UNEXPECTED_RESPONSE',
  /** An option given to the client is unusable. */
  INVALID_OPTION: 'ARB_ERR_CLIENT_OPTION_INVALID',
});

/** True for the rejection of an aborted call (fetch's own convention: name AbortError). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Builds an ArbiterApiError from an error response, reading its body. */
export async function apiErrorFrom(
  response: Response,
  retryAfterSeconds: number | null,
): Promise<ArbiterApiError> {
  const text = await response.text();
  let body: ErrorBody | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isErrorBody(parsed)) body = parsed;
  } catch {
    body = null; // not JSON: a proxy's error page; described below from the status line
  }
  const requestId = body?.requestId ?? response.headers.get('x-request-id');
  const retryAfter = retryAfterSeconds ?? (typeof body?.retryAfter === 'number' ? body.retryAfter : null);
  if (body) {
    return new ArbiterApiError({
      code: body.error,
      message: body.message,
      status: response.status,
      requestId,
      retryAfter,
      path: body.path,
      body,
    });
  }
  const excerpt = text.trim().slice(0, 200);
  return new ArbiterApiError({
    code: CLIENT_ERROR_CODES.UNEXPECTED_RESPONSE,
    message: `HTTP ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`,
    status: response.status,
    requestId,
    retryAfter,
  });
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.error === 'string' && typeof v.message === 'string';
}
