import { ArbiterClientError, CLIENT_ERROR_CODES } from './errors.js';

/** Told about each retry before its delay starts (for logs and load tests). */
export interface RetryInfo {
  method: string;
  path: string;
  /** 1 for the first retry. */
  attempt: number;
  /** HTTP status that caused it (429, 503), or null for a network error. */
  status: number | null;
  /** Milliseconds the client waits before the retry. */
  delayMs: number;
  /** The Retry-After the server gave, in seconds; null when none. */
  retryAfter: number | null;
}

export interface ArbiterClientOptions {
  /** The server, e.g. "http://127.0.0.1:2358" (a path prefix behind a proxy is kept). */
  baseUrl: string;
  /** Sent as "Authorization: Bearer <apiKey>". Default: none (anonymous). */
  apiKey?: string;
  /**
   * Budget of one API call in ms, retries and their waits included. Default 30,000. Infinity for
   * none. wait() and run() have their own budget (their `timeoutMs` option).
   */
  timeoutMs?: number;
  /**
   * Retries after 429 (rate limited) or 503 (queue full, shutting down), waiting as long as the
   * server's Retry-After says (never less), and after network errors on idempotent requests
   * (GET, PUT, DELETE), with exponential backoff. Default 3; 0 turns retries off.
   */
  maxRetries?: number;
  /** The fetch to use. Default: the global fetch (Node 18+, browsers). */
  fetch?: typeof fetch;
  /** Called before each retry. */
  onRetry?: (info: RetryInfo) => void;
}

/** Defaults of the client, in one place. */
export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  timeoutMs: 30_000,
  maxRetries: 3,
  /** Backoff of retries the server gave no Retry-After for. */
  retryBackoff: Object.freeze({ initialMs: 500, maxMs: 10_000, factor: 2 }),
});

export interface ResolvedClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  onRetry: ((info: RetryInfo) => void) | undefined;
}

const invalid = (message: string) => new ArbiterClientError(CLIENT_ERROR_CODES.INVALID_OPTION, message);

/** Checks and defaults the options once, at construction; a bad value fails naming its option. */
export function resolveClientOptions(options: ArbiterClientOptions): ResolvedClientOptions {
  if (typeof options?.baseUrl !== 'string')
    throw invalid('baseUrl is required, e.g. "http://127.0.0.1:2358"');
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw invalid(`baseUrl "${options.baseUrl}" is not a URL; try "http://127.0.0.1:2358"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(`baseUrl must be http: or https:, got ${url.protocol}`);
  if (url.search || url.hash) throw invalid('baseUrl must not have a query or a fragment');
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_OPTIONS.timeoutMs;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0)
    throw invalid(`timeoutMs must be a number of milliseconds > 0 (or Infinity), got ${String(timeoutMs)}`);
  const maxRetries = options.maxRetries ?? DEFAULT_CLIENT_OPTIONS.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw invalid(`maxRetries must be a whole number >= 0, got ${String(maxRetries)}`);
  const fetchImpl = options.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  if (typeof fetchImpl !== 'function') throw invalid('no global fetch here; pass options.fetch');
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey === ''))
    throw invalid('apiKey must be a non-empty string when given');
  return {
    baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    apiKey: options.apiKey,
    timeoutMs,
    maxRetries,
    fetch: fetchImpl,
    onRetry: options.onRetry,
  };
}
