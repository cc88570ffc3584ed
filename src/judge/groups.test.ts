import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArbiterError } from '../errors.js';
import { GroupProgress, judgingOrder, parseGroups, scoreGroups } from './groups.js';
import type { TestCase, TestGroup, TestResult } from './types.js';

const inGroups = (...groups: string[]): TestCase[] => groups.map((group) => ({ expected: '', group }));

function refused(groups: unknown, tests: TestCase[], pattern: RegExp): void {
  assert.throws(
    () => parseGroups(groups, tests),
    (error: unknown) =>
      error instanceof ArbiterError && error.code === 'ARB_ERR_INPUT_INVALID' && pattern.test(error.message),
  );
}

describe('parseGroups', () => {
  test('accepts groups with points, aggregation and dependencies, and none at all', () => {
    const groups = [
      { id: 'a', points: 30, aggregation: 'min' },
      { id: 'b', points: 70, aggregation: 'sum', dependsOn: ['a', 'a'] },
    ];
    assert.deepEqual(parseGroups(groups, inGroups('a', 'b', 'b')), [
      { id: 'a', points: 30, aggregation: 'min' },
      { id: 'b', points: 70, aggregation: 'sum', dependsOn: ['a'] },
    ]);
    assert.equal(parseGroups(undefined, [{ expected: '1' }]), undefined);
  });

  test('refuses each malformed definition naming the field', () => {
    const tests = inGroups('a');
    refused({}, tests, /groups must be an array/);
    refused([], tests, /groups is empty/);
    refused([{ id: 'a', points: '10' }], tests, /groups\[0\]\.points must be a finite number >= 0; got "10"/);
    refused([{ id: 'a', points: -1 }], tests, /groups\[0\]\.points/);
    refused([{ id: 'a' }], tests, /groups\[0\]\.points .* got nothing/);
    refused([{ id: 'a b', points: 1 }], tests, /groups\[0\]\.id must be/);
    refused(
      [{ id: 'a', points: 1, aggregation: 'max' }],
      tests,
      /aggregation must be one of sum, min, product/,
    );
    refused([{ id: 'a', points: 1, weight: 2 }], tests, /groups\[0\]\.weight is not a group field/);
    refused(
      [
        { id: 'a', points: 1 },
        { id: 'a', points: 1 },
      ],
      tests,
      /groups\[1\]\.id "a" is used/,
    );
    refused([{ id: 'a', points: 1, dependsOn: ['z'] }], tests, /dependsOn names "z", which is not a group/);
    refused([{ id: 'a', points: 1, dependsOn: ['a'] }], tests, /\(a\) depends on itself/);
    refused([{ id: 'a', points: 1, dependsOn: 'b' }], tests, /dependsOn must be an array/);
    refused(
      Array.from({ length: 101 }, (_, i) => ({ id: `g${i}`, points: 1 })),
      tests,
      /at most 100/,
    );
  });

  test('refuses a cycle of dependencies, naming it', () => {
    const groups = [
      { id: 'a', points: 1, dependsOn: ['c'] },
      { id: 'b', points: 1, dependsOn: ['a'] },
      { id: 'c', points: 1, dependsOn: ['b'] },
    ];
    refused(groups, inGroups('a', 'b', 'c'), /cycle: a → c → b → a/);
  });

  test('refuses tests outside the groups, and groups without tests', () => {
    const groups = [
      { id: 'a', points: 1 },
      { id: 'b', points: 1 },
    ];
    refused(groups, [{ group: 'a' }, { group: 'b' }, {}], /tests\[2\] is in no group/);
    refused(groups, inGroups('a', 'b', 'c'), /tests\[2\]\.group is "c", which is not a group/);
    refused(groups, inGroups('a'), /groups\[1\] \(b\) has no tests/);
    refused(undefined, inGroups('a'), /tests\[0\]\.group is set, but the problem has no groups/);
    refused([{ id: 'a', points: 5 }], [{ group: 'a', weight: 0 }], /all weigh 0/);
  });
});

describe('judging order and skipping', () => {
  const groups: TestGroup[] = [
    { id: 'late', points: 10, aggregation: 'min', dependsOn: ['early'] },
    { id: 'early', points: 10, aggregation: 'min' },
  ];
  const tests = inGroups('late', 'early', 'late', 'early');

  test('a group runs after the groups it depends on, its tests in order', () => {
    assert.deepEqual(judgingOrder(groups, tests), [1, 3, 0, 2]);
  });

  test('a min group stops at its first zero; its dependants are skipped', () => {
    const progress = new GroupProgress(groups, tests);
    assert.equal(progress.shouldJudge(1), true);
    progress.record(1, 0);
    assert.equal(progress.shouldJudge(3), false, 'the rest of a failed min group');
    assert.equal(progress.shouldJudge(0), false, 'a group depending on a failed one');
  });

  test('a sum group goes on after a failure; a partial share still blocks dependants', () => {
    const sum: TestGroup[] = [
      { id: 'early', points: 10 },
      { id: 'late', points: 10, dependsOn: ['early'] },
    ];
    const progress = new GroupProgress(sum, tests);
    progress.record(1, 0.5);
    assert.equal(progress.shouldJudge(3), true);
    assert.equal(progress.shouldJudge(0), false);
  });
});

describe('scoreGroups', () => {
  const result = (status: TestResult['status'], fraction?: number): TestResult => ({
    status,
    cpuMs: 1,
    wallMs: 1,
    weight: 1,
    ...(fraction === undefined ? {} : { fraction }),
  });

  test('sum shares points by weight, min takes the least, product multiplies', () => {
    const groups: TestGroup[] = [
      { id: 's', points: 30 },
      { id: 'm', points: 20, aggregation: 'min' },
      { id: 'p', points: 40, aggregation: 'product' },
    ];
    const tests: TestCase[] = [
      { group: 's', weight: 2 },
      { group: 's', weight: 1 },
      { group: 'm' },
      { group: 'm' },
      { group: 'p' },
      { group: 'p' },
    ];
    const scored = scoreGroups(groups, tests, [
      result('accepted'),
      result('wrong_answer'),
      result('accepted'),
      result('wrong_answer', 0.5),
      result('wrong_answer', 0.5),
      result('wrong_answer', 0.5),
    ]);
    assert.deepEqual(scored.groups, [
      { id: 's', points: 30, score: 20, status: 'wrong_answer' },
      { id: 'm', points: 20, score: 10, status: 'wrong_answer' },
      { id: 'p', points: 40, score: 10, status: 'wrong_answer' },
    ]);
    assert.equal(scored.score, 40);
    assert.equal(scored.maxScore, 90);
  });

  test('a group whose dependency did not pass scores 0 and is skipped, even with tests passed', () => {
    const groups: TestGroup[] = [
      { id: 'a', points: 10, aggregation: 'min' },
      { id: 'b', points: 20, aggregation: 'min', dependsOn: ['a'] },
      { id: 'c', points: 5 },
    ];
    const tests = inGroups('a', 'b', 'c');
    const scored = scoreGroups(groups, tests, [
      result('time_limit_exceeded'),
      result('accepted'),
      result('accepted'),
    ]);
    assert.deepEqual(scored.groups, [
      { id: 'a', points: 10, score: 0, status: 'time_limit_exceeded' },
      { id: 'b', points: 20, score: 0, status: 'skipped' },
      { id: 'c', points: 5, score: 5, status: 'accepted' },
    ]);
    assert.equal(scored.score, 5);
  });
});
