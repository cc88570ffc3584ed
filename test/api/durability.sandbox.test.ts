// Crashes, restarts and back-pressure of a real `arbiter serve` (real sandbox: root, bubblewrap,
// toolchains): an accepted submission is never lost nor judged twice, a full queue says 503.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  assertErrorBody,
  cleanup,
  getSubmission,
  metrics,
  metricValue,
  request,
  sleepyPython,
  startServer,
  submit,
  tempDir,
  waitFinal,
  waitRunning,
  type SubmissionView,
  type TestServer,
} from './helpers.js';

after(cleanup);

interface Detailed {
  queue: { length: number; recoveredAtStart: { requeued: number; queued: number } };
}

async function recoveredAtStart(server: TestServer): Promise<Detailed['queue']['recoveredAtStart']> {
  const response = await request<Detailed>(server, 'GET', '/health/detailed');
  assert.equal(response.status, 200, response.text);
  return response.body.queue.recoveredAtStart;
}

test('kill -9 with jobs queued and running: after a restart every accepted submission finishes exactly once', async () => {
  const dataDir = join(tempDir(), 'data');
  const first = await startServer({ workers: 1 }, { dataDir });
  const LONG = 4;
  const jobs: { id: string; stdout: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const text = `job ${i}`;
    const source =
      i === LONG
        ? sleepyPython(2, text)
        : i % 2 === 0
          ? sleepyPython(0.3, text)
          : `print(${JSON.stringify(text)})`;
    jobs.push({
      id: await submit(first, { language: 'python3', source, limits: { wallMs: 10_000 } }),
      stdout: `${text}\n`,
    });
  }
  // One worker, one priority: jobs run in order, so when the long one runs the ones before it are done.
  await waitRunning(first, jobs[LONG]!.id);
  const killedAt = Date.now();
  await first.kill9();
  assert.equal(first.running, false);

  const second = await startServer({ workers: 2 }, { dataDir });
  // queued counts every job in the queue after recovery, the requeued one included.
  assert.deepEqual(await recoveredAtStart(second), { requeued: 1, queued: jobs.length - LONG });
  const results: SubmissionView[] = [];
  for (const job of jobs) results.push(await waitFinal(second, job.id, undefined, 60_000));

  for (const [i, r] of results.entries()) {
    const what = `job ${i}: ${JSON.stringify(r)}`;
    assert.equal(r.status, 'accepted', what);
    assert.equal(r.run?.stdout, jobs[i]!.stdout, what);
    assert.ok(r.attempts >= 1, what);
    assert.equal(r.attempts, i === LONG ? 2 : 1, what);
    const finishedAt = Date.parse(r.finishedAt!);
    if (i < LONG) assert.ok(finishedAt < killedAt, `job ${i} finished before the crash: ${what}`);
    else assert.ok(finishedAt > killedAt, `job ${i} finished after the restart: ${what}`);
  }
  // Exactly once: the new process recorded a result for each job the crash left unfinished, no more.
  const finishedBySecond = metricValue(await metrics(second), 'arbiter_jobs_finished_total') ?? 0;
  assert.equal(finishedBySecond, jobs.length - LONG);
  const stats = await request<{ totals: Record<string, number> }>(second, 'GET', '/api/v1/queue');
  assert.equal(stats.body.totals.accepted, jobs.length, stats.text);
  assert.equal(stats.body.totals.queued, 0, stats.text);
  assert.equal(stats.body.totals.running, 0, stats.text);
  // And the results stay as they are.
  for (const [i, job] of jobs.entries()) assert.deepEqual(await getSubmission(second, job.id), results[i]);
  assert.equal(await second.stop(), 0);
});

