/** The tiles at the top of the dashboard: each figure written into its [data-metric] elements. */
import { formatMs, formatNumber, formatPercent } from '../shared/format.js';
import type { HealthDetailed, TimingSummary } from '../shared/types.js';
import { POLL_INTERVAL_MS } from './figures-poller.js';
import type { Snapshot } from './snapshot.js';
import { THROUGHPUT_SPAN_MS, type SummaryFigures } from './summary-figures.js';

function setMetric(name: string, text: string): void {
  for (const element of document.querySelectorAll<HTMLElement>(`[data-metric="${name}"]`))
    element.textContent = text;
}

function renderCache(name: string, counts: { hits: number; misses: number } | undefined): void {
  if (!counts) return;
  const total = counts.hits + counts.misses;
  setMetric(name, total === 0 ? '–' : formatPercent(counts.hits / total));
  setMetric(`${name}-counts`, `${formatNumber(counts.hits)} hits, ${formatNumber(counts.misses)} misses`);
}

/** `timings`: the server's last 15 minutes (GET /api/v1/queue), when it answered. */
export function renderSummaryTiles(
  snapshot: Snapshot,
  figures: SummaryFigures,
  timings: TimingSummary | undefined,
  health: HealthDetailed | null,
): void {
  const { maxQueueLength, workers, throughput, errorRate, rateLimitFactor } = figures;
  setMetric('queue-length', formatNumber(snapshot.queueLength));
  setMetric('queue-max', maxQueueLength === null ? 'of –' : `of ${formatNumber(maxQueueLength)} max`);
  setMetric('running', formatNumber(snapshot.running));
  setMetric('workers', workers === null ? 'of – workers' : `of ${workers} workers`);
  setMetric('throughput', throughput === null ? '–' : formatNumber(throughput, 2));
  setMetric(
    'throughput-span',
    figures.throughputSpanMs < THROUGHPUT_SPAN_MS - POLL_INTERVAL_MS
      ? 'jobs/s since this page opened'
      : 'jobs/s, last minute',
  );
  setMetric('finished', formatNumber(snapshot.finished));

  setMetric('wait-p95', timings ? formatMs(timings.p95WaitMs) : '–');
  setMetric('wait-avg', timings ? `avg ${formatMs(timings.avgWaitMs)}, last 15 min` : 'avg –, last 15 min');
  setMetric('run-p95', timings ? formatMs(timings.p95RunMs) : '–');
  setMetric('run-avg', timings ? `avg ${formatMs(timings.avgRunMs)}, last 15 min` : 'avg –, last 15 min');

  setMetric('error-rate', errorRate === null ? '0 %' : formatPercent(errorRate));
  setMetric('rejections', formatNumber(snapshot.rejections));
  setMetric(
    'rejections-recent',
    `429s since start; ${formatNumber(Math.max(0, figures.recentRejections))} in 5 min`,
  );
  setMetric('rate-factor', rateLimitFactor === null ? '–' : formatNumber(rateLimitFactor, 2));
  renderCache('compile-cache', health?.caches.compile);
  renderCache('result-cache', health?.caches.result);
}
