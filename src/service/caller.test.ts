import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestResult } from '../judge/types.js';
import { DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import type { SubmissionRecord } from '../store/types.js';
import { aSubmissionRecord } from '../../test/helpers/submission.js';
import { followScope, visibleProblem, visibleSubmission, type Caller } from './caller.js';

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
  return aSubmissionRecord({
    id: 's',
    status: 'wrong_answer',
    keyId: 'k',
    submitter: 'key:k',
    language: 'c',
    version: '12',
    problemId,
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
  });
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

test("an interactive test's transcript and the interactor's source are operator-only, on visible tests too", () => {
  const record = judged({ checker: undefined, interactor: { language: 'python3', source: SECRET } });
  for (const test of record.result!.tests) {
    test.transcript = { toInteractor: SECRET, toProgram: SECRET, truncated: true };
  }
  const shown = visibleSubmission(record, 'student');
  assert.ok(!JSON.stringify(shown).includes(SECRET), JSON.stringify(shown));
  assert.equal(shown.result!.tests[0]!.transcript, undefined);
  assert.equal(shown.result!.tests[0]!.stdout, 'hi', 'the rest of a visible test stays');
  assert.deepEqual(shown.request.interactor, { language: 'python3' });
  // An ad-hoc record with a transcript (none is made today) keeps it hidden all the same.
  const adHoc = judged({ checker: undefined }, null);
  adHoc.result!.tests[0]!.transcript = { toInteractor: SECRET, toProgram: '' };
  assert.ok(!JSON.stringify(visibleSubmission(adHoc, 'student')).includes(SECRET));
  assert.equal(visibleSubmission(record, 'operator').result!.tests[0]!.transcript!.toProgram, SECRET);

  const problem = {
    id: 'p',
    title: 'P',
    tests: [{ stdin: '5' }],
    interactor: { language: 'python3', source: SECRET },
    createdAt: 0,
    updatedAt: 0,
  };
  const student: Caller = { keyId: 'k', role: 'user', priority: 1 };
  assert.deepEqual(visibleProblem(problem, student).interactor, { language: 'python3' });
});

test('a diff is shown with a visible test under full feedback, never under verdicts or score, never on a hidden test', () => {
  const diff = { line: 1, from: 1, expected: ['hi'], actual: ['ho'] };
  const record = judged();
  record.result!.tests[0] = { ...record.result!.tests[0]!, status: 'wrong_answer', diff };
  delete record.result!.run; // the fixture's run is the hidden test's
  // A hidden test never gets one from the judge; were one stored, it would not reach a student.
  record.result!.tests[1]!.diff = { line: 1, from: 1, expected: [SECRET], actual: [SECRET] };
  const full = visibleSubmission(record, 'student');
  assert.deepEqual(full.result!.tests[0]!.diff, diff);
  assert.equal(full.result!.tests[1]!.diff, undefined);
  assert.ok(!JSON.stringify(full).includes(SECRET), JSON.stringify(full));
  for (const feedback of ['verdicts', 'score'] as const) {
    const shown = visibleSubmission({ ...record, request: { ...record.request, feedback } }, 'student');
    assert.ok(
      shown.result!.tests.every((t) => t.diff === undefined),
      feedback,
    );
    assert.ok(!JSON.stringify(shown).includes('"ho"'), feedback);
  }
  assert.deepEqual(visibleSubmission(record, 'operator').result!.tests[0]!.diff, diff);
});

test("a problem's files are operator-only unless marked visible; a submission shows none of them", () => {
  const problem = {
    id: 'p',
    title: 'P',
    tests: [{ expected: '3' }],
    files: [
      { name: 'data.txt', content: SECRET },
      { name: 'api.h', content: 'int add(int, int);', visible: true },
    ],
    graders: {
      cpp: {
        files: [
          { name: 'grader.cpp', content: SECRET },
          { name: 'add.h', content: 'int add(int,int);', visible: true },
        ],
      },
      python3: {
        files: [{ name: 'grader.py', content: SECRET }],
        entry: 'grader.py',
        sourceFile: 'solution.py',
      },
    },
    createdAt: 0,
    updatedAt: 0,
  };
  const student: Caller = { keyId: 'k', role: 'user', priority: 1 };
  const shown = visibleProblem(problem, student);
  assert.ok(!JSON.stringify(shown).includes(SECRET), JSON.stringify(shown));
  assert.deepEqual(shown.files, [problem.files[1]]);
  assert.deepEqual(shown.graders, {
    cpp: { files: [problem.graders.cpp.files[1]] },
    python3: { files: [], entry: 'grader.py', sourceFile: 'solution.py' },
  });
  const admin: Caller = { keyId: null, role: 'admin', priority: 1 };
  assert.equal(visibleProblem(problem, admin), problem);
  const submission = judged({ problemFiles: [{ name: 'data.txt', content: SECRET }] });
  assert.equal(visibleSubmission(submission, 'student').request.problemFiles, undefined);
  assert.deepEqual(visibleSubmission(submission, 'operator').request.problemFiles, [
    { name: 'data.txt', content: SECRET },
  ]);
});

test('following "all": an admin every submission, a key its own, a caller without a key nothing', () => {
  assert.deepEqual(followScope({ keyId: null, role: 'admin', priority: 1 }), { all: true });
  assert.deepEqual(followScope({ keyId: 'k2', role: 'admin', priority: 1 }), { all: true });
  assert.deepEqual(followScope({ keyId: 'k', role: 'user', priority: 1 }), { keyId: 'k' });
  assert.equal(followScope({ keyId: null, role: 'anonymous', priority: 1, identity: 'anon:1.2.3.4' }), null);
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
