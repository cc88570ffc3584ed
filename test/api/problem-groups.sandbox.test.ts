// Test groups (subtasks) and testlib-protocol checkers end to end: problems made through the API,
// judged by a real `arbiter serve` with the real sandbox (needs root, bubblewrap, gcc and python3),
// read back as a student and as the teacher under each feedback level.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertErrorBody, cleanup, request, startServerWithKeys, type TestServer } from './helpers.js';

let server: TestServer;
let userKey: string;
let adminKey: string;

before(async () => {
  ({ server, userKey, adminKey } = await startServerWithKeys({ workers: 2 }));
});

after(cleanup);

interface GroupView {
  id: string;
  points: number;
  score: number;
  status?: string;
}

interface Judged {
  status: string;
  score: number;
  maxScore: number;
  groups?: GroupView[];
  tests: {
    status: string;
    group?: string;
    fraction?: number;
    message?: string;
    stdout?: string;
    hidden?: boolean;
    detail?: string;
  }[];
}

async function createProblem(body: Record<string, unknown>): Promise<void> {
  const created = await request(server, 'POST', '/api/v1/problems', { key: adminKey, body });
  assert.equal(created.status, 201, created.text);
}

async function judged(
  problemId: string,
  language: string,
  source: string,
): Promise<{ id: string; text: string; body: Judged }> {
  const response = await request<Judged & { id: string }>(server, 'POST', '/api/v1/submissions?wait=true', {
    key: userKey,
    body: { language, source, problemId },
    timeoutMs: 60_000,
  });
  assert.equal(response.status, 200, response.text);
  return { id: response.body.id, text: response.text, body: response.body };
}

