// Attacks on the service's memory and queue by a student with an ordinary key (issue [G]), through
// the real API: a result too big to hold, a batch answer built from it many times, a job that kills
// its worker on every start, and one key filling the queue. Each asserts the bound holds and that
// /health keeps answering (within 3 s, far below the 9-17 s freezes measured before).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  cleanup,
  createKey,
  request,
  sleepyPython,
  startServer,
  submit,
  submitAndWait,
  tempDir,
  waitFinal,
  waitRunning,
  type TestServer,
} from '../api/helpers.js';

after(cleanup);

const MiB = 1024 * 1024;
/** The bound the issue sets for /health while an attack runs. */
const HEALTH_BOUND_MS = 3_000;

/** Runs `attack` while probing /health every 100 ms; returns the attack's value and the slowest probe. */
async function whileProbingHealth<T>(
  server: TestServer,
  attack: () => Promise<T>,
): Promise<{ value: T; slowestMs: number }> {
  let slowestMs = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const started = performance.now();
      const response = await request(server, 'GET', '/health', { timeoutMs: 20_000 });
      assert.equal(response.status, 200, response.text);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    return { value: await attack(), slowestMs };
  } finally {
    running = false;
    await probe;
  }
}

test('tests that each print 15 MiB make a bounded result; a batch naming it 20 times is bounded too', async () => {
  const dataDir = join(tempDir(), 'data');
  const student = createKey(dataDir, { name: 'student' }).key;
  const server = await startServer({ keptOutputKb: 1024, keptOutputTotalKb: 4096 }, { dataDir });
  const flood = `import sys\nsys.stdout.write("x" * ${15 * MiB})\n`;
  const judged = await submitAndWait(
    server,
    {
      language: 'python3',
      source: flood,
      limits: { outputKb: 16 * 1024, wallMs: 20_000 },
      tests: Array.from({ length: 6 }, () => ({})),
    },
    student,
  );
  assert.equal(judged.status, 'accepted', JSON.stringify(judged).slice(0, 500));
  const kept = judged.tests.reduce((sum, t) => sum + Buffer.byteLength(t.stdout ?? ''), 0);
  assert.ok(kept <= 4 * MiB, `the result keeps ${kept} bytes of output, above the 4 MiB total`);
  assert.ok(judged.tests.every((t) => (t as { stdoutTruncated?: boolean }).stdoutTruncated === true));
  assert.equal(Buffer.byteLength(judged.tests[0]!.stdout ?? ''), MiB, 'each stream keeps 1 MiB');

  const tokens = Array.from({ length: 20 }, () => judged.id).join(',');
  const { value: batch, slowestMs } = await whileProbingHealth(server, () =>
    request(server, 'GET', `/submissions/batch?tokens=${tokens}&fields=token,stdout,stderr`, {
      key: student,
      timeoutMs: 60_000,
    }),
  );
  assert.ok(batch.status === 200 || batch.status === 400, `${batch.status}: ${batch.text.slice(0, 300)}`);
  assert.ok(batch.text.length <= 40 * MiB, `the batch answer is ${batch.text.length} bytes`);
  assert.ok(slowestMs < HEALTH_BOUND_MS, `/health took ${Math.round(slowestMs)} ms during the batch`);
  assert.equal(server.running, true, 'the server is still up');
});

test('a job whose worker dies on every start ends as internal_error after maxAttempts', async () => {
  const dataDir = join(tempDir(), 'data');
  const first = await startServer({ maxAttempts: 1, workers: 1 }, { dataDir });
  const id = await submit(first, { language: 'python3', source: sleepyPython(30) });
  await waitRunning(first, id);
  await first.kill9(); // the worker dies with the job on it: attempt 1 of 1
  const second = await startServer({ maxAttempts: 1, workers: 1 }, { dataDir });
  const final = await waitFinal(second, id, undefined, 60_000);
  assert.equal(final.status, 'internal_error');
  assert.match(final.message ?? '', /gave up after 1 attempts/);
  assert.equal(final.attempts, 2);
});

test('one key cannot fill the queue: past maxQueuedPerKey it gets 429, other keys go on', async () => {
  const dataDir = join(tempDir(), 'data');
  const hog = createKey(dataDir, { name: 'hog' }).key;
  const other = createKey(dataDir, { name: 'other' }).key;
  const server = await startServer({ maxQueuedPerKey: 3, workers: 1 }, { dataDir });
  const running = await submit(server, { language: 'python3', source: sleepyPython(20) }, hog);
  await waitRunning(server, running, hog);
  for (let i = 0; i < 3; i++) await submit(server, { language: 'python3', source: 'print(1)' }, hog);
  const refused = await request(server, 'POST', '/api/v1/submissions', {
    body: { language: 'python3', source: 'print(1)' },
    key: hog,
  });
  assert.equal(refused.status, 429, refused.text);
  assert.equal((refused.body as { error: string }).error, 'ARB_ERR_QUEUE_QUOTA_EXCEEDED');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After is sent');
  // A Judge0 batch is one request but as many jobs: it meets the same quota (every entry refused, so
  // the batch is answered 422, as Judge0 answers a batch with no valid entry).
  const batch = await request(server, 'POST', '/submissions/batch', {
    body: { submissions: [{ language_id: 71, source_code: 'print(1)' }] },
    key: hog,
  });
  assert.equal(batch.status, 422, batch.text);
  assert.match(batch.text, /waiting/);
  await submit(server, { language: 'python3', source: 'print(2)' }, other);
  await request(server, 'DELETE', `/api/v1/submissions/${running}`, { key: hog });
});

test('a Judge0 batch costs one rate-limit token per submission', async () => {
  const dataDir = join(tempDir(), 'data');
  const slow = createKey(dataDir, { name: 'slow', rate: 3 }).key; // burst 6
  const server = await startServer({}, { dataDir });
  const entries = (n: number) =>
    Array.from({ length: n }, () => ({ language_id: 71, source_code: 'print(1)' }));
  const refused = await request(server, 'POST', '/submissions/batch', {
    body: { submissions: entries(12) },
    key: slow,
  });
  assert.equal(refused.status, 429, refused.text);
  assert.match(refused.text, /one request per submission/);
  const listed = await request(server, 'GET', '/api/v1/submissions', { key: slow });
  assert.equal(
    (listed.body as { submissions: unknown[] }).submissions.length,
    0,
    'nothing of the refused batch ran',
  );
});
