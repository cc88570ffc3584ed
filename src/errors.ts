/**
 * The one registry of Arbiter's error codes. Codes are a contract (the API and the tests match on
 * them); messages may be reworded. A verdict such as wrong_answer is never an error: errors are for
 * when Arbiter itself cannot do what was asked.
 */
export const ErrorCodes = {
  /** The request asked for something invalid (a bad limit, an unknown option). */
  INVALID_INPUT: { code: 'ARB_ERR_INPUT_INVALID', status: 400 },
  /** No language matches the requested id or alias. */
  LANGUAGE_UNKNOWN: { code: 'ARB_ERR_LANGUAGE_UNKNOWN', status: 400 },
  /** The language is known but its toolchain is not installed on this machine. */
  LANGUAGE_UNAVAILABLE: { code: 'ARB_ERR_LANGUAGE_UNAVAILABLE', status: 400 },
  /** A limit is outside what the server allows. */
  LIMIT_INVALID: { code: 'ARB_ERR_LIMIT_INVALID', status: 400 },
  /** The sandbox cannot be used on this machine (no bubblewrap, no cgroups, not root). */
  SANDBOX_UNAVAILABLE: { code: 'ARB_ERR_SANDBOX_UNAVAILABLE', status: 503 },
  /** A sandbox slot failed in a way that is Arbiter's fault, not the program's. */
  SANDBOX_FAILED: { code: 'ARB_ERR_SANDBOX_FAILED', status: 500 },
  /** The sandbox pool was closed while work was waiting for it. */
  SANDBOX_CLOSED: { code: 'ARB_ERR_SANDBOX_CLOSED', status: 503 },
  /** The queue holds its maximum; the client should retry after Retry-After. */
  QUEUE_FULL: { code: 'ARB_ERR_QUEUE_FULL', status: 503 },
  /** This key (or anonymous use) has its share of the queue waiting (maxQueuedPerKey); retry after Retry-After. */
  QUEUE_QUOTA: { code: 'ARB_ERR_QUEUE_QUOTA_EXCEEDED', status: 429 },
  /** The server is shutting down and takes no new work. */
  SHUTTING_DOWN: { code: 'ARB_ERR_SHUTTING_DOWN', status: 503 },
  /** No such submission (or not one this caller may see). */
  SUBMISSION_NOT_FOUND: { code: 'ARB_ERR_SUBMISSION_NOT_FOUND', status: 404 },
  /** No such problem. */
  PROBLEM_NOT_FOUND: { code: 'ARB_ERR_PROBLEM_NOT_FOUND', status: 404 },
  /** No such route. */
  ROUTE_NOT_FOUND: { code: 'ARB_ERR_ROUTE_NOT_FOUND', status: 404 },
  /** An API key is needed and none (or a revoked or unknown one) was given. */
  UNAUTHORIZED: { code: 'ARB_ERR_AUTH_REQUIRED', status: 401 },
  /** The key is valid but may not do this (admin only). */
  FORBIDDEN: { code: 'ARB_ERR_AUTH_FORBIDDEN', status: 403 },
  /** The request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE: { code: 'ARB_ERR_INPUT_TOO_LARGE', status: 413 },
  /** The web pages were never built (npm run build:web). */
  WEB_NOT_BUILT: { code: 'ARB_ERR_WEB_NOT_BUILT', status: 503 },
  /** A WebSocket endpoint was asked without the WebSocket upgrade. */
  UPGRADE_REQUIRED: { code: 'ARB_ERR_UPGRADE_REQUIRED', status: 426 },
  /** The request's body or parameters do not match the route's schema. */
  VALIDATION_FAILED: { code: 'ARB_ERR_INPUT_VALIDATION', status: 400 },
  /** Something failed inside Arbiter; the log has the request id. */
  INTERNAL: { code: 'ARB_ERR_INTERNAL', status: 500 },
  /** A file name would escape the work directory or is otherwise unusable. */
  FILE_NAME_INVALID: { code: 'ARB_ERR_FILE_NAME_INVALID', status: 400 },
  /** A service Arbiter depends on (PostgreSQL, Redis) cannot be reached; retrying later may succeed. */
  DEPENDENCY_UNAVAILABLE: { code: 'ARB_ERR_DEPENDENCY_UNAVAILABLE', status: 503 },

  // Problem packages
  /** A problem package (Kattis or Polygon zip) is malformed; the message names the file, and the line where there is one. */
  PACKAGE_INVALID: { code: 'ARB_ERR_PACKAGE_INVALID', status: 400 },
  /** A problem package uses a feature Arbiter does not import (yet); the message names the file. */
  PACKAGE_UNSUPPORTED: { code: 'ARB_ERR_PACKAGE_UNSUPPORTED', status: 400 },
  /** The problem's reference solutions have not (yet) all got their expected verdicts, and no admin opened it. */
  PROBLEM_NOT_VERIFIED: { code: 'ARB_ERR_PROBLEM_NOT_VERIFIED', status: 409 },

  // Rate limits
  /** The caller used up its request budget; the API answers with Retry-After and X-RateLimit-*. */
  RATE_LIMITED: { code: 'ARB_ERR_RATELIMIT_EXCEEDED', status: 429 },
  /** The rate limiter was closed (the server is shutting down) while a request asked it. */
  RATE_LIMITER_CLOSED: { code: 'ARB_ERR_RATELIMIT_CLOSED', status: 503 },

  // Webhooks
  /** A callbackUrl is not allowed: wrong scheme, credentials, or it points at an internal network. */
  WEBHOOK_TARGET_REFUSED: { code: 'ARB_ERR_WEBHOOK_TARGET_REFUSED', status: 400 },
  /** A callbackUrl's host name did not resolve (perhaps only for now: delivery retries it). */
  WEBHOOK_TARGET_UNRESOLVED: { code: 'ARB_ERR_WEBHOOK_TARGET_UNRESOLVED', status: 400 },
} as const;

export type ErrorKey = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorKey]['code'];

export class ArbiterError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds after which a retry may succeed (429, 503); sent as Retry-After. */
  retryAfter?: number;

  constructor(key: ErrorKey, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options);
    if (options?.retryAfter !== undefined) this.retryAfter = Math.max(1, Math.ceil(options.retryAfter));
    this.name = 'ArbiterError';
    this.code = ErrorCodes[key].code;
    this.status = ErrorCodes[key].status;
  }
}

export function isArbiterError(error: unknown, key?: ErrorKey): error is ArbiterError {
  return error instanceof ArbiterError && (key === undefined || error.code === ErrorCodes[key].code);
}
