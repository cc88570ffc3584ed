/**
 * Adaptive rate limits: as the job queue fills past a threshold the refill rates fall, and they
 * recover as it drains. The fall is immediate (protect the server first); the recovery is gradual,
 * so a queue that empties for a moment does not let the whole crowd back in at once.
 *
 * The factor curve, for fill = queueLength / maxQueueLength:
 *
 *   factor 1 ┤━━━━━━━━━━━━┓
 *            │            ┗━━┓
 *            │               ┗━━┓
 *   minFactor┤                  ┗━
 *            └────────────┬──────┬─ fill
 *                     threshold  1
 *
 * Pure: no clock. Call `update` at a steady cadence (say once a second, from the queue stats
 * timer), not per request, because recovery is counted in updates.
 */
import { ArbiterError } from '../errors.js';
import type { RateLimit } from './rate-limiter.js';

export interface AdaptiveRatePolicyOptions {
  /** Fill ratio of the queue (0 to 1) up to which rates stay at full speed. Default 0.5. */
  threshold?: number;
  /** The factor when the queue is full, in (0, 1]. Default 0.1 (a tenth of the normal rate). */
  minFactor?: number;
  /**
   * Smoothing of the recovery: the most the factor may rise in one `update`, in (0, 1].
   * Default 0.1, so recovering from 0.1 to 1 takes nine updates. Falls are never smoothed.
   */
  recoveryPerUpdate?: number;
}

export const DEFAULT_ADAPTIVE_RATE_POLICY_OPTIONS: Readonly<Required<AdaptiveRatePolicyOptions>> =
  Object.freeze({ threshold: 0.5, minFactor: 0.1, recoveryPerUpdate: 0.1 });

export class AdaptiveRatePolicy {
  readonly options: Readonly<Required<AdaptiveRatePolicyOptions>>;
  #factor = 1;

  constructor(options: AdaptiveRatePolicyOptions = {}) {
    const settings = { ...DEFAULT_ADAPTIVE_RATE_POLICY_OPTIONS };
    for (const [key, value] of Object.entries(options) as [keyof AdaptiveRatePolicyOptions, unknown][]) {
      if (value !== undefined) settings[key] = value as number;
    }
    checkRange('threshold', settings.threshold, 0, 1, true);
    checkRange('minFactor', settings.minFactor, 0, 1, false);
    checkRange('recoveryPerUpdate', settings.recoveryPerUpdate, 0, 1, false);
    this.options = Object.freeze(settings);
  }

  /** The current factor, in [minFactor, 1]. */
  get factor(): number {
    return this.#factor;
  }

  /** The factor the queue fill asks for, before smoothing. */
  targetFactor(queueLength: number, maxQueueLength: number): number {
    if (typeof queueLength !== 'number' || Number.isNaN(queueLength)) {
      throw new ArbiterError('INVALID_INPUT', `queueLength must be a number, got ${String(queueLength)}`);
    }
    if (Number.isNaN(maxQueueLength) || maxQueueLength <= 0) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `maxQueueLength must be > 0 (Infinity for an unbounded queue), got ${String(maxQueueLength)}`,
      );
    }
    const { threshold, minFactor } = this.options;
    const fill = Math.min(1, Math.max(0, queueLength) / maxQueueLength);
    if (fill <= threshold) return 1;
    return 1 - ((1 - minFactor) * (fill - threshold)) / (1 - threshold);
  }

  /** Feeds the current queue length in; returns the new factor. */
  update(queueLength: number, maxQueueLength: number): number {
    const target = this.targetFactor(queueLength, maxQueueLength);
    this.#factor =
      target <= this.#factor ? target : Math.min(target, this.#factor + this.options.recoveryPerUpdate);
    return this.#factor;
  }

  /**
   * The limit with its rate scaled by the factor. Burst is scaled too and rounded down to whole
   * requests (it is what X-RateLimit-Limit shows), but never below 1 so a request can still pass.
   * Other fields of `limit` are kept.
   */
  apply<T extends RateLimit>(limit: T): T {
    return {
      ...limit,
      ratePerSec: limit.ratePerSec * this.#factor,
      burst: Math.max(1, Math.floor(limit.burst * this.#factor + 1e-9)),
    };
  }
}

function checkRange(key: string, value: number, low: number, high: number, lowIncluded: boolean): void {
  const ok = typeof value === 'number' && (lowIncluded ? value >= low : value > low) && value <= high;
  if (!ok) {
    const range = `${lowIncluded ? '[' : '('}${low}, ${high}]`;
    throw new ArbiterError('INVALID_INPUT', `${key} must be a number in ${range}, got ${String(value)}`);
  }
}
