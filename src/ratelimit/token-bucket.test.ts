import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { isFull, take, type BucketState } from './token-bucket.js';

test('a new bucket starts full and each take spends one token', () => {
  const first = take(undefined, 1_000, 5, 10);
  assert.deepEqual(first, {
    state: { tokens: 9, updatedMs: 1_000 },
    allowed: true,
    remaining: 9,
    resetMs: 200,
    retryAfterMs: 0,
  });
  const second = take(first.state, 1_000, 5, 10);
  assert.equal(second.remaining, 8);
  assert.equal(second.resetMs, 400);
});

test('the burst is spent, then requests are refused with the exact wait for one token', () => {
  let state: BucketState | undefined;
  for (let i = 0; i < 10; i += 1) {
    const result = take(state, 0, 5, 10);
    assert.equal(result.allowed, true, `request ${i + 1} of the burst`);
    state = result.state;
  }
  const refused = take(state, 0, 5, 10);
  assert.equal(refused.allowed, false);
  assert.equal(refused.remaining, 0);
  assert.equal(refused.retryAfterMs, 200);
  assert.equal(refused.resetMs, 2_000);
  // A refusal spends nothing.
  assert.deepEqual(refused.state, state);
});

test('tokens refill with time, and a retry exactly retryAfterMs later is allowed', () => {
  const empty: BucketState = { tokens: 0, updatedMs: 0 };
  const early = take(empty, 30, 10, 20);
  assert.equal(early.allowed, false);
  assert.equal(early.retryAfterMs, 70);
  assert.equal(take(empty, 99, 10, 20).allowed, false);
  assert.equal(take(empty, 100, 10, 20).allowed, true);
  const later = take(empty, 1_050, 10, 20);
  assert.equal(later.allowed, true);
  assert.equal(later.state.tokens, 9.5);
  assert.equal(later.remaining, 9);
  assert.equal(later.resetMs, 1_050);
  // Odd rates: the reported wait is always enough and never a whole millisecond too long.
  for (const rate of [3, 7, 0.3, 13.7]) {
    for (const atMs of [1, 17, 50]) {
      const refused = take(empty, atMs, rate, 4);
      assert.equal(refused.allowed, false);
      assert.equal(
        take(empty, atMs + refused.retryAfterMs, rate, 4).allowed,
        true,
        `rate ${rate} at ${atMs}`,
      );
      assert.equal(take(empty, atMs + refused.retryAfterMs - 1, rate, 4).allowed, false);
    }
  }
});

test('refill stops at the burst', () => {
  const result = take({ tokens: 0, updatedMs: 0 }, 3_600_000, 5, 10);
  assert.equal(result.state.tokens, 9);
  assert.equal(result.remaining, 9);
  // A bucket holding more than a lowered burst is cut down to it.
  assert.equal(take({ tokens: 50, updatedMs: 0 }, 0, 1, 3).state.tokens, 2);
});

test('a cost above one spends that many tokens and waits for all of them', () => {
  const spent = take(undefined, 0, 2, 10, 4);
  assert.equal(spent.allowed, true);
  assert.equal(spent.remaining, 6);
  assert.equal(spent.resetMs, 2_000);
  const refused = take({ tokens: 1, updatedMs: 0 }, 0, 2, 10, 4);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterMs, 1_500);
  assert.equal(take(refused.state, 1_500, 2, 10, 4).allowed, true);
});

test('a cost above the burst passes only from a full bucket and leaves it in debt', () => {
  const refused = take({ tokens: 9, updatedMs: 0 }, 0, 5, 10, 25);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterMs, 200, 'waits for a full bucket, not for 25 tokens');
  const allowed = take(undefined, 0, 5, 10, 25);
  assert.equal(allowed.allowed, true);
  assert.equal(allowed.state.tokens, -15);
  assert.equal(allowed.remaining, 0);
  assert.equal(allowed.resetMs, 5_000);
  const next = take(allowed.state, 0, 5, 10);
  assert.equal(next.allowed, false);
  assert.equal(next.retryAfterMs, 3_200);
});

test('a cost of zero only looks', () => {
  const peek = take({ tokens: 0.5, updatedMs: 0 }, 0, 1, 2, 0);
  assert.equal(peek.allowed, true);
  assert.equal(peek.state.tokens, 0.5);
});

test('a clock that steps back adds no tokens and does not rewind the state', () => {
  const result = take({ tokens: 0, updatedMs: 10_000 }, 5_000, 1, 5);
  assert.equal(result.allowed, false);
  assert.equal(result.state.updatedMs, 10_000);
  assert.equal(result.retryAfterMs, 1_000);
});

test('isFull says whether a bucket has refilled', () => {
  const state: BucketState = { tokens: 8, updatedMs: 0 };
  assert.equal(isFull(state, 399, 5, 10), false);
  assert.equal(isFull(state, 400, 5, 10), true);
  assert.equal(isFull({ tokens: 12, updatedMs: 0 }, 0, 5, 10), true);
});

test('impossible arguments are refused naming the argument', () => {
  const cases: [string, () => unknown][] = [
    ['ratePerSec', () => take(undefined, 0, 0, 10)],
    ['ratePerSec', () => take(undefined, 0, Number.NaN, 10)],
    ['burst', () => take(undefined, 0, 1, -1)],
    ['burst', () => take(undefined, 0, 1, Infinity)],
    ['cost', () => take(undefined, 0, 1, 2, -1)],
    ['nowMs', () => take(undefined, Number.NaN, 1, 2)],
  ];
  for (const [name, call] of cases) {
    assert.throws(call, (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name));
  }
});
