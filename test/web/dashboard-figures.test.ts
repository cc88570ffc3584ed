// The dashboard's figures, in Node: a poll's snapshot, the history rates are taken over, the
// summary the tiles and alerts show, and the samples taken from pushed events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText } from '../../src/web/dashboard/prometheus-text.js';
import { finishedSample } from '../../src/web/dashboard/sample-window.js';
import { takeSnapshot, type Snapshot } from '../../src/web/dashboard/snapshot.js';
import { rate, SnapshotHistory } from '../../src/web/dashboard/snapshot-history.js';
import {
  ERROR_RATE_SPAN_MS,
  summaryFigures,
  THROUGHPUT_SPAN_MS,
} from '../../src/web/dashboard/summary-figures.js';
import type { HealthDetailed, QueueStats, SubmissionView } from '../../src/web/shared/types.js';

const NO_TIMINGS = { wait: null, run: null };

function snapshot(at: number, fields: Partial<Snapshot> = {}): Snapshot {
  return {
    at,
    queueLength: 0,
    running: 0,
    finished: 0,
    internalErrors: 0,
    rejections: 0,
    wait: [],
    run: [],
    ...fields,
  };
}

function queueStats(fields: Partial<QueueStats>): QueueStats {
  return {
    length: 0,
    running: 0,
    workers: 2,
    maxLength: 100,
    rateLimitFactor: 1,
    totals: { queued: 0, running: 0, processed: 0, accepted: 0, failed: 0, cancelled: 0, timedOut: 0 },
    last15Minutes: { count: 0, avgWaitMs: 0, p95WaitMs: 0, avgRunMs: 0, p95RunMs: 0 },
    byLanguage: {},
    ...fields,
  };
}

function health(workers: { running: number; concurrency: number }[]): HealthDetailed {
  return {
    status: 'ok',
    version: '1',
    mode: 'embedded',
    uptimeSeconds: 10,
    queue: { length: 7, maxLength: 50 },
    store: { kind: 'sqlite', ok: true },
    sandbox: { slots: 4, busy: 0, waiting: 0, rebuilt: 0, runs: 0, ok: true },
    workers: workers.map((w, i) => ({ host: 'h', pid: i, ...w })),
    rateLimit: { factor: 0.5, ipRatePerSec: 10 },
    caches: { compile: { hits: 0, misses: 0 }, result: { hits: 0, misses: 0 } },
    push: { subscribers: 0 },
    languages: { installed: 1, known: 1, missing: [] },
  };
}

test('a snapshot takes each figure from the first answer that has it, else keeps the last one', () => {
  const metrics = parsePrometheusText(
    [
      'arbiter_jobs_finished_total{status="accepted"} 5',
      'arbiter_jobs_finished_total{status="internal_error"} 2',
      'arbiter_ratelimit_rejections_total{scope="ip"} 3',
    ].join('\n'),
  );
  const timings = { wait: { p50: 1, p95: 2, p99: 3 }, run: null };
  const fromQueue = takeSnapshot(
    1000,
    { queue: queueStats({ length: 4, running: 1 }), health: null, metrics },
    timings,
    undefined,
  );
  assert.deepEqual(fromQueue, {
    at: 1000,
    queueLength: 4,
    running: 1,
    finished: 7,
    internalErrors: 2,
    rejections: 3,
    wait: [1, 2, 3],
    run: [null, null, null],
  });
  const fromHealth = takeSnapshot(
    2000,
    {
      queue: null,
      health: health([
        { running: 2, concurrency: 2 },
        { running: 1, concurrency: 2 },
      ]),
      metrics: null,
    },
    NO_TIMINGS,
    fromQueue,
  );
  assert.equal(fromHealth.queueLength, 7);
  assert.equal(fromHealth.running, 3);
  assert.equal(fromHealth.finished, 7, 'without /metrics the counters stay where they were');
  assert.equal(fromHealth.rejections, 3);
  const nothing = takeSnapshot(3000, { queue: null, health: null, metrics: null }, NO_TIMINGS, undefined);
  assert.deepEqual([nothing.queueLength, nothing.running, nothing.finished], [0, 0, 0]);
});

