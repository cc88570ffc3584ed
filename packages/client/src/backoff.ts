/**
 * Retry timing: exponential backoff with jitter for retries the server gave no time for, and
 * Retry-After for those it did. Pure, so the arithmetic is testable without a clock.
 */

export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  initialMs: number;
  /** Longest delay, in ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): initialMs × factor^attempt, capped at
 * maxMs, then "equal jitter" (between half and all of it) so that many clients refused at the same
 * moment do not all come back at the same moment. `random` is Math.random unless a test fixes it.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const full = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(full / 2 + random() * (full / 2));
}

/**
 * Reads a Retry-After header: delay-seconds ("5") or an HTTP date. Returns seconds (>= 0), or null
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, (at - now) / 1000);
}
