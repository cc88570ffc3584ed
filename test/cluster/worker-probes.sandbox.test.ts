// A worker machine's own HTTP: `arbiter worker` serves /health and /metrics (on --metrics-port,
// default 9469) and nothing else, so Prometheus can scrape the processes that actually judge: the
// finished-job counters, the wait and run histograms and the sandbox slots are counted there, not on
// the API nodes. One API node without programs and one worker, against the machine's Redis and
// PostgreSQL. Needs root, bubblewrap and the toolchains; fails, naming what is missing, without them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { metricValue } from '../api/helpers.js';
import {
  httpJson,
  openTestDeployment,
  pollUntil,
  spawnArbiter,
  type ArbiterProcess,
  type TestDeployment,
} from '../helpers/cluster.js';

let deployment: TestDeployment;
let api: ArbiterProcess;
let worker: ArbiterProcess;

before(async () => {
  deployment = await openTestDeployment('worker-probes');
  api = await spawnArbiter('serve', deployment.settings);
  // Port 0: any free port, so test files running side by side never contend for 9469.
  worker = await spawnArbiter('worker', deployment.settings, { workers: 1, args: ['--metrics-port', '0'] });
});

after(() => deployment?.teardown());

const probe = (path: string) => worker.metricsUrl.replace(/\/metrics$/, path);

test('the ready line names the metrics URL; /health is ok while the sandbox has slots', async () => {
  assert.match(worker.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, worker.log.slice(0, 2000));
  const health = await httpJson<{ status: string }>(probe('/health'));
  assert.equal(health.status, 200, health.text);
  assert.deepEqual(health.body, { status: 'ok' });
});

test('/metrics counts what this worker judged; the API node, which judged nothing, does not', async () => {
  const before = await httpJson(worker.metricsUrl);
  assert.equal(before.status, 200);
  assert.match(String(before.headers['content-type']), /^text\/plain/);
  assert.equal(metricValue(before.text, 'arbiter_sandbox_slots'), 1, 'one slot: --concurrency 1');
  const finishedBefore =
    metricValue(before.text, 'arbiter_jobs_finished_total', { status: 'accepted', language: 'python3' }) ?? 0;

  const answer = await httpJson<{ status: string; run?: { stdout: string } }>(
    `${api.url}/api/v1/submissions?wait=true`,
    { method: 'POST', body: { language: 'python3', source: 'print(6 * 7)' }, timeoutMs: 60_000 },
  );
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.status, 'accepted');
  assert.equal(answer.body.run?.stdout, '42\n');

  const text = await pollUntil(
    async () => (await httpJson(worker.metricsUrl)).text,
    (t) =>
      (metricValue(t, 'arbiter_jobs_finished_total', { status: 'accepted', language: 'python3' }) ?? 0) >
      finishedBefore,
    { timeoutMs: 10_000, what: "the worker's finished counter to move" },
  );
  assert.equal(
    metricValue(text, 'arbiter_jobs_finished_total', { status: 'accepted', language: 'python3' }),
    finishedBefore + 1,
  );
  assert.equal(
    metricValue(text, 'arbiter_job_run_seconds_count', { language: 'python3' }),
    finishedBefore + 1,
  );
  const apiMetrics = (await httpJson(`${api.url}/metrics`)).text;
  assert.equal(metricValue(apiMetrics, 'arbiter_jobs_finished_total') ?? 0, 0);
  assert.equal(metricValue(apiMetrics, 'arbiter_sandbox_slots'), 0);
});

test("anything else is a 404 in the API's error format", async () => {
  for (const path of ['/api/v1/languages', '/', '/metrics/extra']) {
    const answer = await httpJson<Record<string, unknown>>(probe(path));
    assert.equal(answer.status, 404, `${path}: ${answer.text}`);
    const { timestamp, requestId, ...rest } = answer.body;
    assert.deepEqual(rest, {
      error: 'ARB_ERR_ROUTE_NOT_FOUND',
      message: 'a worker serves /health and /metrics only',
      status: 404,
      path,
    });
    assert.ok(!Number.isNaN(Date.parse(String(timestamp))), `a timestamp: ${String(timestamp)}`);
    assert.match(String(requestId), /^[0-9a-f-]{36}$/);
  }
});
