/** Retry timing for webhook deliveries: exponential backoff with full jitter, and Retry-After. */

/**
 * The wait before retry number `attempt` (1 = the wait after the first failure): a uniformly
 * random time up to min(maxDelayMs, baseDelayMs · 2^(attempt−1)). Full jitter spreads retries
 * from many failed deliveries, so a receiver that comes back up is not hit by all at once.
 */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header in milliseconds: either delta-seconds ("120") or an HTTP date. Undefined
 * when absent or unreadable (the caller falls back to backoff). A date in the past gives 0.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - nowMs);
}