test('a full queue answers 503 with Retry-After in the error format', async () => {
  const MAX = 3;
  const server = await startServer({ workers: 1, maxQueueLength: MAX });
  const slow = { language: 'python3', source: sleepyPython(20), limits: { wallMs: 30_000 } };
  const accepted: string[] = [];
  let refused: Awaited<ReturnType<typeof request>> | undefined;
  for (let i = 0; i < MAX + 4 && !refused; i++) {
    const response = await request<{ id: string }>(server, 'POST', '/api/v1/submissions', { body: slow });
    if (response.status === 202) accepted.push(response.body.id);
    else refused = response;
  }
  assert.ok(refused, `no 503 after ${accepted.length} submissions`);
  // One runs, MAX wait.
  assert.ok(accepted.length === MAX || accepted.length === MAX + 1, `${accepted.length} accepted`);
  const body = assertErrorBody(refused, { status: 503, code: 'ARB_ERR_QUEUE_FULL' });
  const retryAfter = refused.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^[1-9]\d*$/, `Retry-After: ${retryAfter}`);
  assert.equal(body.retryAfter, Number(retryAfter));
  const queue = await request<{ length: number }>(server, 'GET', '/api/v1/queue');
  assert.equal(queue.body.length, MAX, queue.text);

  const batch = await request<{ submissions: { error?: string; status: unknown }[] }>(
    server,
    'POST',
    '/api/v1/submissions/batch',
    { body: { submissions: [slow] } },
  );
  assert.equal(batch.body.submissions[0]?.error, 'ARB_ERR_QUEUE_FULL', batch.text);
  assert.equal(batch.body.submissions[0]?.status, 503, batch.text);

  for (const id of accepted) {
    const cancelled = await request<SubmissionView>(server, 'DELETE', `/api/v1/submissions/${id}`);
    assert.equal(cancelled.body.status, 'cancelled', cancelled.text);
  }
  const after = await request(server, 'POST', '/api/v1/submissions', {
    body: { language: 'python3', source: 'print(1)' },
  });
  assert.equal(after.status, 202, after.text);
  assert.equal(await server.stop(), 0);
});

test('SIGTERM: the running job finishes within the grace period, queued ones stay queued for the next start', async () => {
  const dataDir = join(tempDir(), 'data');
  const first = await startServer({ workers: 1, shutdownGraceMs: 20_000 }, { dataDir });
  const running = await submit(first, { language: 'python3', source: sleepyPython(1, 'first') });
  const queued: string[] = [];
  for (let i = 0; i < 4; i++)
    queued.push(await submit(first, { language: 'python3', source: `print(${i})` }));
  await waitRunning(first, running);
  assert.equal(await first.stop(), 0, first.log);
  const stoppedAt = Date.now();

  const second = await startServer({ workers: 2 }, { dataDir });
  assert.deepEqual(await recoveredAtStart(second), { requeued: 0, queued: queued.length });
  const done = await getSubmission(second, running);
  assert.equal(done.status, 'accepted', JSON.stringify(done));
  assert.equal(done.run?.stdout, 'first\n');
  assert.equal(done.attempts, 1);
  assert.ok(Date.parse(done.finishedAt!) < stoppedAt, JSON.stringify(done));
  for (const [i, id] of queued.entries()) {
    const r = await waitFinal(second, id);
    assert.equal(r.status, 'accepted', JSON.stringify(r));
    assert.equal(r.run?.stdout, `${i}\n`);
    assert.equal(r.attempts, 1, JSON.stringify(r));
    assert.ok(Date.parse(r.startedAt!) > stoppedAt, `job ${i} ran before the shutdown: ${JSON.stringify(r)}`);
  }
  assert.equal(await second.stop(), 0);
});

test('SIGTERM: a job still running when the grace period ends runs again at the next start', async () => {
  const dataDir = join(tempDir(), 'data');
  const first = await startServer({ workers: 1, shutdownGraceMs: 300 }, { dataDir });
  const id = await submit(first, {
    language: 'python3',
    source: sleepyPython(3, 'again'),
    limits: { wallMs: 10_000 },
  });
  await waitRunning(first, id);
  assert.equal(await first.stop(), 0, first.log);

  const second = await startServer({ workers: 1 }, { dataDir });
  // The shutdown itself put it back in the queue, so this start finds it queued, not running.
  assert.deepEqual(await recoveredAtStart(second), { requeued: 0, queued: 1 });
  const r = await waitFinal(second, id);
  assert.equal(r.status, 'accepted', JSON.stringify(r));
  assert.equal(r.run?.stdout, 'again\n');
  assert.equal(r.attempts, 2);
  assert.equal(await second.stop(), 0);
});
