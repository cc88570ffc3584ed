// Every native route of the API, against a real `arbiter serve` with the real sandbox (needs root,
// bubblewrap and the toolchains). Each test makes the submissions it reads; none relies on another.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { QueueStats } from '../../src/contract.js';
import {
  assertErrorBody,
  cleanup,
  getSubmission,
  isFinal,
  metrics,
  metricValue,
  pollUntil,
  request,
  sleepyPython,
  startServerWithKeys,
  submit,
  submitAndWait,
  waitFinal,
  type SubmissionView,
  type TestServer,
} from './helpers.js';

let server: TestServer;
let userKey: string;
let adminKey: string;

before(async () => {
  ({ server, userKey, adminKey } = await startServerWithKeys({ workers: 2 }));
});

after(cleanup);

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function assertStage(stage: unknown, name: string): void {
  assert.ok(stage && typeof stage === 'object', `${name} missing`);
  const s = stage as Record<string, unknown>;
  for (const field of ['stdout', 'stderr']) assert.equal(typeof s[field], 'string', `${name}.${field}`);
  for (const field of ['cpuMs', 'wallMs', 'memoryKb']) {
    assert.equal(typeof s[field], 'number', `${name}.${field}`);
    assert.ok((s[field] as number) >= 0, `${name}.${field}`);
  }
  assert.ok('exitCode' in s, `${name}.exitCode`);
}

test('POST /api/v1/submissions answers 202 with id, status queued and position; the job then runs', async () => {
  const response = await request<{ id: string; status: string; position: number }>(
    server,
    'POST',
    '/api/v1/submissions',
    { body: { language: 'python3', source: 'print(input() + "!")', stdin: 'hello' } },
  );
  assert.equal(response.status, 202, response.text);
  assert.match(response.body.id, /^[\w-]{8,}$/);
  assert.equal(response.body.status, 'queued');
  assert.equal(typeof response.body.position, 'number');
  assert.ok(response.body.position >= 0);
  const done = await waitFinal(server, response.body.id);
  assert.equal(done.status, 'accepted', JSON.stringify(done));
  assert.equal(done.run?.stdout, 'hello!\n');
});

test('POST ?wait=true answers 200 with the full result shape of DESIGN.md', async () => {
  const before = Date.now();
  const response = await request<SubmissionView>(server, 'POST', '/api/v1/submissions?wait=true', {
    body: {
      language: 'c',
      source:
        '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}\n',
      stdin: '20 22\n',
    },
  });
  assert.equal(response.status, 200, response.text);
  const r = response.body;
  assert.match(r.id, /^[\w-]{8,}$/);
  assert.equal(r.status, 'accepted', response.text);
  assert.equal(r.language, 'c');
  assertStage(r.compile, 'compile');
  assert.equal(r.compile!.exitCode, 0);
  assertStage(r.run, 'run');
  assert.equal(r.run!.stdout, '42\n');
  assert.equal(r.run!.exitCode, 0);
  assert.ok('signal' in r.run!, 'run.signal');
  assert.deepEqual(r.tests, []);
  assert.ok('score' in r, 'score');
  assert.equal(r.score, null);
  assert.equal(typeof r.queueMs, 'number');
  assert.ok(r.queueMs! >= 0);
  for (const field of ['createdAt', 'startedAt', 'finishedAt'] as const)
    assert.match(r[field] ?? '', ISO, field);
  const [created, started, finished] = [r.createdAt, r.startedAt!, r.finishedAt!].map(Date.parse) as [
    number,
    number,
    number,
  ];
  assert.ok(created >= before - 1000 && created <= started && started <= finished, response.text);
});

test('GET /api/v1/submissions/:id returns the same result as ?wait=true', async () => {
  const waited = await submitAndWait(server, { language: 'python3', source: 'print(6 * 7)' });
  const got = await getSubmission(server, waited.id);
  assert.deepEqual(got, waited);
  assert.equal(got.run?.stdout, '42\n');
});

