/** What one poll of the dashboard saw: the figures its charts draw and its rates are taken from. */
import type { HealthDetailed, QueueStats } from '../shared/types.js';
import { sumOf, type MetricSample } from './prometheus-text.js';
import type { Percentiles } from './sample-window.js';

export interface Snapshot {
  at: number;
  queueLength: number;
  running: number;
  /** Counters since the server started (arbiter_jobs_finished_total and friends). */
  finished: number;
  internalErrors: number;
  rejections: number;
  /** p50, p95 and p99; null where no submission finished in the window. */
  wait: (number | null)[];
  run: (number | null)[];
}

/** The answers of one poll; null for a call that failed. */
export interface PollAnswers {
  queue: QueueStats | null;
  health: HealthDetailed | null;
  metrics: MetricSample[] | null;
}

const percentileValues = (p: Percentiles | null): (number | null)[] =>
  p ? [p.p50, p.p95, p.p99] : [null, null, null];

/**
 * The snapshot at `now`: each figure from the first answer that has it, else the last snapshot's
 * (a failed call keeps the line flat rather than dropping it to zero).
 */
export function takeSnapshot(
  now: number,
  { queue, health, metrics }: PollAnswers,
  timings: { wait: Percentiles | null; run: Percentiles | null },
  last: Snapshot | undefined,
): Snapshot {
  return {
    at: now,
    queueLength: queue?.length ?? health?.queue.length ?? last?.queueLength ?? 0,
    running: queue?.running ?? health?.workers.reduce((n, w) => n + w.running, 0) ?? last?.running ?? 0,
    finished: metrics ? sumOf(metrics, 'arbiter_jobs_finished_total') : (last?.finished ?? 0),
    internalErrors: metrics
      ? sumOf(metrics, 'arbiter_jobs_finished_total', { status: 'internal_error' })
      : (last?.internalErrors ?? 0),
    rejections: metrics ? sumOf(metrics, 'arbiter_ratelimit_rejections_total') : (last?.rejections ?? 0),
    wait: percentileValues(timings.wait),
    run: percentileValues(timings.run),
  };
}
