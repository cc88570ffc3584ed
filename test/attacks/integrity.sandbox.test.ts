// Attacks on verdict integrity and hidden tests by a student holding an ordinary key (issue [G]),
// through the real API of a real server. Each attack asserts the safe outcome: a clear 4xx, the
// problem's verdict unchanged, and no hidden data in any body the student can get.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  cleanup,
  createKey,
  request,
  startServer,
  submitAndWait,
  tempDir,
  type SubmissionView,
  type TestServer,
} from '../api/helpers.js';

/** The hidden test's data; no answer a student gets may contain it. */
const SECRET = 'hidden-7ae3c1';

let server: TestServer;
let student: string;
let admin: string;

before(async () => {
  const dataDir = join(tempDir(), 'data');
  student = createKey(dataDir, { name: 'student' }).key;
  admin = createKey(dataDir, { name: 'teacher', role: 'admin' }).key;
  server = await startServer({}, { dataDir });
  await createProblem({
    id: 'echo',
    title: 'Echo the line',
    limits: { cpuMs: 500 },
    tests: [
      { stdin: 'visible\n', expected: 'visible\n' },
      { stdin: `${SECRET}\n`, expected: `${SECRET}\n`, hidden: true },
    ],
  });
  // The first test is hidden: Judge0's view of a problem submission echoes the first test.
  await createProblem({
    id: 'hidden-first',
    title: 'Hidden first',
    tests: [{ stdin: `${SECRET}\n`, expected: `${SECRET}\n`, hidden: true }],
  });
  // A checker that prints its files (the hidden data) and then fails (testlib's _fail, exit 3): its
  // message must stay with admins.
  await createProblem({
    id: 'leaky-checker',
    title: 'A checker that fails loudly',
    tests: [{ stdin: `${SECRET}\n`, expected: `${SECRET}\n`, hidden: true }],
    checker: {
      type: 'custom',
      language: 'python3',
      source: `# answer key ${SECRET}\nimport sys\nprint(open('input.txt').read(), open('expected.txt').read())\nsys.exit(3)\n`,
    },
  });
});

after(cleanup);

async function createProblem(body: Record<string, unknown>): Promise<void> {
  const response = await request(server, 'POST', '/api/v1/problems', { body, key: admin });
  assert.equal(response.status, 201, response.text);
}

const ECHO_PY = 'print(input())';
const WRONG_PY = 'print("nope")';

function assertNoSecret(text: string, where: string): void {
  assert.ok(!text.includes(SECRET), `${where} shows the hidden test's data: ${text.slice(0, 2000)}`);
}

test("a student's own checker on a problem submission is refused, and a wrong program stays wrong", async () => {
  const alwaysAccept = { type: 'custom', language: 'python3', source: 'import sys\nsys.exit(0)\n' };
  const refused = await request(server, 'POST', '/api/v1/submissions', {
    body: { language: 'python3', source: WRONG_PY, problemId: 'echo', checker: alwaysAccept },
    key: student,
  });
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.text, /checker/);
  const judged = await submitAndWait(
    server,
    { language: 'python3', source: WRONG_PY, problemId: 'echo' },
    student,
  );
  assert.equal(judged.status, 'wrong_answer');
  assert.equal(judged.score, 0);
});

test("a request's limits cannot raise the problem's: 1.5 s asked, 500 ms binds", async () => {
  const burn =
    'import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass\nprint(input())';
  const judged = await submitAndWait(
    server,
    { language: 'python3', source: burn, problemId: 'echo', limits: { cpuMs: 1500, wallMs: 5000 } },
    student,
  );
  assert.equal(judged.status, 'time_limit_exceeded', JSON.stringify(judged.tests));
});

