/** The figures the dashboard's cards and alerts show, derived from one poll and the history before it. */
import type { PollAnswers, Snapshot } from './snapshot.js';
import { rate, type SnapshotHistory } from './snapshot-history.js';

/** Throughput is averaged over this span. */
export const THROUGHPUT_SPAN_MS = 60_000;
/** Error rate is taken over this span (the Prometheus rule's [5m]). */
export const ERROR_RATE_SPAN_MS = 5 * 60_000;

export interface SummaryFigures {
  maxQueueLength: number | null;
  /** Worker slots across all worker processes. */
  workers: number | null;
  /** Finished jobs per second over THROUGHPUT_SPAN_MS, or over `throughputSpanMs` when shorter. */
  throughput: number | null;
  throughputSpanMs: number;
  /** Share of the jobs finished in ERROR_RATE_SPAN_MS that ended in internal_error. */
  errorRate: number | null;
  /** 429s in ERROR_RATE_SPAN_MS; negative after a server restart. */
  recentRejections: number;
  rateLimitFactor: number | null;
}

/** `history` already holds `snapshot` when the server answered. */
export function summaryFigures(
  snapshot: Snapshot,
  history: SnapshotHistory,
  { queue, health }: Pick<PollAnswers, 'queue' | 'health'>,
): SummaryFigures {
  const now = snapshot.at;
  const throughputFrom = history.ago(THROUGHPUT_SPAN_MS, now);
  const errorsFrom = history.ago(ERROR_RATE_SPAN_MS, now);
  const finishedInSpan = errorsFrom ? snapshot.finished - errorsFrom.finished : 0;
  return {
    maxQueueLength: queue?.maxLength ?? health?.queue.maxLength ?? null,
    workers: health ? health.workers.reduce((n, w) => n + w.concurrency, 0) : (queue?.workers ?? null),
    throughput: rate(snapshot, throughputFrom, (s) => s.finished),
    throughputSpanMs: now - (throughputFrom?.at ?? now),
    errorRate:
      errorsFrom && finishedInSpan > 0
        ? (snapshot.internalErrors - errorsFrom.internalErrors) / finishedInSpan
        : null,
    recentRejections: errorsFrom ? snapshot.rejections - errorsFrom.rejections : 0,
    rateLimitFactor: queue?.rateLimitFactor ?? health?.rateLimit.factor ?? null,
  };
}