test('DELETE /api/v1/submissions/:id cancels a waiting or running job; a finished one is unchanged', async () => {
  const id = await submit(server, {
    language: 'python3',
    source: sleepyPython(20),
    limits: { wallMs: 30_000 },
  });
  const cancelled = await request<SubmissionView>(server, 'DELETE', `/api/v1/submissions/${id}`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.status, 'cancelled', cancelled.text);
  assert.equal((await getSubmission(server, id)).status, 'cancelled');
  const again = await request<SubmissionView>(server, 'DELETE', `/api/v1/submissions/${id}`);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.status, 'cancelled');

  const finished = await submitAndWait(server, { language: 'python3', source: 'print(1)' });
  const late = await request<SubmissionView>(server, 'DELETE', `/api/v1/submissions/${finished.id}`);
  assert.equal(late.status, 200, late.text);
  assert.equal(late.body.status, 'accepted');
  assert.equal(late.body.run?.stdout, '1\n');
});

test('POST /api/v1/submissions/batch answers each item on its own', async () => {
  const response = await request<{ submissions: Record<string, unknown>[] }>(
    server,
    'POST',
    '/api/v1/submissions/batch',
    {
      body: {
        submissions: [
          { language: 'python3', source: 'print("a")' },
          { language: 'no-such-language', source: 'x' },
          { language: 'ruby', source: 'puts "b"' },
        ],
      },
    },
  );
  assert.equal(response.status, 202, response.text);
  const items = response.body.submissions;
  assert.equal(items.length, 3);
  assert.equal(items[0]!.status, 'queued');
  assert.equal(typeof items[0]!.position, 'number');
  assert.equal(items[1]!.error, 'ARB_ERR_LANGUAGE_UNKNOWN', response.text);
  assert.equal(items[1]!.status, 400);
  assert.equal(items[2]!.status, 'queued');
  const [a, b] = await Promise.all([
    waitFinal(server, items[0]!.id as string),
    waitFinal(server, items[2]!.id as string),
  ]);
  assert.equal(a.run?.stdout, 'a\n');
  assert.equal(b.run?.stdout, 'b\n');
});

test('GET /api/v1/languages lists at least 20 installed languages with versions', async () => {
  const response = await request<{ languages: { id: string; version: string | null; installed: boolean }[] }>(
    server,
    'GET',
    '/api/v1/languages',
  );
  assert.equal(response.status, 200, response.text);
  const { languages } = response.body;
  assert.ok(languages.length >= 20, `${languages.length} languages`);
  for (const l of languages) {
    assert.equal(l.installed, true, l.id);
    assert.match(l.version ?? '', /^\d+(\.\d+)*/, `${l.id} version ${l.version}`);
  }
  for (const id of ['c', 'cpp', 'python3', 'javascript'])
    assert.ok(
      languages.some((l) => l.id === id),
      id,
    );
});

function assertQueueStats(stats: QueueStats): void {
  for (const field of ['length', 'running', 'workers', 'maxLength'] as const)
    assert.equal(typeof stats[field], 'number', field);
  assert.equal(stats.workers, 2);
  for (const field of [
    'queued',
    'running',
    'processed',
    'accepted',
    'failed',
    'cancelled',
    'timedOut',
  ] as const)
    assert.equal(typeof stats.totals[field], 'number', `totals.${field}`);
  for (const field of ['count', 'avgWaitMs', 'p95WaitMs', 'avgRunMs', 'p95RunMs'] as const)
    assert.equal(typeof stats.last15Minutes[field], 'number', `last15Minutes.${field}`);
}

test('GET /api/v1/queue reports totals, timings and per-language figures', async () => {
  await submitAndWait(server, { language: 'python3', source: 'print(1)' });
  await submitAndWait(server, { language: 'python3', source: 'import sys; sys.exit(3)' });
  const response = await request<QueueStats>(server, 'GET', '/api/v1/queue');
  assert.equal(response.status, 200, response.text);
  const stats = response.body;
  assertQueueStats(stats);
  assert.ok(stats.totals.accepted! >= 1, response.text);
  assert.ok(stats.totals.failed! >= 1, response.text);
  assert.ok(stats.totals.processed! >= stats.totals.accepted! + stats.totals.failed!, response.text);
  assert.ok(stats.last15Minutes.count! >= 2, response.text);
  assert.ok(stats.last15Minutes.avgRunMs! > 0, response.text);
  const python = stats.byLanguage.python3;
  assert.ok(python, response.text);
  assert.ok(python.statuses.accepted! >= 1 && python.statuses.runtime_error! >= 1, response.text);
  assert.ok(python.timings && python.timings.count! >= 2, response.text);
});

