/**
 * Token-bucket arithmetic, pure: no clock, no storage; and the decision a take gives, in the HTTP
 * headers' whole seconds (toRateDecision), the same for every back end. A bucket holds at most
 * `burst` tokens and refills continuously at `ratePerSec`; a request of `cost` tokens is allowed
 * when the bucket holds that many. A bucket nobody has touched (`state` undefined) is full, so a
 * store may drop a full bucket without changing any later answer (the memory limiter's sweep
 * relies on this).
 *
 * A cost above `burst` could never fit, so it is allowed only from a full bucket and leaves the
 * bucket in debt (negative tokens) that refills like any other shortfall. Without this, a batch
 * larger than the burst would be refused forever, and the adaptive policy (which shrinks burst
 * under load) could turn a normal request into one that can never pass.
 */
import { ArbiterError } from '../errors.js';
import type { RateDecision } from './rate-limiter.js';

/** What a store keeps per key. */
export interface BucketState {
  /** Tokens held at `updatedMs`; fractional, and negative while a large request is paid back. */
  tokens: number;
  /** The clock reading (ms) the tokens were counted at. */
  updatedMs: number;
}

export interface TakeResult {
  /** The bucket after this request, to be stored. */
  state: BucketState;
  allowed: boolean;
  /** Whole tokens left after this request (never negative); for X-RateLimit-Remaining. */
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
  /** 0 when allowed; otherwise milliseconds until `cost` tokens (at most a full bucket) are there. */
  retryAfterMs: number;
}

/**
 * Shortfalls worth less than this much refill time (0.1 µs) count as none, so that float rounding
 * never refuses a request made exactly `retryAfterMs` later.
 */
const ALLOW_TOLERANCE_MS = 1e-4;
/** Rounding slack for the waits we report (ms), far below the tolerance above. */
const ROUNDING_SLACK_MS = 1e-6;

/**
 * Takes `cost` tokens from the bucket at `nowMs` if it holds them. `burst` is the bucket size
 * (callers usually pass twice the rate). A clock that steps back is treated as no time passing.
 */
export function take(
  state: BucketState | undefined,
  nowMs: number,
  ratePerSec: number,
  burst: number,
  cost = 1,
): TakeResult {
  checkBucketArguments(nowMs, ratePerSec, burst);
  if (!Number.isFinite(cost) || cost < 0) {
    throw new ArbiterError('INVALID_INPUT', `cost must be a finite number >= 0, got ${String(cost)}`);
  }
  const perMs = ratePerSec / 1000;
  const current = tokensAt(state, nowMs, perMs, burst);
  const needed = Math.min(cost, burst);
  const shortfallMs = (needed - current) / perMs;
  const allowed = shortfallMs <= ALLOW_TOLERANCE_MS;
  const tokens = allowed ? current - cost : current;
  return {
    state: { tokens, updatedMs: state === undefined ? nowMs : Math.max(state.updatedMs, nowMs) },
    allowed,
    remaining: Math.max(0, Math.floor(tokens + 1e-9)),
    resetMs: waitMs((burst - tokens) / perMs),
    retryAfterMs: allowed ? 0 : waitMs(shortfallMs),
  };
}

/** Turns bucket arithmetic (milliseconds) into a decision (whole seconds), for every back end. */
export function toRateDecision(
  result: Pick<TakeResult, 'allowed' | 'remaining' | 'resetMs' | 'retryAfterMs'>,
  burst: number,
): RateDecision {
  return {
    allowed: result.allowed,
    limit: burst,
    remaining: result.remaining,
    resetSeconds: Math.ceil(result.resetMs / 1000),
    // Retry-After 0 would invite an immediate retry that is refused again: round up, at least 1.
    retryAfterSeconds: result.allowed ? 0 : Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
  };
}

/** Whether the bucket is full at `nowMs`, i.e. storing it or forgetting it is the same. */
export function isFull(state: BucketState, nowMs: number, ratePerSec: number, burst: number): boolean {
  checkBucketArguments(nowMs, ratePerSec, burst);
  const perMs = ratePerSec / 1000;
  return (burst - tokensAt(state, nowMs, perMs, burst)) / perMs <= ALLOW_TOLERANCE_MS;
}

function tokensAt(state: BucketState | undefined, nowMs: number, perMs: number, burst: number): number {
  if (state === undefined) return burst;
  const elapsedMs = Math.max(0, nowMs - state.updatedMs);
  // min() also cuts a bucket down at once when its burst was lowered (the adaptive policy).
  return Math.min(burst, state.tokens + elapsedMs * perMs);
}

function waitMs(ms: number): number {
  return ms <= 0 ? 0 : Math.max(0, Math.ceil(ms - ROUNDING_SLACK_MS));
}

function checkBucketArguments(nowMs: number, ratePerSec: number, burst: number): void {
  if (!Number.isFinite(nowMs)) {
    throw new ArbiterError('INVALID_INPUT', `nowMs must be a finite number, got ${String(nowMs)}`);
  }
  if (!Number.isFinite(ratePerSec) || ratePerSec <= 0) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `ratePerSec must be a finite number > 0, got ${String(ratePerSec)}`,
    );
  }
  if (!Number.isFinite(burst) || burst <= 0) {
    throw new ArbiterError('INVALID_INPUT', `burst must be a finite number > 0, got ${String(burst)}`);
  }
}
