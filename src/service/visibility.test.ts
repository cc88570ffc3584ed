import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestResult } from '../judge/types.js';
import { DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import type { SubmissionRecord } from '../store/types.js';
import type { Caller } from './caller.js';
import { visibleProblem, visibleSubmission } from './visibility.js';

const SECRET = 'secret-42';

function judged(
  overrides: Partial<SubmissionRecord['request']> = {},
  problemId: string | null = 'p',
): SubmissionRecord {
  const hiddenFailed: TestResult = {
    status: 'wrong_answer',
    cpuMs: 3,
    wallMs: 4,
    memoryKb: 4242,
    weight: 1,
    hidden: true,
    name: 'big',
    stdout: SECRET,
    stderr: SECRET,
    message: `expected ${SECRET}`,
    exitCode: 42,
    signal: 9,
    detail: SECRET,
  };
  const visible: TestResult = {
    status: 'accepted',
    cpuMs: 1,
    wallMs: 2,
    memoryKb: 100,
    weight: 1,
    stdout: 'hi',
    detail: 'why',
  };
  return {
    id: 's',
    status: 'wrong_answer',
    priority: 1,
    keyId: 'k',
    user: null,
    submitter: 'key:k',
    language: 'c',
    version: '12',
    problemId,
    callbackUrl: null,
    request: {
      files: [{ name: 'main.c', content: 'int main(){}' }],
      limits: DEFAULT_RUN_LIMITS,
      tests: [
        { stdin: 'a', expected: 'hi' },
        { stdin: SECRET, expected: SECRET, hidden: true, name: 'big' },
      ],
      checker: { type: 'custom', language: 'python3', source: `print("${SECRET}")` },
      ...overrides,
    },
    result: {
      status: 'wrong_answer',
      tests: [visible, hiddenFailed],
      run: {
        status: 'accepted',
        stdout: SECRET,
        stderr: '',
        exitCode: 42,
        signal: null,
        cpuMs: 3,
        wallMs: 4,
        memoryKb: 4242,
      },
      score: 1,
      maxScore: 2,
      compileCached: false,
    },
    attempts: 1,
    seq: 1,
    createdAt: 0,
    startedAt: 1,
    finishedAt: 2,
  };
}

test('a student sees no hidden data anywhere in the record: tests, run, request, checker', () => {
  const shown = visibleSubmission(judged(), 'student');
  assert.ok(!JSON.stringify(shown).includes(SECRET), JSON.stringify(shown));
  assert.deepEqual(shown.result!.tests[1], {
    status: 'wrong_answer',
    weight: 1,
    cpuMs: 3,
    wallMs: 4,
    hidden: true,
    name: 'big',
  });
  assert.equal(shown.result!.run, undefined, 'the run repeats the hidden failing test');
  assert.deepEqual(shown.request.checker, { type: 'custom', language: 'python3' });
  assert.equal(shown.result!.tests[0]!.stdout, 'hi', 'a visible test stays whole');
  assert.equal(
    shown.result!.tests[0]!.detail,
    undefined,
    "a problem's checker failure detail is operator-only",
  );
});

test('an operator sees the stored record unchanged', () => {
  const record = judged();
  assert.equal(visibleSubmission(record, 'operator'), record);
});

test("an ad-hoc submission's author reads why their own checker failed", () => {
  const shown = visibleSubmission(judged({}, null), 'student');
  assert.equal(shown.result!.tests[0]!.detail, 'why');
});

test('feedback verdicts shows every test by verdict only; score shows no test list', () => {
  const verdicts = visibleSubmission(judged({ feedback: 'verdicts' }), 'student');
  assert.equal(verdicts.result!.tests[0]!.stdout, undefined);
  assert.equal(verdicts.result!.tests[0]!.memoryKb, undefined);
  const score = visibleSubmission(judged({ feedback: 'score' }), 'student');
  assert.deepEqual(score.result!.tests, []);
  assert.equal(score.result!.score, 1);
  assert.equal(score.result!.run, undefined);
});

test("a problem's hidden tests and custom checker source are operator-only", () => {
  const problem = {
    id: 'p',
    title: 'P',
    tests: [{ stdin: SECRET, expected: SECRET, hidden: true }],
    checker: { type: 'custom' as const, language: 'python3', source: SECRET },
    createdAt: 0,
    updatedAt: 0,
  };
  const student: Caller = { keyId: 'k', role: 'user', priority: 1 };
  assert.ok(!JSON.stringify(visibleProblem(problem, student)).includes(SECRET));
  const admin: Caller = { keyId: null, role: 'admin', priority: 1 };
  assert.equal(visibleProblem(problem, admin), problem);
});

test('group results keep their verdicts while tests show verdicts, and lose them under score', () => {
  const groups = [
    { id: 'small', points: 30, score: 30, status: 'accepted' as const },
    { id: 'large', points: 70, score: 0, status: 'wrong_answer' as const },
  ];
  const record = judged();
  record.result!.groups = groups;
  record.result!.tests[1]!.group = 'large';
  record.result!.tests[1]!.fraction = 0.5;
  for (const feedback of ['full', 'verdicts'] as const) {
    const shown = visibleSubmission({ ...record, request: { ...record.request, feedback } }, 'student');
    assert.deepEqual(shown.result!.groups, groups, feedback);
    // A hidden test keeps its group and its share of points (its score), nothing of its data.
    assert.equal(shown.result!.tests[1]!.group, 'large');
    assert.equal(shown.result!.tests[1]!.fraction, 0.5);
    assert.ok(!JSON.stringify(shown).includes(SECRET), JSON.stringify(shown));
  }
  const score = visibleSubmission(
    { ...record, request: { ...record.request, feedback: 'score' } },
    'student',
  );
  assert.deepEqual(score.result!.groups, [
    { id: 'small', points: 30, score: 30 },
    { id: 'large', points: 70, score: 0 },
  ]);
  assert.deepEqual(score.result!.tests, []);
  assert.equal(visibleSubmission(record, 'operator').result!.groups, groups);
});

test("a problem's hidden test shows its group, not its data", () => {
  const problem = {
    id: 'p',
    title: 'P',
    tests: [{ stdin: SECRET, expected: SECRET, hidden: true, group: 'g1' }],
    groups: [{ id: 'g1', points: 10 }],
    createdAt: 0,
    updatedAt: 0,
  };
  const student: Caller = { keyId: 'k', role: 'user', priority: 1 };
  const shown = visibleProblem(problem, student);
  assert.deepEqual(shown.tests, [{ hidden: true, weight: 1, group: 'g1' }]);
  assert.deepEqual(shown.groups, problem.groups);
});

test("a problem's reference solutions, checker files and verification details are operator-only", () => {
  const problem = {
    id: 'p',
    title: 'P',
    tests: [{ stdin: '1', expected: '1' }],
    checker: {
      type: 'custom' as const,
      language: 'cpp',
      source: SECRET,
      protocol: 'kattis' as const,
      files: [{ name: 'testlib.h', content: SECRET }],
    },
    solutions: [
      { name: 'accepted/a.py', language: 'python3', source: SECRET, expected: 'accepted' as const },
    ],
    verification: {
      state: 'failed' as const,
      runId: 'r',
      startedAt: 1,
      finishedAt: 2,
      results: [{ name: `accepted/${SECRET}.py`, expected: 'accepted' as const, passed: false }],
    },
    createdAt: 0,
    updatedAt: 0,
  };
  const student: Caller = { keyId: 'k', role: 'user', priority: 1 };
  const shown = visibleProblem(problem, student);
  assert.ok(!JSON.stringify(shown).includes(SECRET));
  assert.equal(shown.verification?.state, 'failed');
  assert.equal(visibleProblem(problem, { keyId: null, role: 'admin', priority: 1 }), problem);
});
