// The pure parts of the web pages, in Node: the alert rules, the /metrics reader, the percentile
// window and the event-stream parser. (Rendering is tested in the browser: web.browser.sandbox.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_THRESHOLDS, evaluateAlerts, type AlertInputs } from '../../src/web/dashboard/alerts.js';
import { parsePrometheusText, sumOf } from '../../src/web/dashboard/prometheus-text.js';
import { percentile, SampleWindow, WINDOW_MS } from '../../src/web/dashboard/sample-window.js';
import { EventStreamParser } from '../../src/web/shared/sse-parser.js';

const healthy: AlertInputs = {
  reachable: true,
  queueLength: 10,
  maxQueueLength: 100,
  p95WaitMs: 200,
  errorRate: 0,
  workers: 4,
};
const ids = (inputs: Partial<AlertInputs>) => evaluateAlerts({ ...healthy, ...inputs }).map((a) => a.id);

test('alerts fire past each threshold, and only past it', () => {
  assert.deepEqual(ids({}), []);
  assert.deepEqual(ids({ queueLength: 80 }), [], '80 % is the threshold, not past it');
  assert.deepEqual(ids({ queueLength: 81 }), ['queue']);
  assert.deepEqual(ids({ p95WaitMs: ALERT_THRESHOLDS.p95WaitMs }), []);
  assert.deepEqual(ids({ p95WaitMs: 30_001 }), ['wait']);
  assert.deepEqual(ids({ errorRate: 0.05 }), []);
  assert.deepEqual(ids({ errorRate: 0.06 }), ['errors']);
  assert.deepEqual(ids({ workers: 0 }), ['workers']);
  assert.deepEqual(ids({ queueLength: 95, p95WaitMs: 60_000, errorRate: 0.5, workers: 0 }), [
    'queue',
    'wait',
    'errors',
    'workers',
  ]);
  assert.deepEqual(ids({ reachable: false, workers: 0 }), ['unreachable']);
  assert.deepEqual(ids({ queueLength: null, p95WaitMs: null, errorRate: null, workers: null }), []);
  assert.match(evaluateAlerts({ ...healthy, queueLength: 90 })[0]!.message, /90 of 100 \(over 80 %\)/);
});

test('the /metrics reader sums counters by label', () => {
  const samples = parsePrometheusText(
    [
      '# HELP arbiter_jobs_finished_total Submissions finished, by final status.',
      '# TYPE arbiter_jobs_finished_total counter',
      'arbiter_jobs_finished_total{status="accepted",language="python3"} 7',
      'arbiter_jobs_finished_total{status="internal_error",language="c"} 2',
      'arbiter_jobs_finished_total{status="accepted",language="c"} 1',
      'arbiter_ratelimit_rejections_total{scope="ip"} 3',
      'arbiter_ratelimit_rejections_total{scope="key"} 4',
      'arbiter_ratelimit_factor 0.5',
      'weird_label{path="a \\"quoted\\" \\\\ one"} 1',
      '',
    ].join('\n'),
  );
  assert.equal(sumOf(samples, 'arbiter_jobs_finished_total'), 10);
  assert.equal(sumOf(samples, 'arbiter_jobs_finished_total', { status: 'accepted' }), 8);
  assert.equal(sumOf(samples, 'arbiter_jobs_finished_total', { status: 'internal_error' }), 2);
  assert.equal(sumOf(samples, 'arbiter_ratelimit_rejections_total'), 7);
  assert.equal(sumOf(samples, 'arbiter_ratelimit_factor'), 0.5);
  assert.equal(sumOf(samples, 'absent_metric'), 0);
  assert.equal(samples.find((s) => s.name === 'weird_label')?.labels.path, 'a "quoted" \\ one');
});

test('the percentile window: nearest rank like the server, 15 minutes, each submission once', () => {
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 99), 4);
  const window = new SampleWindow();
  const now = 10 * WINDOW_MS;
  window.add('old', now - WINDOW_MS - 1, 1000, 1000);
  for (let i = 1; i <= 100; i++) window.add(`job-${i}`, now - i, i, i * 10);
  window.add('job-1', now, 5000, 5000); // pushed twice: counted once
  const summary = window.summary(now);
  assert.equal(summary.count, 100);
  assert.deepEqual(summary.wait, { p50: 50, p95: 95, p99: 99 });
  assert.deepEqual(summary.run, { p50: 500, p95: 950, p99: 990 });
  assert.deepEqual(new SampleWindow().summary(now), { count: 0, wait: null, run: null });
});

test('the event-stream parser splits events across chunks and skips keep-alives', () => {
  const parser = new EventStreamParser();
  assert.deepEqual(parser.feed('event: status\ndata: {"a":'), []);
  assert.deepEqual(parser.feed('1}\n\n: keep-alive\n\nevent: finished\r\ndata: x\r\ndata: y\r\n\r\n'), [
    { event: 'status', data: '{"a":1}' },
    { event: 'finished', data: 'x\ny' },
  ]);
  assert.deepEqual(parser.feed('data: plain\n\n'), [{ event: 'message', data: 'plain' }]);
});
