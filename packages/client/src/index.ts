// @arbiter/client: a typed client of Arbiter's native API v1, for Node 20+ and browsers. Only the
// platform's fetch, streams and AbortSignal; no dependencies.
export { ArbiterClient, type RunOptions } from './client.js';
export {
  DEFAULT_CLIENT_OPTIONS,
  type ArbiterClientOptions,
  type ResolvedClientOptions,
  type RetryInfo,
} from './client-options.js';
export {
  ArbiterApiError,
  ArbiterClientError,
  ArbiterNetworkError,
  ArbiterTimeoutError,
  CLIENT_ERROR_CODES,
  isAbortError,
} from './errors.js';
export type { CallOptions } from './http.js';
export type { ProblemsApi } from './problems.js';
export { backoffDelay, parseRetryAfter, type BackoffPolicy } from './backoff.js';
export { readSse, SseParser, type SseEvent } from './sse.js';
export { DEFAULT_WAIT_OPTIONS, type WaitOptions } from './wait.js';
export * from './types.js';