test('problems: create, read, list, replace, delete (admin), judged by id with weighted tests', async () => {
  const id = `double-${Date.now()}`;
  const tests = [
    { name: 'small', stdin: '2\n', expected: '4\n', weight: 1 },
    { stdin: '10\n', expected: '20\n', weight: 2 },
    { stdin: '31337\n', expected: '62674\n', weight: 3, hidden: true },
  ];
  const created = await request<{ id: string; title: string; tests: unknown[] }>(
    server,
    'POST',
    '/api/v1/problems',
    {
      key: adminKey,
      body: { id, title: 'Double it', tests, limits: { cpuMs: 2000 } },
    },
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.id, id);
  assert.equal(created.body.tests.length, 3);

  const duplicate = await request(server, 'POST', '/api/v1/problems', {
    key: adminKey,
    body: { id, title: 'again', tests },
  });
  assertErrorBody(duplicate, { status: 400 });

  const list = await request<{ problems: { id: string; testCount: number; tests?: unknown }[] }>(
    server,
    'GET',
    '/api/v1/problems',
    { key: userKey },
  );
  assert.equal(list.status, 200, list.text);
  const listed = list.body.problems.find((p) => p.id === id);
  assert.ok(listed, list.text);
  assert.equal(listed.testCount, 3);
  assert.equal(listed.tests, undefined);
  assert.ok(
    !list.text.includes('31337') && !list.text.includes('62674'),
    `list leaks a hidden test: ${list.text}`,
  );

  const right = await submitAndWait(
    server,
    { language: 'python3', problemId: id, source: 'n = int(input())\nprint(2 * n)\n' },
    userKey,
  );
  assert.equal(right.status, 'accepted', JSON.stringify(right));
  assert.equal(right.problemId, id);
  assert.equal(right.score, 6);
  assert.equal(right.maxScore, 6);
  assert.deepEqual(
    right.tests.map((t) => t.status),
    ['accepted', 'accepted', 'accepted'],
  );

  const wrong = await submitAndWait(
    server,
    {
      language: 'python3',
      problemId: id,
      source: 'n = int(input())\nprint(2 * n + (1 if n > 1000 else 0))\n',
    },
    userKey,
  );
  assert.equal(wrong.status, 'wrong_answer', JSON.stringify(wrong));
  assert.equal(wrong.score, 3);
  assert.equal(wrong.maxScore, 6);
  assert.deepEqual(
    wrong.tests.map((t) => t.status),
    ['accepted', 'accepted', 'wrong_answer'],
  );
  assert.equal(wrong.tests[0]!.stdout, '4\n');

  const replaced = await request<{ title: string }>(server, 'PUT', `/api/v1/problems/${id}`, {
    key: adminKey,
    body: { title: 'Double it, again', tests: tests.slice(0, 2) },
  });
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(replaced.body.title, 'Double it, again');
  const reread = await request<{ title: string; tests: unknown[] }>(server, 'GET', `/api/v1/problems/${id}`);
  assert.equal(reread.body.title, 'Double it, again');
  assert.equal(reread.body.tests.length, 2);
  const missingPut = await request(server, 'PUT', `/api/v1/problems/no-such-${id}`, {
    key: adminKey,
    body: { title: 'x', tests },
  });
  assertErrorBody(missingPut, { status: 404, code: 'ARB_ERR_PROBLEM_NOT_FOUND' });

  const deleted = await request(server, 'DELETE', `/api/v1/problems/${id}`, { key: adminKey });
  assert.equal(deleted.status, 204, deleted.text);
  assertErrorBody(await request(server, 'GET', `/api/v1/problems/${id}`), {
    status: 404,
    code: 'ARB_ERR_PROBLEM_NOT_FOUND',
  });
  assertErrorBody(await request(server, 'DELETE', `/api/v1/problems/${id}`, { key: adminKey }), {
    status: 404,
    code: 'ARB_ERR_PROBLEM_NOT_FOUND',
  });
});

