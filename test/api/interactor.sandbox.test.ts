// Interactive problems end to end: a guessing game whose interactor and each submission run at once
// in two sandboxes of a real `arbiter serve` (needs root, bubblewrap and python3), made and judged
// through the HTTP API, read back as the student and as the teacher.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertErrorBody, cleanup, request, startServerWithKeys, type TestServer } from './helpers.js';

let server: TestServer;
let userKey: string;
let adminKey: string;

after(cleanup);

interface Transcript {
  toInteractor: string;
  toProgram: string;
  truncated?: boolean;
}

interface Judged {
  id: string;
  status: string;
  score: number;
  maxScore: number;
  groups?: { id: string; points: number; score: number; status?: string }[];
  tests: {
    status: string;
    group?: string;
    fraction?: number;
    message?: string;
    stdout?: string;
    detail?: string;
    hidden?: boolean;
    transcript?: Transcript;
  }[];
}

/**
 * The guessing game's interactor. input.txt: the secret (1 to 1000), the most guesses allowed, and
 * how many may be used for full points (more: half points, testlib's exit 7).
 */
const GUESS_INTERACTOR = `import sys
secret, most, full = map(int, open(sys.argv[1]).read().split())
print(1000, flush=True)
for guesses in range(1, most + 1):
    line = sys.stdin.readline()
    if not line:
        print("wrong answer: the program stopped before guessing right", file=sys.stderr)
        sys.exit(1)
    text = line.strip()
    if not text.isdigit():
        print("wrong answer: not a number: " + text[:20], file=sys.stderr)
        sys.exit(1)
    guess = int(text)
    if guess == secret:
        print("correct", flush=True)
        if guesses <= full:
            print("ok found in %d guesses" % guesses, file=sys.stderr)
            sys.exit(0)
        print("points 0.5 found in %d guesses" % guesses, file=sys.stderr)
        sys.exit(7)
    print("higher" if guess < secret else "lower", flush=True)
print("wrong answer: no right guess in %d" % most, file=sys.stderr)
sys.exit(1)
`;

const BINARY_SEARCH = `lo, hi = 1, int(input())
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    reply = input()
    if reply == "correct":
        break
    if reply == "higher":
        lo = mid + 1
    else:
        hi = mid - 1
`;

async function createProblem(body: Record<string, unknown>): Promise<void> {
  const created = await request(server, 'POST', '/api/v1/problems', { key: adminKey, body });
  assert.equal(created.status, 201, created.text);
}

async function judged(problemId: string, source: string): Promise<{ text: string; body: Judged }> {
  const response = await request<Judged>(server, 'POST', '/api/v1/submissions?wait=true', {
    key: userKey,
    body: { language: 'python3', source, problemId },
    timeoutMs: 120_000,
  });
  assert.equal(response.status, 200, response.text);
  assert.ok(response.body.status !== 'queued' && response.body.status !== 'running', response.text);
  return { text: response.text, body: response.body };
}

