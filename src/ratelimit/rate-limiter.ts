/**
 * The rate limiter interface, implemented in memory (embedded) and in Redis (scale-out): async, and
 * speaking only in plain numbers, so no back-end type crosses it.
 */

/** A key's budget: a bucket of `burst` tokens refilled at `ratePerSec`. */
export interface RateLimit {
  /** Tokens added per second (sustained requests per second). */
  ratePerSec: number;
  /** Bucket size: the most requests allowed at once. Usually twice `ratePerSec`. */
  burst: number;
}

/** One answer, in the units of the HTTP headers the API sends. */
export interface RateDecision {
  allowed: boolean;
  /** The bucket size (`burst`) in effect; for X-RateLimit-Limit. */
  limit: number;
  /** Whole requests left right now; for X-RateLimit-Remaining. */
  remaining: number;
  /** Whole seconds until the bucket is full again; for X-RateLimit-Reset. */
  resetSeconds: number;
  /** 0 when allowed; otherwise whole seconds (at least 1) to wait; for Retry-After. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /**
   * Spends `cost` (default 1) tokens of `key`'s bucket if it holds them. A refusal is a decision,
   * not an error; it rejects only when the limiter itself cannot answer (closed, store down).
   */
  consume(key: string, limit: RateLimit, cost?: number): Promise<RateDecision>;
  /** Stops timers and connections; later `consume` calls reject with RATE_LIMITER_CLOSED. */
  close(): Promise<void>;
}