async function asTeacher(id: string): Promise<Judged> {
  const response = await request<Judged>(server, 'GET', `/api/v1/submissions/${id}`, { key: adminKey });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

// Adds in `int`: right for small numbers, wrong once the sum passes 2^31.
const INT_SUM_C =
  '#include <stdio.h>\nint main(void){int a,b; if(scanf("%d %d",&a,&b)!=2) return 3; printf("%d\\n",a+b); return 0;}\n';

test('three min groups with a dependency: a failing group zeroes its dependant, whose tests are skipped', async () => {
  const id = `subtasks-${Date.now()}`;
  await createProblem({
    id,
    title: 'Sum, in subtasks',
    tests: [
      // Listed first, judged last: "all" depends on both other groups.
      { stdin: '1 1', expected: '2', group: 'all' },
      { stdin: '1 2', expected: '3', group: 'small' },
      { stdin: '20 22', expected: '42', group: 'small' },
      { stdin: '2000000000 2000000000', expected: '4000000000', group: 'big' },
      { stdin: '1 2', expected: '3', group: 'big' },
      { stdin: '5 5', expected: '10', group: 'all' },
    ],
    groups: [
      { id: 'small', points: 20, aggregation: 'min' },
      { id: 'big', points: 30, aggregation: 'min' },
      { id: 'all', points: 50, aggregation: 'min', dependsOn: ['small', 'big'] },
    ],
  });
  const { body } = await judged(id, 'c', INT_SUM_C);
  assert.equal(body.status, 'wrong_answer');
  assert.deepEqual(
    body.tests.map((t) => [t.group, t.status]),
    [
      ['all', 'skipped'],
      ['small', 'accepted'],
      ['small', 'accepted'],
      ['big', 'wrong_answer'],
      ['big', 'skipped'],
      ['all', 'skipped'],
    ],
  );
  assert.deepEqual(body.groups, [
    { id: 'small', points: 20, score: 20, status: 'accepted' },
    { id: 'big', points: 30, score: 0, status: 'wrong_answer' },
    { id: 'all', points: 50, score: 0, status: 'skipped' },
  ]);
  assert.equal(body.score, 20);
  assert.equal(body.maxScore, 100);

  const right = await judged(
    id,
    'c',
    INT_SUM_C.replaceAll('int a,b', 'long a,b')
      .replace('"%d %d"', '"%ld %ld"')
      .replace('"%d\\n"', '"%ld\\n"'),
  );
  assert.equal(right.body.status, 'accepted', right.text);
  assert.equal(right.body.score, 100);
  assert.ok(right.body.groups!.every((g) => g.status === 'accepted' && g.score === g.points));
});

// A checker that follows testlib's protocol without testlib: `checker input output answer`; each
// answer token matched in place is a share of the points; a token that is not a number is a
// presentation error (exit 2); all matched exit 0, none exit 1, some exit 7 with "points <share>".
const CHECKER_C = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int next(FILE *f, char *token) { return fscanf(f, "%63s", token) == 1; }
int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: checker input output answer\\n"); return 3; }
  FILE *out = fopen(argv[2], "r"), *ans = fopen(argv[3], "r");
  if (!out || !ans) { fprintf(stderr, "cannot open the files\\n"); return 3; }
  char want[64], got[64];
  int total = 0, matched = 0;
  while (next(ans, want)) {
    total++;
    if (!next(out, got)) continue;
    char *end;
    strtol(got, &end, 10);
    if (*end != '\\0') { fprintf(stderr, "wrong output format: %s is not a number\\n", got); return 2; }
    if (strcmp(want, got) == 0) matched++;
  }
  if (total == 0) { fprintf(stderr, "the answer is empty\\n"); return 3; }
  if (matched == total) { fprintf(stderr, "ok %d numbers\\n", total); return 0; }
  if (matched == 0) { fprintf(stderr, "wrong answer: no number in its place\\n"); return 1; }
  fprintf(stderr, "points %.4f %d of %d in place\\n", (double)matched / total, matched, total);
  return 7;
}
`;

/** A partial-points problem: a sum group of two tests (one hidden), and a min group after it. */
function partialProblem(id: string, feedback?: string): Record<string, unknown> {
  return {
    id,
    title: 'Copy the numbers',
    ...(feedback ? { feedback } : {}),
    checker: { type: 'custom', language: 'c', source: CHECKER_C },
    tests: [
      { stdin: '1 2 3 9', expected: '1 2 3 9', group: 'copy' },
      { stdin: '9 9 7777123 9', expected: '9 9 7777123 9', group: 'copy', hidden: true },
      { stdin: '1 1', expected: '1 1', group: 'exact' },
    ],
    groups: [
      { id: 'copy', points: 60 },
      { id: 'exact', points: 40, aggregation: 'min', dependsOn: ['copy'] },
    ],
  };
}

// Copies every number below 5 and writes 0 for the others: 3 of 4 in place on the first test, none
// on the hidden one (share 0), so the sum group averages 0.75 and 0.
const HALF_RIGHT_PY = 'print(" ".join(n if int(n) < 5 else "0" for n in input().split()))\n';

test("a testlib-protocol checker's partial points feed the test's and the sum group's score", async () => {
  const id = `partial-${Date.now()}`;
  await createProblem(partialProblem(id));
  const { id: submission, body } = await judged(id, 'python3', HALF_RIGHT_PY);
  assert.equal(body.status, 'wrong_answer');
  assert.deepEqual(
    body.tests.map((t) => [t.status, t.fraction]),
    [
      ['wrong_answer', 0.75],
      ['wrong_answer', undefined],
      ['skipped', undefined],
    ],
  );
  assert.equal(body.tests[0]!.message, '3 of 4 in place', "a visible test shows the checker's message");
  assert.equal(body.tests[1]!.message, undefined, "a hidden test never shows the checker's message");
  // copy: 60 × (0.75 + 0) / 2; exact depends on copy, which did not pass in full.
  assert.deepEqual(body.groups, [
    { id: 'copy', points: 60, score: 22.5, status: 'wrong_answer' },
    { id: 'exact', points: 40, score: 0, status: 'skipped' },
  ]);
  assert.equal(body.score, 22.5);
  assert.equal(body.maxScore, 100);
  const teacher = await asTeacher(submission);
  assert.equal(teacher.tests[1]!.stdout, '0 0 0 0\n', 'the teacher sees the hidden test whole');

  const presentation = await judged(id, 'python3', 'print("one two")\n');
  assert.equal(presentation.body.tests[0]!.status, 'wrong_answer', presentation.text);
  assert.match(presentation.body.tests[0]!.message ?? '', /wrong output format: one is not a number/);

  const right = await judged(id, 'python3', 'print(input())\n');
  assert.equal(right.body.status, 'accepted', right.text);
  assert.equal(right.body.score, 100);
});

test('feedback levels: verdicts keeps group verdicts but no messages; score keeps only scores', async () => {
  const verdictsId = `partial-verdicts-${Date.now()}`;
  const scoreId = `partial-score-${Date.now()}`;
  await createProblem(partialProblem(verdictsId, 'verdicts'));
  await createProblem(partialProblem(scoreId, 'score'));

  const verdicts = await judged(verdictsId, 'python3', HALF_RIGHT_PY);
  assert.deepEqual(
    verdicts.body.tests.map((t) => [t.status, t.fraction, t.message, t.stdout]),
    [
      ['wrong_answer', 0.75, undefined, undefined],
      ['wrong_answer', undefined, undefined, undefined],
      ['skipped', undefined, undefined, undefined],
    ],
  );
  assert.deepEqual(
    verdicts.body.groups!.map((g) => [g.id, g.score, g.status]),
    [
      ['copy', 22.5, 'wrong_answer'],
      ['exact', 0, 'skipped'],
    ],
  );

  const score = await judged(scoreId, 'python3', HALF_RIGHT_PY);
  assert.deepEqual(score.body.tests, []);
  assert.deepEqual(score.body.groups, [
    { id: 'copy', points: 60, score: 22.5 },
    { id: 'exact', points: 40, score: 0 },
  ]);
  assert.equal(score.body.score, 22.5);
  for (const shown of [verdicts.text, score.text]) {
    for (const secret of ['7777123', 'in place', '0 0 0 0'])
      assert.ok(!shown.includes(secret), `a student sees "${secret}": ${shown}`);
  }
  const teacher = await asTeacher(score.id);
  assert.equal(teacher.tests[0]!.message, '3 of 4 in place', 'the teacher sees every message');
  assert.equal(teacher.groups![0]!.status, 'wrong_answer');
});

test('problem definitions with bad groups are refused with a clear error', async () => {
  const base = { title: 'Bad', tests: [{ stdin: '1', expected: '1', group: 'a' }] };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ groups: [{ id: 'a', points: 1, dependsOn: ['b'] }] }, /dependsOn names "b", which is not a group/],
    [
      {
        tests: [
          { expected: '1', group: 'a' },
          { expected: '1', group: 'b' },
        ],
        groups: [
          { id: 'a', points: 1, dependsOn: ['b'] },
          { id: 'b', points: 1, dependsOn: ['a'] },
        ],
      },
      /cycle: a → b → a/,
    ],
    [{ groups: [{ id: 'a', points: 'ten' }] }, /points/],
    [
      { tests: [{ expected: '1', group: 'a' }, { expected: '2' }], groups: [{ id: 'a', points: 1 }] },
      /tests\[1\] is in no group/,
    ],
    [{}, /tests\[0\]\.group is set, but the problem has no groups/],
  ];
  for (const [change, message] of cases) {
    const response = await request(server, 'POST', '/api/v1/problems', {
      key: adminKey,
      body: { ...base, ...change },
    });
    assert.equal(response.status, 400, response.text);
    assert.match(String((response.body as { message?: string }).message), message, response.text);
    assert.match(String((response.body as { error?: string }).error), /^ARB_ERR_INPUT_/);
  }
  // A submission's own tests cannot name groups: groups are the problem's.
  const adHoc = await request(server, 'POST', '/api/v1/submissions', {
    key: userKey,
    body: { language: 'python3', source: 'print(1)', tests: [{ expected: '1', group: 'a' }] },
  });
  assertErrorBody(adHoc, { status: 400 });
});
