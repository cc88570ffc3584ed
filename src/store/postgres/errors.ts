// Failures. An outage is DEPENDENCY_UNAVAILABLE (503, retry later); anything else (a constraint, a
// bug) passes through as it is.
import { ArbiterError, isArbiterError } from '../../errors.js';

/** Socket errors, and SQLSTATEs that mean the server is going away or cannot take us now. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is stopping or our backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down or in recovery
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout passed, the server is too busy to answer in time
]);

/**
 * pg reports its own connection failures as plain Errors without a code, so these are matched on
 * their text (pg 8: lib/client.js, pg-pool: index.js).
 */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated', // ...unexpectedly / ...due to connection timeout
  'timeout exceeded when trying to connect', // the pool: no connection free in time
  'timeout expired', // a client's own connectionTimeoutMillis
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
];

function isUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (UNAVAILABLE_MESSAGES.some((m) => error.message.startsWith(m))) return true;
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  if (error instanceof AggregateError && error.errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(error.cause, depth + 1);
}

function describe(error: Error): string {
  if (error.message !== '') return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

/** Maps an outage to DEPENDENCY_UNAVAILABLE; returns any other error unchanged. */
export function storeError(error: unknown): unknown {
  if (isArbiterError(error) || !isUnavailable(error)) return error;
  return new ArbiterError(
    'DEPENDENCY_UNAVAILABLE',
    `PostgreSQL is unavailable: ${describe(error as Error)}`,
    {
      cause: error,
    },
  );
}