test('the history finds the oldest snapshot in a span, drops old ones, and rates are per second', () => {
  const history = new SnapshotHistory();
  for (const at of [0, 1000, 2000, 3000]) history.add(snapshot(at, { finished: at / 100 }));
  assert.equal(history.ago(1500, 3000)?.at, 2000);
  assert.equal(history.ago(60_000, 3000)?.at, 0);
  assert.equal(history.last?.at, 3000);
  assert.equal(
    rate(history.last!, history.ago(60_000, 3000), (s) => s.finished),
    10,
  );
  assert.equal(
    rate(history.last!, history.last, (s) => s.finished),
    null,
    'no rate against itself',
  );
  assert.equal(
    rate(history.last!, undefined, (s) => s.finished),
    null,
  );
  assert.equal(
    rate(snapshot(1000, { finished: 0 }), snapshot(0, { finished: 5 }), (s) => s.finished),
    0,
    'a counter reset is not negative',
  );
  history.dropBefore(2000);
  assert.deepEqual(
    history.all.map((s) => s.at),
    [2000, 3000],
  );
});

test('the summary: throughput over its span, error rate over 5 minutes, workers from health first', () => {
  const history = new SnapshotHistory();
  const start = 1_000_000;
  history.add(snapshot(start, { finished: 100, internalErrors: 1, rejections: 4 }));
  const now = start + ERROR_RATE_SPAN_MS;
  const last = snapshot(now, { finished: 300, internalErrors: 11, rejections: 9 });
  history.add(last);
  const figures = summaryFigures(last, history, {
    queue: queueStats({ maxLength: 80, workers: 3 }),
    health: null,
  });
  assert.equal(figures.errorRate, 10 / 200);
  assert.equal(figures.recentRejections, 5);
  assert.equal(figures.maxQueueLength, 80);
  assert.equal(figures.workers, 3);
  assert.equal(figures.rateLimitFactor, 1);
  assert.equal(figures.throughput, null, 'nothing else within the last minute');
  assert.equal(figures.throughputSpanMs, 0);

  const early = new SnapshotHistory();
  const first = snapshot(0, { finished: 0 });
  const second = snapshot(THROUGHPUT_SPAN_MS / 2, { finished: 60 });
  early.add(first);
  early.add(second);
  const opened = summaryFigures(second, early, {
    queue: null,
    health: health([
      { running: 0, concurrency: 4 },
      { running: 0, concurrency: 2 },
    ]),
  });
  assert.equal(opened.throughput, 2);
  assert.equal(opened.throughputSpanMs, THROUGHPUT_SPAN_MS / 2);
  assert.equal(opened.workers, 6);
  assert.equal(opened.maxQueueLength, 50);
  assert.equal(opened.rateLimitFactor, 0.5);
  assert.equal(opened.errorRate, 0, 'jobs finished, none with an internal error');

  const alone = new SnapshotHistory();
  const none = summaryFigures(snapshot(5), alone, { queue: null, health: null });
  assert.deepEqual(
    [none.workers, none.maxQueueLength, none.rateLimitFactor, none.errorRate, none.recentRejections],
    [null, null, null, null, 0],
  );
});

test('a finished event gives its wait and run times; other events give none', () => {
  const submission = {
    language: 'python3',
    queueMs: 40,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:00.250Z',
  } as SubmissionView;
  assert.deepEqual(finishedSample({ type: 'finished', id: 'a', status: 'accepted', submission }), {
    id: 'a',
    at: Date.parse('2026-01-01T00:00:00.250Z'),
    waitMs: 40,
    runMs: 250,
  });
  assert.equal(finishedSample({ type: 'running', id: 'a', status: 'running', submission }), null);
  assert.equal(
    finishedSample({
      type: 'finished',
      id: 'a',
      status: 'cancelled',
      submission: { ...submission, startedAt: null },
    }),
    null,
  );
  assert.equal(finishedSample({ type: 'finished', status: 'accepted', submission }), null);
});