async function asTeacher(id: string): Promise<Judged> {
  const response = await request<Judged>(server, 'GET', `/api/v1/submissions/${id}`, { key: adminKey });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

const GAME = `guess-${Date.now()}`;

before(async () => {
  ({ server, userKey, adminKey } = await startServerWithKeys({ workers: 2 }));
  await createProblem({
    id: GAME,
    title: 'Guess the number',
    tests: [{ stdin: '37 20 20' }, { stdin: '777 20 20', hidden: true }],
    // A short wall limit keeps the deadlocked case quick; CPU is what a slow machine needs.
    limits: { cpuMs: 5_000, wallMs: 4_000 },
    interactor: { language: 'python3', source: GUESS_INTERACTOR },
  });
});

test('a correct guesser is accepted; the teacher reads the conversation, the student does not', async () => {
  const { body, text } = await judged(GAME, BINARY_SEARCH);
  assert.equal(body.status, 'accepted', text);
  assert.deepEqual(
    body.tests.map((t) => t.status),
    ['accepted', 'accepted'],
  );
  assert.equal(body.score, 2);
  assert.ok(!text.includes('transcript'), 'no transcript in the student view');
  assert.ok(!text.includes('secret, most'), "the interactor's source is not shown");
  for (const t of body.tests) assert.equal(t.stdout, undefined, 'the conversation is not echoed as stdout');

  const teacher = await asTeacher(body.id);
  const first = teacher.tests[0]!.transcript!;
  assert.equal(first.toProgram.split('\n')[0], '1000');
  assert.equal(first.toInteractor.split('\n')[0], '500');
  assert.ok(first.toProgram.trimEnd().endsWith('correct'), first.toProgram);
  assert.ok(teacher.tests[1]!.transcript!.toInteractor.includes('777\n'), 'hidden tests keep theirs too');

  const problem = await request(server, 'GET', `/api/v1/problems/${GAME}`, { key: userKey });
  assert.equal(problem.status, 200, problem.text);
  assert.deepEqual((problem.body as { interactor?: unknown }).interactor, { language: 'python3' });
});

test("a wrong guesser gets the interactor's wrong answer and its message on the visible test", async () => {
  // "higher" and "lower" swapped: it walks away from the secret until the guesses run out, then
  // dies reading the end of its input; the interactor said wrong answer first.
  const { body, text } = await judged(GAME, BINARY_SEARCH.replace('"higher"', '"lower"'));
  assert.equal(body.status, 'wrong_answer', text);
  assert.equal(body.tests[0]!.status, 'wrong_answer');
  assert.match(body.tests[0]!.message ?? '', /no right guess in 20/);
  assert.equal(body.score, 0);
});

test('a guesser that waits for a line that never comes deadlocks and ends at its wall limit', async () => {
  const { body, text } = await judged(GAME, `input()\ninput()\nprint(1, flush=True)\n`);
  assert.equal(body.status, 'time_limit_exceeded', text);
  assert.equal(body.tests[0]!.status, 'time_limit_exceeded');
  const teacher = await asTeacher(body.id);
  assert.equal(teacher.tests[0]!.transcript!.toProgram, '1000\n');
  assert.equal(teacher.tests[0]!.transcript!.toInteractor, '');
});

test('a guesser that floods the interactor is stopped at the relay cap; the service stays up', async () => {
  const flood = `${GAME}-flood`;
  // An output limit above the relay's 4 MiB, so the relay cap is what stops it.
  await createProblem({
    id: flood,
    title: 'Guess, with room to flood',
    tests: [{ stdin: '37 20 20' }],
    limits: { cpuMs: 10_000, wallMs: 20_000, outputKb: 16 * 1024 },
    interactor: { language: 'python3', source: GUESS_INTERACTOR },
  });
  const { body, text } = await judged(flood, `import sys\nwhile True:\n    sys.stdout.write("9" * 65536)\n`);
  assert.equal(body.status, 'output_limit_exceeded', text);
  const teacher = await asTeacher(body.id);
  const transcript = teacher.tests[0]!.transcript!;
  assert.equal(transcript.toInteractor.length, 64 * 1024, 'the transcript keeps its first 64 KiB');
  assert.equal(transcript.truncated, true);
  const health = await request(server, 'GET', '/health');
  assert.equal(health.status, 200, health.text);
  // And it still judges.
  const again = await judged(GAME, BINARY_SEARCH);
  assert.equal(again.body.status, 'accepted', again.text);
});

test("an interactor that crashes is internal_error; its output is the teacher's alone", async () => {
  const broken = `${GAME}-broken`;
  await createProblem({
    id: broken,
    title: 'Guess, with a broken interactor',
    tests: [{ stdin: '4242 20 20', hidden: true }],
    limits: { cpuMs: 5_000, wallMs: 4_000 },
    interactor: {
      language: 'python3',
      // It may write output.txt (testlib's second argument) before it dies; a refusal would exit 1.
      source: `import os, sys\nopen(sys.argv[2], "w").write("log")\nprint("secret is", open(sys.argv[1]).read(), file=sys.stderr, flush=True)\nos.abort()\n`,
    },
  });
  const { body, text } = await judged(broken, BINARY_SEARCH);
  assert.equal(body.status, 'internal_error', text);
  assert.ok(!text.includes('4242'), text);
  assert.equal(body.tests[0]!.detail, undefined);
  const teacher = await asTeacher(body.id);
  assert.match(teacher.tests[0]!.detail ?? '', /secret is 4242/);
  assert.match(teacher.tests[0]!.message ?? '', /interactor failed/);
});

test('groups score interactive tests, partial points (exit 7) included', async () => {
  const grouped = `${GAME}-groups`;
  await createProblem({
    id: grouped,
    title: 'Guess, in subtasks',
    tests: [
      { stdin: '3 100 10', group: 'a' },
      // Found on the 40th guess: more than 10, so half points.
      { stdin: '40 100 10', group: 'a' },
      { stdin: '2 100 10', group: 'b' },
    ],
    groups: [
      { id: 'a', points: 40 },
      { id: 'b', points: 60, aggregation: 'min' },
    ],
    limits: { cpuMs: 5_000, wallMs: 8_000 },
    interactor: { language: 'python3', source: GUESS_INTERACTOR },
  });
  const linear = `input()\nguess = 1\nwhile True:\n    print(guess, flush=True)\n    if input() == "correct":\n        break\n    guess += 1\n`;
  const { body, text } = await judged(grouped, linear);
  assert.deepEqual(
    body.tests.map((t) => [t.status, t.fraction]),
    [
      ['accepted', undefined],
      ['wrong_answer', 0.5],
      ['accepted', undefined],
    ],
    text,
  );
  assert.deepEqual(
    body.groups!.map((g) => [g.id, g.score]),
    [
      ['a', 30],
      ['b', 60],
    ],
  );
  assert.equal(body.score, 90);
});

test('an interactor is validated, and never comes with a checker or on an output-only problem', async () => {
  const base = { title: 'x', tests: [{ stdin: '1' }] };
  for (const [extra, pattern] of [
    [{ interactor: { language: 'python3' } }, /interactor\.source/],
    [{ interactor: { language: 'python3', source: 'x', extra: 1 } }, /interactor\.extra/],
    [
      {
        interactor: { language: 'python3', source: 'x' },
        checker: { type: 'custom', language: 'python3', source: 'x' },
      },
      /either interactor or checker/,
    ],
    [
      { interactor: { language: 'python3', source: 'x' }, type: 'output-only' },
      /output-only problem takes no interactor/,
    ],
  ] as const) {
    const response = await request(server, 'POST', '/api/v1/problems', {
      key: adminKey,
      body: { ...base, ...extra },
    });
    assertErrorBody(response, { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
    assert.match(response.text, pattern);
  }
});