test('a hidden test shows a student its verdict only: no output, message, exit code, signal or memory', async () => {
  // Exits with a code and prints what it read: both would carry the hidden input out.
  const exfiltrate = 'import sys\nline = input()\nprint(line)\nsys.exit(len(line))';
  const judged = await submitAndWait(
    server,
    { language: 'python3', source: exfiltrate, problemId: 'echo' },
    student,
  );
  const hidden = judged.tests[1]!;
  assert.equal(hidden.hidden, true);
  for (const field of ['stdout', 'stderr', 'message', 'exitCode', 'signal', 'memoryKb', 'stdoutBase64'])
    assert.equal(
      (hidden as unknown as Record<string, unknown>)[field],
      undefined,
      `hidden test shows ${field}`,
    );
  assertNoSecret(JSON.stringify(judged), 'the ?wait=true answer');
  const shown = await request(server, 'GET', `/api/v1/submissions/${judged.id}`, { key: student });
  assertNoSecret(shown.text, 'GET /api/v1/submissions/:id');
  // An admin sees what was stored, hidden output included.
  const full = await request<SubmissionView>(server, 'GET', `/api/v1/submissions/${judged.id}`, {
    key: admin,
  });
  assert.match(full.text, new RegExp(SECRET));
});

test("Judge0's view of a problem submission does not echo a hidden first test", async () => {
  const judged = await submitAndWait(
    server,
    { language: 'python3', source: ECHO_PY, problemId: 'hidden-first' },
    student,
  );
  assert.equal(judged.status, 'accepted');
  const fields = 'stdin,expected_output,stdout,stderr,exit_code,memory,message,compile_output';
  for (const base64 of ['false', 'true']) {
    const view = await request(
      server,
      'GET',
      `/submissions/${judged.id}?fields=${fields}&base64_encoded=${base64}`,
      {
        key: student,
      },
    );
    assert.equal(view.status, 200, view.text);
    assertNoSecret(view.text, 'Judge0 GET /submissions/:token');
    assertNoSecret(
      Buffer.from(view.text.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1'),
      'Judge0 base64 fields',
    );
    const body = view.body as Record<string, unknown>;
    assert.equal(body.stdin, null);
    assert.equal(body.expected_output, null);
  }
  const batch = await request(server, 'GET', `/submissions/batch?tokens=${judged.id}&fields=${fields}`, {
    key: student,
  });
  assertNoSecret(batch.text, 'Judge0 batch GET');
});

test("a failing checker's output (the hidden data) reaches admins only", async () => {
  const judged = await submitAndWait(
    server,
    { language: 'python3', source: ECHO_PY, problemId: 'leaky-checker' },
    student,
  );
  assert.equal(judged.status, 'internal_error');
  assertNoSecret(JSON.stringify(judged), 'a failing checker');
  const events = await request(server, 'GET', `/api/v1/submissions/${judged.id}/events`, { key: student });
  assertNoSecret(events.text, 'the event stream');
  const full = await request(server, 'GET', `/api/v1/submissions/${judged.id}`, { key: admin });
  assert.match(full.text, new RegExp(SECRET), 'the admin sees why the checker failed');
});

test("a problem's checker source and hidden tests are shown to admins only", async () => {
  for (const path of ['/api/v1/problems/leaky-checker', '/api/v1/problems']) {
    const shown = await request(server, 'GET', path, { key: student });
    assert.equal(shown.status, 200, shown.text);
    assertNoSecret(shown.text, `GET ${path}`);
  }
  const full = await request(server, 'GET', '/api/v1/problems/leaky-checker', { key: admin });
  assert.match(full.text, new RegExp(SECRET));
});

test('feedback "score" tells a student the score and nothing per test', async () => {
  const response = await request(server, 'POST', '/api/v1/problems', {
    key: admin,
    body: {
      id: 'contest',
      title: 'Contest problem',
      feedback: 'score',
      tests: [
        { stdin: 'a\n', expected: 'a\n' },
        { stdin: 'b\n', expected: 'b\n' },
      ],
    },
  });
  assert.equal(response.status, 201, response.text);
  const judged = await submitAndWait(
    server,
    { language: 'python3', source: 'print("a")', problemId: 'contest' },
    student,
  );
  assert.equal(judged.status, 'wrong_answer');
  assert.equal(judged.score, 1);
  assert.deepEqual(judged.tests, []);
  const bad = await request(server, 'POST', '/api/v1/problems', {
    key: admin,
    body: { title: 'x', feedback: 'everything', tests: [{ stdin: '' }] },
  });
  assert.equal(bad.status, 400, bad.text);
});
