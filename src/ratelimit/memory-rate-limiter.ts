/**
 * The embedded rate limiter: token buckets in a Map, for one API process.
 *
 * Memory stays bounded two ways: a periodic sweep drops buckets that have refilled (a full bucket
 * and a missing one give the same answers, so this loses nothing), and a hard cap on entries
 * evicts the least recently used bucket when a new key arrives (which does give that key a fresh
 * bucket; the cap is sized so that only a flood of distinct keys reaches it).
 */
import { ArbiterError } from '../errors.js';
import { withDefaults } from '../option-defaults.js';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';
import { isFull, take, toRateDecision, type BucketState } from './token-bucket.js';

export interface MemoryRateLimiterOptions {
  /** The clock, in milliseconds. Default `Date.now`; tests pass a fake one. */
  now?: () => number;
  /**
   * Most buckets kept at once; past it the least recently used is evicted. Default 100,000
   * (a bucket is a key plus about a hundred bytes, so some 20 MB with API-key-sized keys).
   */
  maxKeys?: number;
  /**
   * Milliseconds between sweeps that drop full buckets. Default 60,000. 0 runs no timer (call
   * `sweep()` yourself). The timer is unref'd, so it never keeps the process alive.
   */
  sweepIntervalMs?: number;
}

export const DEFAULT_MEMORY_RATE_LIMITER_OPTIONS = Object.freeze({
  maxKeys: 100_000,
  sweepIntervalMs: 60_000,
});

interface Entry {
  state: BucketState;
  /** The limit last used with this key, so the sweep can tell whether the bucket is full. */
  ratePerSec: number;
  burst: number;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #now: () => number;
  readonly #maxKeys: number;
  /** Insertion order is recency order: every consume moves its key to the end. */
  readonly #buckets = new Map<string, Entry>();
  readonly #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryRateLimiterOptions = {}) {
    const settings = withDefaults(DEFAULT_MEMORY_RATE_LIMITER_OPTIONS, options);
    if (!Number.isInteger(settings.maxKeys) || settings.maxKeys < 1) {
      throw new ArbiterError('INVALID_INPUT', `maxKeys must be an integer >= 1, got ${settings.maxKeys}`);
    }
    if (!Number.isFinite(settings.sweepIntervalMs) || settings.sweepIntervalMs < 0) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `sweepIntervalMs must be a finite number >= 0, got ${settings.sweepIntervalMs}`,
      );
    }
    this.#now = options.now ?? Date.now;
    this.#maxKeys = settings.maxKeys;
    if (settings.sweepIntervalMs > 0) {
      this.#timer = setInterval(() => this.sweep(), settings.sweepIntervalMs);
      this.#timer.unref();
    }
  }

  /** How many buckets are held (full ones included until the next sweep). */
  get size(): number {
    return this.#buckets.size;
  }

  async consume(key: string, limit: RateLimit, cost = 1): Promise<RateDecision> {
    if (this.#closed) throw new ArbiterError('RATE_LIMITER_CLOSED', 'the rate limiter is closed');
    const previous = this.#buckets.get(key);
    const result = take(previous?.state, this.#now(), limit.ratePerSec, limit.burst, cost);
    if (previous === undefined) {
      while (this.#buckets.size >= this.#maxKeys) this.#evictOldest();
    } else {
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, { state: result.state, ratePerSec: limit.ratePerSec, burst: limit.burst });
    return toRateDecision(result, limit.burst);
  }

  /** Drops every bucket that is full now; returns how many were dropped. */
  sweep(): number {
    const now = this.#now();
    let dropped = 0;
    for (const [key, entry] of this.#buckets) {
      if (isFull(entry.state, now, entry.ratePerSec, entry.burst)) {
        this.#buckets.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#buckets.clear();
  }

  #evictOldest(): void {
    const oldest = this.#buckets.keys().next();
    if (oldest.done !== true) this.#buckets.delete(oldest.value);
  }
}
