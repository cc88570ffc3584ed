import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArbiterError, isArbiterError } from './errors.js';
import { withTimeout } from './timeout.js';

const late = (ms: number): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('late'), ms));

test('withTimeout passes on what settles in time, value or error', async () => {
  assert.equal(
    await withTimeout(Promise.resolve('on time'), 1_000, () => new ArbiterError('INTERNAL', 'x')),
    'on time',
  );
  await assert.rejects(
    withTimeout(Promise.reject(new Error('own failure')), 1_000, () => new ArbiterError('INTERNAL', 'x')),
    /own failure/,
  );
});

test('withTimeout rejects with the error made when the time is up', async () => {
  let made = 0;
  await assert.rejects(
    withTimeout(late(5_000), 10, () => {
      made++;
      return new ArbiterError('DEPENDENCY_UNAVAILABLE', 'no answer within 10 ms');
    }),
    (error) => isArbiterError(error, 'DEPENDENCY_UNAVAILABLE') && /10 ms/.test(error.message),
  );
  assert.equal(made, 1);
});
