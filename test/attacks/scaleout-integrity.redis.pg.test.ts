// The attacks of issue [G] whose defence lives in Redis or PostgreSQL, against a scale-out server:
// the per-key queue quota counted in PostgreSQL, a batch's token cost in the Redis rate limiter, and
// a problem's hidden test read back from PostgreSQL. Against the machine's Redis and PostgreSQL;
// fails, naming what is missing, without them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cli, sleepyPython } from '../api/helpers.js';
import {
  openTestDeployment,
  pollUntil,
  spawnArbiter,
  type ArbiterProcess,
  type TestDeployment,
} from '../helpers/cluster.js';

const SECRET = 'hidden-5d20f9';

let deployment: TestDeployment;
let api: ArbiterProcess;
let student: string;
let slowStudent: string;
let admin: string;

before(async () => {
  deployment = await openTestDeployment('attacks', { anonymous: false, workers: 1, maxQueuedPerKey: 2 });
  const keys = (name: string, role: string, rate: string) => {
    const created = cli(
      'keys',
      'create',
      '--name',
      name,
      '--role',
      role,
      '--rate',
      rate,
      '--postgres',
      deployment.settings.postgresUrl,
      '--schema',
      deployment.settings.schema,
    );
    assert.equal(created.code, 0, created.stderr);
    return created.stdout.trim();
  };
  student = keys('student', 'user', '1000');
  slowStudent = keys('slow', 'user', '3');
  admin = keys('teacher', 'admin', '1000');
  api = await spawnArbiter('serve', deployment.settings);
});

after(() => deployment?.teardown());

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
  };
}

test('the queue quota holds in scale-out: past maxQueuedPerKey a key gets 429', async () => {
  const first = await call('POST', '/api/v1/submissions', student, {
    language: 'python3',
    source: sleepyPython(20),
  });
  assert.equal(first.status, 202, first.text);
  const id = first.body.id as string;
  await pollUntil(
    async () => (await call('GET', `/api/v1/submissions/${id}`, student)).body.status,
    (status) => status !== 'queued',
    { timeoutMs: 60_000, what: 'the first submission to start' },
  );
  for (let i = 0; i < 2; i++) {
    const queued = await call('POST', '/api/v1/submissions', student, {
      language: 'python3',
      source: 'print(1)',
    });
    assert.equal(queued.status, 202, queued.text);
  }
  const refused = await call('POST', '/api/v1/submissions', student, {
    language: 'python3',
    source: 'print(1)',
  });
  assert.equal(refused.status, 429, refused.text);
  assert.equal(refused.body.error, 'ARB_ERR_QUEUE_QUOTA_EXCEEDED');
  await call('DELETE', `/api/v1/submissions/${id}`, student);
});

test('a Judge0 batch costs one token per submission in the Redis rate limiter', async () => {
  const submissions = Array.from({ length: 12 }, () => ({ language_id: 71, source_code: 'print(1)' }));
  const refused = await call('POST', '/submissions/batch', slowStudent, { submissions });
  assert.equal(refused.status, 429, refused.text);
  assert.match(refused.text, /one request per submission/);
});

test("a problem's hidden test, stored in PostgreSQL, shows a student nothing of its data", async () => {
  const created = await call('POST', '/api/v1/problems', admin, {
    id: 'secret',
    title: 'Secret',
    tests: [{ stdin: `${SECRET}\n`, expected: `${SECRET}\n`, hidden: true }],
  });
  assert.equal(created.status, 201, created.text);
  const problem = await call('GET', '/api/v1/problems/secret', slowStudent);
  assert.ok(!problem.text.includes(SECRET), problem.text);
  const judged = await call('POST', '/api/v1/submissions?wait=true', slowStudent, {
    language: 'python3',
    source: 'import sys\nline = input()\nprint(line)\nsys.exit(len(line))',
    problemId: 'secret',
  });
  assert.equal(judged.status, 200, judged.text);
  assert.equal(judged.body.status, 'runtime_error', 'it exits with the length of the line it read');
  assert.ok(!judged.text.includes(SECRET), judged.text);
  const judge0 = await call(
    'GET',
    `/submissions/${judged.body.id as string}?fields=stdin,expected_output,stdout,exit_code`,
    slowStudent,
  );
  assert.ok(!judge0.text.includes(SECRET), judge0.text);
});
