import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aResult, aSubmissionRecord } from '../../test/helpers/submission.js';
import { ArbiterMetrics, observeFinishedJobs, TimingWindow } from './metrics.js';

test("each cache's hits and misses are read at scrape time, as gauges of their own", async () => {
  const compile = { hits: 11, misses: 13 };
  const metrics = new ArbiterMetrics({
    queueLength: () => 3,
    running: () => 2,
    rateFactor: () => 1,
    resultCache: () => ({ hits: 5, misses: 7 }),
    compileCache: () => compile,
    sandbox: () => ({ rebuilt: 1, slots: 4 }),
    subscribers: () => 9,
  });
  compile.hits = 12;
  const text = await metrics.registry.metrics();
  const value = (name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  assert.equal(value('arbiter_result_cache_hits'), '5');
  assert.equal(value('arbiter_result_cache_misses'), '7');
  assert.equal(value('arbiter_compile_cache_hits'), '12');
  assert.equal(value('arbiter_compile_cache_misses'), '13');
  assert.match(text, /^# HELP arbiter_compile_cache_hits Compiles skipped thanks to the compile cache\.$/m);
});

test('one finished-job hook counts the job, times it for Prometheus and the timing window, and feeds the run cost', async () => {
  const metrics = new ArbiterMetrics({
    queueLength: () => 0,
    running: () => 0,
    rateFactor: () => 1,
    resultCache: () => ({ hits: 0, misses: 0 }),
    compileCache: () => ({ hits: 0, misses: 0 }),
    sandbox: () => ({ rebuilt: 0, slots: 0 }),
    subscribers: () => 0,
  });
  const timings = new TimingWindow();
  const costs: [string, number][] = [];
  const onFinished = observeFinishedJobs(metrics, timings, {
    observe: (r, runMs) => void costs.push([r.language, runMs]),
  });
  const record = aSubmissionRecord({ language: 'python3' });
  const now = Date.now();
  onFinished(record, aResult(), { finishedAt: now, waitMs: 200, runMs: 1_500 });
  onFinished(record, aResult({ status: 'cancelled' }), { finishedAt: now, waitMs: 400, runMs: 500 });

  const text = await metrics.registry.metrics();
  const value = (line: string) =>
    new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];
  assert.equal(value('arbiter_jobs_finished_total{status="accepted",language="python3"}'), '1');
  assert.equal(value('arbiter_jobs_finished_total{status="cancelled",language="python3"}'), '1');
  assert.equal(value('arbiter_job_wait_seconds_count{language="python3"}'), '2');
  assert.equal(value('arbiter_job_run_seconds_sum{language="python3"}'), '2');
  const summary = timings.summary(now);
  assert.equal(summary.count, 2);
  assert.equal(summary.avgWaitMs, 300);
  assert.equal(summary.byLanguage.python3?.avgRunMs, 1_000);
  assert.deepEqual(costs, [[record.language, 1_500]], 'a cancelled job tells nothing of its run cost');
});
