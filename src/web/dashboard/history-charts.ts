/** The dashboard's four charts of the last 15 minutes, drawn from the snapshot history. */
import { byId } from '../shared/by-id.js';
import { formatMs, formatNumber } from '../shared/format.js';
import { LineChart, type Point, type Series } from './line-chart.js';
import { WINDOW_MS } from './sample-window.js';
import type { Snapshot } from './snapshot.js';
import { rate } from './snapshot-history.js';

/** The wait and run charts draw the same three percentiles, in the same colours. */
const PERCENTILE_SERIES: readonly Series[] = [
  { name: 'p50', color: '#1f5fbf' },
  { name: 'p95', color: '#c77800' },
  { name: 'p99', color: '#b3261e' },
];

export class HistoryCharts {
  readonly #queue = new LineChart(byId('chart-queue'), {
    title: 'Queue length and running jobs',
    series: [
      { name: 'queued', color: '#1f5fbf' },
      { name: 'running', color: '#17703a' },
    ],
    format: (v) => formatNumber(v, Number.isInteger(v) ? 0 : 1),
    minCeiling: 2,
  });
  readonly #throughput = new LineChart(byId('chart-throughput'), {
    title: 'Throughput',
    series: [{ name: 'jobs/s', color: '#7a3fb5' }],
    format: (v) => formatNumber(v, v < 10 && !Number.isInteger(v) ? 1 : 0),
    minCeiling: 1,
  });
  readonly #wait = new LineChart(byId('chart-wait'), {
    title: 'Wait time',
    series: PERCENTILE_SERIES,
    format: formatMs,
    minCeiling: 10,
  });
  readonly #run = new LineChart(byId('chart-run'), {
    title: 'Run time',
    series: PERCENTILE_SERIES,
    format: formatMs,
    minCeiling: 10,
  });

  /** `history`: oldest first. */
  render(history: readonly Snapshot[], now: number): void {
    const points = (pick: (s: Snapshot) => (number | null)[]): Point[] =>
      history.map((s) => ({ at: s.at, values: pick(s) }));
    this.#queue.render(
      points((s) => [s.queueLength, s.running]),
      WINDOW_MS,
      now,
    );
    this.#throughput.render(
      history.map((s, i) => ({
        at: s.at,
        values: [i === 0 ? null : rate(s, history[i - 1], (x) => x.finished)],
      })),
      WINDOW_MS,
      now,
    );
    this.#wait.render(
      points((s) => s.wait),
      WINDOW_MS,
      now,
    );
    this.#run.render(
      points((s) => s.run),
      WINDOW_MS,
      now,
    );
  }
}
