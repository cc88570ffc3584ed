import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Submission } from '../../packages/client/src/index.js';
import { firstFailure, statusRows } from './submit-format.js';

const judged: Submission = {
  id: 'sub-1',
  status: 'wrong_answer',
  language: 'cpp',
  version: '12.2.0',
  problemId: 'subtasks',
  user: 'student-7',
  tests: [
    { status: 'accepted', cpuMs: 1, wallMs: 2, weight: 1, group: 'samples' },
    { status: 'wrong_answer', cpuMs: 1, wallMs: 2, weight: 1, group: 'small' },
    { status: 'skipped', cpuMs: 0, wallMs: 0, weight: 1, group: 'large' },
  ],
  groups: [
    { id: 'samples', points: 0, score: 0, status: 'accepted' },
    { id: 'small', points: 40, score: 0, status: 'wrong_answer' },
    { id: 'large', points: 60, score: 0, status: 'skipped' },
  ],
  score: 0,
  maxScore: 100,
  attempts: 1,
  queueMs: 5,
  createdAt: '2026-12-05T10:00:00.000Z',
  startedAt: '2026-12-05T10:00:00.005Z',
  finishedAt: '2026-12-05T10:00:01.005Z',
};

test('arbiter status shows who a submission is for, skipped tests and each group of a problem', () => {
  const rows = new Map(statusRows(judged).map(([label, value]) => [label, value]));
  assert.equal(rows.get('user'), 'student-7');
  assert.equal(rows.get('tests'), '1/3 passed (1 skipped) · score 0/100');
  assert.equal(rows.get('group samples'), '0/0 · accepted');
  assert.equal(rows.get('group small'), '0/40 · wrong_answer');
  assert.equal(rows.get('group large'), '0/60 · skipped');
});

test('arbiter status shows the first visible difference of a wrong answer', () => {
  const withDiff: Submission = {
    ...judged,
    tests: [
      judged.tests[0]!,
      { ...judged.tests[1]!, diff: { line: 3, from: 1, expected: ['1', '2', '3'], actual: ['1', '2'] } },
    ],
  };
  const rows = new Map(statusRows(withDiff).map(([label, value]) => [label, value]));
  assert.equal(rows.get('diff'), 'test 2, line 3: expected "3", got nothing (it ended)');
  assert.ok(!statusRows(judged).some(([label]) => label === 'diff'));
});

test('a plain run has no user, test or group rows', () => {
  const plain: Submission = { ...judged, tests: [], score: null, maxScore: null };
  delete plain.user;
  delete plain.groups;
  const labels = statusRows(plain).map(([label]) => label);
  assert.ok(!labels.some((l) => l === 'user' || l === 'tests' || l!.startsWith('group ')), labels.join(', '));
});

test("arbiter status names the first failed test with the interactor's or checker's message", () => {
  const interactive: Submission = {
    ...judged,
    tests: [
      { status: 'accepted', cpuMs: 1, wallMs: 2, weight: 1, name: 'sample' },
      {
        status: 'wrong_answer',
        cpuMs: 1,
        wallMs: 2,
        weight: 1,
        name: 'far',
        fraction: 0.5,
        message: 'found in 14 guesses',
      },
      { status: 'time_limit_exceeded', cpuMs: 1, wallMs: 2, weight: 1, hidden: true },
    ],
  };
  const rows = new Map(statusRows(interactive).map(([label, value]) => [label, value]));
  assert.equal(
    rows.get('first failed'),
    'test 2 (far): wrong_answer · 0.5 of its points · found in 14 guesses',
  );
  // Skipped tests were not judged: they never are the first failure.
  assert.equal(firstFailure(judged), 'test 2: wrong_answer');
  const passed: Submission = { ...judged, tests: [judged.tests[0]!, judged.tests[2]!] };
  assert.equal(firstFailure(passed), undefined);
  assert.ok(!statusRows(passed).some(([label]) => label === 'first failed'));
});
