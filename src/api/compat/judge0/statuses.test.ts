import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JUDGE0_STATUSES, judge0Status, runtimeErrorStatus } from './statuses.js';

test('the fourteen statuses have Judge0 ids 1-14 in order', () => {
  assert.deepEqual(
    JUDGE0_STATUSES.map((s) => s.id),
    Array.from({ length: 14 }, (_, i) => i + 1),
  );
  assert.equal(judge0Status(11).description, 'Runtime Error (NZEC)');
  assert.throws(() => judge0Status(15));
});

test('a runtime error is classed by its signal, else by its exit code', () => {
  assert.equal(runtimeErrorStatus(11, null), 7);
  assert.equal(runtimeErrorStatus(25, null), 8);
  assert.equal(runtimeErrorStatus(8, null), 9);
  assert.equal(runtimeErrorStatus(6, null), 10);
  assert.equal(runtimeErrorStatus(null, 1), 11);
  assert.equal(runtimeErrorStatus(9, null), 12);
  assert.equal(runtimeErrorStatus(15, null), 12);
  assert.equal(runtimeErrorStatus(15, 0), 12);
});