test("problems: a hidden test's stdin and expected output go to admin keys only", async () => {
  const id = `hidden-${Date.now()}`;
  const created = await request(server, 'POST', '/api/v1/problems', {
    key: adminKey,
    body: {
      id,
      title: 'Hidden',
      tests: [
        { stdin: '1\n', expected: '2\n' },
        { stdin: '31337\n', expected: '62674\n', weight: 3, hidden: true },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);

  const asUser = await request<{ tests: Record<string, unknown>[] }>(
    server,
    'GET',
    `/api/v1/problems/${id}`,
    {
      key: userKey,
    },
  );
  assert.equal(asUser.status, 200, asUser.text);
  assert.equal(asUser.body.tests.length, 2);
  assert.equal(asUser.body.tests[0]!.stdin, '1\n');
  assert.equal(asUser.body.tests[0]!.expected, '2\n');
  assert.equal(asUser.body.tests[1]!.hidden, true);
  assert.equal(asUser.body.tests[1]!.weight, 3);
  assert.equal(asUser.body.tests[1]!.stdin, undefined);
  assert.equal(asUser.body.tests[1]!.expected, undefined);
  assert.ok(!asUser.text.includes('31337') && !asUser.text.includes('62674'), asUser.text);

  const asAdmin = await request<{ tests: Record<string, unknown>[] }>(
    server,
    'GET',
    `/api/v1/problems/${id}`,
    {
      key: adminKey,
    },
  );
  assert.equal(asAdmin.status, 200, asAdmin.text);
  assert.equal(asAdmin.body.tests[1]!.stdin, '31337\n');
  assert.equal(asAdmin.body.tests[1]!.expected, '62674\n');
});

test("problems: a failed hidden test shows the user neither its input, its expected output nor the program's output", async () => {
  const id = `hidden-result-${Date.now()}`;
  const created = await request(server, 'POST', '/api/v1/problems', {
    key: adminKey,
    body: {
      id,
      title: 'Hidden result',
      tests: [
        { stdin: '1\n', expected: '2\n' },
        { stdin: '31337\n', expected: '62674\n', hidden: true },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  const wrong = await request<SubmissionView>(server, 'POST', '/api/v1/submissions?wait=true', {
    key: userKey,
    body: {
      language: 'python3',
      problemId: id,
      source: 'n = int(input())\nprint(2 * n + (1 if n > 1000 else 0))\n',
    },
  });
  assert.equal(wrong.status, 200, wrong.text);
  assert.equal(wrong.body.status, 'wrong_answer', wrong.text);
  assert.equal(wrong.body.tests[1]!.hidden, true);
  assert.equal(wrong.body.tests[1]!.stdout, undefined);
  for (const secret of ['31337', '62674', '62675'])
    assert.ok(!wrong.text.includes(secret), `the result shows "${secret}" of a hidden test: ${wrong.text}`);
});

test('checkers: tokens and float compare as asked; the default is stricter', async () => {
  const tokensSource = 'print("1  2")\nprint("3")\n';
  const tests = [{ expected: '1 2 3' }];
  const tokens = await submitAndWait(server, {
    language: 'python3',
    source: tokensSource,
    tests,
    checker: 'tokens',
  });
  assert.equal(tokens.status, 'accepted', JSON.stringify(tokens));
  assert.equal(tokens.score, 1);
  const strict = await submitAndWait(server, {
    language: 'python3',
    source: tokensSource,
    tests,
    checker: 'exact',
  });
  assert.equal(strict.status, 'wrong_answer', JSON.stringify(strict));
  assert.equal(strict.score, 0);

  const floatSource = 'print(3.1416)\n';
  const close = await submitAndWait(server, {
    language: 'python3',
    source: floatSource,
    tests: [{ expected: '3.14159' }],
    checker: { type: 'float', absolute: 1e-3 },
  });
  assert.equal(close.status, 'accepted', JSON.stringify(close));
  const far = await submitAndWait(server, {
    language: 'python3',
    source: floatSource,
    tests: [{ expected: '3.14159' }],
    checker: { type: 'float', absolute: 1e-6, relative: 1e-9 },
  });
  assert.equal(far.status, 'wrong_answer', JSON.stringify(far));
  assert.ok(far.tests[0]!.message, 'a wrong answer explains itself');
});

test('a compile error is compilation_error with the compiler output and no run', async () => {
  const r = await submitAndWait(server, { language: 'c', source: 'int main(void) { return nope; }\n' });
  assert.equal(r.status, 'compilation_error', JSON.stringify(r));
  assertStage(r.compile, 'compile');
  assert.notEqual(r.compile!.exitCode, 0);
  assert.match(r.compile!.stderr, /nope/);
  assert.equal(r.run, undefined);
});

test('POST /run runs code and answers with the result', async () => {
  const response = await request<SubmissionView>(server, 'POST', '/run', {
    body: { language: 'python3', code: 'print(input()[::-1])', stdin: 'abc' },
  });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.status, 'accepted');
  assert.equal(response.body.run?.stdout, 'cba\n');
});

test('GET /queue/status, GET and DELETE /queue/job/:id', async () => {
  const status = await request<QueueStats>(server, 'GET', '/queue/status');
  assert.equal(status.status, 200, status.text);
  assertQueueStats(status.body);

  const finished = await submitAndWait(server, { language: 'python3', source: 'print("job")' });
  const job = await request<SubmissionView>(server, 'GET', `/queue/job/${finished.id}`);
  assert.equal(job.status, 200, job.text);
  assert.deepEqual(job.body, finished);

  const id = await submit(server, {
    language: 'python3',
    source: sleepyPython(20),
    limits: { wallMs: 30_000 },
  });
  const cancelled = await request<SubmissionView>(server, 'DELETE', `/queue/job/${id}`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.status, 'cancelled');
  assertErrorBody(await request(server, 'GET', '/queue/job/no-such-job'), {
    status: 404,
    code: 'ARB_ERR_SUBMISSION_NOT_FOUND',
  });
});

test('GET /health is fast and says ok', async () => {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const response = await request<{ status: string; uptimeSeconds: number }>(server, 'GET', '/health');
    times.push(performance.now() - started);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.status, 'ok');
    assert.equal(typeof response.body.uptimeSeconds, 'number');
  }
  times.sort((a, b) => a - b);
  assert.ok(times[2]! < 100, `median /health took ${times[2]} ms`);
});

test('GET /health/detailed reports queue, store, sandbox, workers, rate limit and languages', async () => {
  const response = await request<Record<string, Record<string, unknown> & unknown[]>>(
    server,
    'GET',
    '/health/detailed',
  );
  assert.equal(response.status, 200, response.text);
  const h = response.body as unknown as {
    status: string;
    version: string;
    queue: { length: number; maxLength: number };
    store: { ok: boolean };
    sandbox: { ok: boolean; slots: number };
    workers: { concurrency: number; running: number }[];
    rateLimit: { factor: number };
    languages: { installed: number };
  };
  assert.equal(h.status, 'ok');
  assert.match(h.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof h.queue.length, 'number');
  assert.equal(typeof h.queue.maxLength, 'number');
  assert.equal(h.store.ok, true);
  assert.equal(h.sandbox.ok, true);
  assert.equal(h.sandbox.slots, 2);
  assert.equal(h.workers[0]?.concurrency, 2);
  assert.equal(h.rateLimit.factor, 1);
  assert.ok(h.languages.installed >= 20, response.text);
});

test('GET /metrics is Prometheus text with queue, jobs, HTTP and rate-limit metrics', async () => {
  await submitAndWait(server, { language: 'python3', source: 'print("m")' });
  const response = await request(server, 'GET', '/metrics');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = response.text;
  assert.match(text, /^# TYPE arbiter_queue_length gauge$/m);
  assert.equal(typeof metricValue(text, 'arbiter_queue_length'), 'number');
  assert.ok(
    metricValue(text, 'arbiter_jobs_finished_total', { status: 'accepted', language: 'python3' })! >= 1,
    text,
  );
  assert.ok(
    metricValue(text, 'arbiter_http_requests_total', {
      method: 'POST',
      route: '/api/v1/submissions',
      code: '200',
    })! >= 1,
    text,
  );
  assert.equal(metricValue(text, 'arbiter_ratelimit_factor'), 1);
});

test('GET /api/v1/submissions lists own submissions newest first, a page at a time; admins see all', async () => {
  interface Page {
    submissions: { id: string; status: string; language: string; testsPassed?: number; run?: unknown }[];
    nextCursor: string | null;
  }
  const mine: string[] = [];
  for (const n of [1, 2, 3])
    mine.push(await submit(server, { language: 'python3', source: `print(${n})` }, userKey));
  const judged = await submit(
    server,
    {
      language: 'python3',
      source: 'print(input())',
      tests: [
        { stdin: 'a', expected: 'a' },
        { stdin: 'b', expected: 'x' },
      ],
    },
    userKey,
  );
  mine.push(judged);
  const anonymous = await submit(server, { language: 'python3', source: 'print(0)' });
  await waitFinal(server, judged, userKey);

  const first = await request<Page>(server, 'GET', '/api/v1/submissions?limit=3', { key: userKey });
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(
    first.body.submissions.map((s) => s.id),
    [mine[3], mine[2], mine[1]],
  );
  assert.equal(first.body.submissions[0]!.testsPassed, 1);
  assert.equal(first.body.submissions[0]!.run, undefined, 'summaries carry no outputs');
  assert.ok(first.body.nextCursor);
  // Earlier tests submitted with this key too: page on until the end, each submission once.
  const seen = first.body.submissions.map((s) => s.id);
  let cursor: string | null = first.body.nextCursor;
  for (let pages = 0; cursor !== null; pages++) {
    assert.ok(pages < 50, 'the pages end');
    const page: { body: Page } = await request<Page>(
      server,
      'GET',
      `/api/v1/submissions?limit=3&cursor=${cursor}`,
      {
        key: userKey,
      },
    );
    seen.push(...page.body.submissions.map((s) => s.id));
    cursor = page.body.nextCursor;
  }
  assert.equal(seen[3], mine[0], 'the second page goes on where the first stopped');
  assert.equal(new Set(seen).size, seen.length, 'no submission on two pages');

  const anon = await request<Page>(server, 'GET', '/api/v1/submissions?limit=100');
  assert.ok(anon.body.submissions.some((s) => s.id === anonymous));
  // Bound to loopback, an anonymous caller is the machine's own user, an admin: it sees every key's.
  assert.ok(anon.body.submissions.some((s) => s.id === mine[0]));
  const admin = await request<Page>(server, 'GET', '/api/v1/submissions?limit=100', { key: adminKey });
  for (const id of [...mine, anonymous])
    assert.ok(
      admin.body.submissions.some((s) => s.id === id),
      id,
    );
  const filtered = await request<Page>(server, 'GET', '/api/v1/submissions?status=wrong_answer&limit=100', {
    key: userKey,
  });
  assert.ok(filtered.body.submissions.some((s) => s.id === judged));
  assert.ok(filtered.body.submissions.every((s) => s.status === 'wrong_answer'));

  const bad = await request(server, 'GET', '/api/v1/submissions?limit=1000', { key: userKey });
  assertErrorBody(bad, { status: 400 });
  const other = await request(server, 'GET', '/api/v1/submissions?keyId=someone-else', { key: userKey });
  assertErrorBody(other, { status: 403, code: 'ARB_ERR_AUTH_FORBIDDEN' });
});

test('GET /docs/json is an OpenAPI document listing every native and simple route', async () => {
  const response = await request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
    server,
    'GET',
    '/docs/json',
  );
  assert.equal(response.status, 200, response.text);
  assert.match(response.body.openapi, /^3\./);
  const expected: [string, string[]][] = [
    ['/api/v1/submissions', ['get', 'post']],
    ['/api/v1/submissions/batch', ['post']],
    ['/api/v1/submissions/{id}', ['get', 'delete']],
    ['/api/v1/submissions/{id}/events', ['get']],
    ['/api/v1/ws', ['get']],
    ['/api/v1/problems', ['get', 'post']],
    ['/api/v1/problems/{id}', ['get', 'put', 'delete']],
    ['/api/v1/languages', ['get']],
    ['/api/v1/queue', ['get']],
    ['/health', ['get']],
    ['/health/detailed', ['get']],
    ['/metrics', ['get']],
    ['/run', ['post']],
    ['/queue/status', ['get']],
    ['/queue/job/{id}', ['get', 'delete']],
  ];
  const missing = expected.flatMap(([path, methods]) =>
    methods.filter((m) => !response.body.paths[path]?.[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
  assert.deepEqual(missing, [], `routes missing from /docs/json: ${missing.join(', ')}`);
});

test('GET /docs/json shows the error body as the 4XX and 5XX answer of the native routes', async () => {
  type Responses = Record<string, { content?: Record<string, { schema?: { required?: string[] } }> }>;
  const response = await request<{
    paths: Record<string, Record<string, { responses: Responses }>>;
    components: { schemas: Record<string, { required?: string[] }> };
  }>(server, 'GET', '/docs/json');
  assert.equal(response.status, 200, response.text);
  const required = ['error', 'message', 'status', 'timestamp', 'path', 'requestId'];
  assert.deepEqual(response.body.components.schemas.ErrorBody?.required, required);
  for (const [path, method] of [
    ['/api/v1/submissions', 'post'],
    ['/api/v1/submissions/{id}', 'get'],
    ['/api/v1/problems', 'post'],
    ['/run', 'post'],
  ] as const) {
    const responses = response.body.paths[path]?.[method]?.responses ?? {};
    for (const code of ['4XX', '5XX'])
      assert.deepEqual(
        responses[code]?.content?.['application/json']?.schema?.required,
        required,
        `${method.toUpperCase()} ${path} ${code}`,
      );
  }
});

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a server-sent event stream until the server closes it (or the deadline passes). */
async function readEvents(
  url: string,
  timeoutMs: number,
): Promise<{ events: SseEvent[]; contentType: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  assert.equal(response.status, 200);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  return { events, contentType: response.headers.get('content-type') ?? '' };
}

test('SSE /api/v1/submissions/:id/events: status, then changes, then finished with the result; then it closes', async () => {
  // One slow job per worker first, so the watched one is still queued when the stream opens.
  const blockers = [
    await submit(server, { language: 'python3', source: sleepyPython(0.6) }),
    await submit(server, { language: 'python3', source: sleepyPython(0.6) }),
  ];
  const id = await submit(server, { language: 'python3', source: 'print("streamed")' });
  const { events, contentType } = await readEvents(`${server.url}/api/v1/submissions/${id}/events`, 20_000);
  assert.match(contentType, /^text\/event-stream/);
  const names = events.map((e) => e.event);
  assert.equal(names[0], 'status', names.join(','));
  assert.equal(events[0]!.data.status, 'queued', JSON.stringify(events[0]));
  assert.ok(names.includes('running'), `no running event: ${names.join(',')}`);
  assert.equal(names.at(-1), 'finished', names.join(','));
  const final = events.at(-1)!.data as { status: string; submission: SubmissionView };
  assert.equal(final.status, 'accepted');
  assert.equal(final.submission.id, id);
  assert.equal(final.submission.run?.stdout, 'streamed\n');
  await Promise.all(blockers.map((b) => waitFinal(server, b)));

  // A finished submission: one status event with the result, and the stream ends.
  const late = await readEvents(`${server.url}/api/v1/submissions/${id}/events`, 10_000);
  assert.deepEqual(
    late.events.map((e) => e.event),
    ['status'],
  );
  assert.equal(late.events[0]!.data.status, 'accepted');
});

/** A WebSocket client that keeps every message and can wait for one. */
async function openSocket(key?: string): Promise<{
  socket: WebSocket;
  messages: Record<string, unknown>[];
  waitFor: (match: (m: Record<string, unknown>) => boolean, what: string) => Promise<Record<string, unknown>>;
}> {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/v1/ws`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const waitFor = (match: (m: Record<string, unknown>) => boolean, what: string) =>
    pollUntil(
      async () => messages.find(match),
      (m) => m !== undefined,
      { timeoutMs: 20_000, what: `${what}; messages: ${JSON.stringify(messages).slice(0, 1500)}` },
    ).then((m) => m!);
  return { socket, messages, waitFor };
}

test("WebSocket /api/v1/ws: the dashboard's key rides a subprotocol (a browser sends no header)", async () => {
  /** The upgrade's answer: 101 when the socket opened, else the refusal's status. */
  const upgrade = (protocols: string[]) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/v1/ws`, protocols);
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_request, response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      socket.once('error', reject);
    });
  assert.equal(await upgrade(['arbiter.v1', `arbiter.bearer.${userKey}`]), 101);
  // The key is checked like any other: an unknown one is refused though anonymous use is on.
  assert.equal(await upgrade(['arbiter.v1', 'arbiter.bearer.arb_unknown']), 401);
});

test('WebSocket /api/v1/ws: subscribe to ids, get their finished events with results', async () => {
  const { socket, messages, waitFor } = await openSocket();
  try {
    const ids = [
      await submit(server, { language: 'python3', source: sleepyPython(0.5, 'one') }),
      await submit(server, { language: 'python3', source: sleepyPython(0.5, 'two') }),
    ];
    socket.send(JSON.stringify({ subscribe: [...ids, 'no-such-id'] }));
    await waitFor((m) => m.type === 'error' && m.id === 'no-such-id', 'an error for the unknown id');
    for (const [i, id] of ids.entries()) {
      const finished = await waitFor((m) => m.type === 'finished' && m.id === id, `finished of ${id}`);
      const submission = finished.submission as SubmissionView;
      assert.equal(submission.status, 'accepted', JSON.stringify(finished));
      assert.equal(submission.run?.stdout, `${['one', 'two'][i]}\n`);
    }
    assert.ok(
      messages.every((m) => m.id === undefined || ids.includes(m.id as string) || m.id === 'no-such-id'),
      'events of submissions not subscribed to',
    );
  } finally {
    socket.close();
  }
});

test('WebSocket /api/v1/ws: subscribe "all" with a key gets that key\'s submissions only', async () => {
  const { socket, messages, waitFor } = await openSocket(userKey);
  try {
    socket.send(JSON.stringify({ subscribe: 'all' }));
    await waitFor((m) => m.type === 'subscribed', 'the subscription to be confirmed');
    const other = await submit(server, { language: 'python3', source: 'print("not yours")' });
    const mine = await submit(server, { language: 'python3', source: 'print("yours")' }, userKey);
    const finished = await waitFor(
      (m) => m.type === 'finished' && m.id === mine,
      'finished of own submission',
    );
    assert.equal((finished.submission as SubmissionView).run?.stdout, 'yours\n');
    await waitFinal(server, other);
    assert.ok(!messages.some((m) => m.id === other), 'a user key received events of another caller');
    assert.ok(
      messages.some((m) => m.type === 'queued' && m.id === mine),
      JSON.stringify(messages),
    );
  } finally {
    socket.close();
  }
  const anonymous = await openSocket();
  try {
    // Anonymous callers of a loopback server administer it: "all" is every submission.
    anonymous.socket.send(JSON.stringify({ subscribe: 'all' }));
    await anonymous.waitFor((m) => m.type === 'subscribed', 'the subscription to be confirmed');
    const id = await submit(server, { language: 'python3', source: 'print(1)' }, userKey);
    await anonymous.waitFor((m) => m.type === 'finished' && m.id === id, 'finished of any submission');
  } finally {
    anonymous.socket.close();
  }
});

test('a submission reaches a final status and stays there', async () => {
  const id = await submit(server, { language: 'python3', source: 'raise SystemExit(1)' });
  const done = await waitFinal(server, id);
  assert.ok(isFinal(done.status));
  assert.equal(done.status, 'runtime_error');
  assert.equal(done.run?.exitCode, 1);
  assert.deepEqual(await getSubmission(server, id), done);
  const text = await metrics(server);
  assert.ok(metricValue(text, 'arbiter_jobs_finished_total', { status: 'runtime_error' })! >= 1, text);
});
