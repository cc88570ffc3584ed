import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.js';

test('the jitter ceiling doubles per attempt up to the maximum', () => {
  const top = () => 0.999999;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelayMs(attempt, 1_000, 30_000, top)),
    [999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999],
  );
  assert.equal(
    backoffDelayMs(3, 1_000, 30_000, () => 0.5),
    2_000,
  );
  assert.equal(
    backoffDelayMs(3, 1_000, 30_000, () => 0),
    0,
  );
  assert.equal(
    backoffDelayMs(200, 1_000, 30_000, () => 0.5),
    15_000,
    'no overflow for late attempts',
  );
});

test('with Math.random the delay stays within [0, ceiling)', () => {
  for (let i = 0; i < 200; i += 1) {
    const delay = backoffDelayMs(2, 100, 1_000);
    assert.ok(delay >= 0 && delay < 200, String(delay));
  }
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfterMs('120', now), 120_000);
  assert.equal(parseRetryAfterMs(' 0 ', now), 0);
  assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
  assert.equal(parseRetryAfterMs(undefined, now), undefined);
  assert.equal(parseRetryAfterMs(null, now), undefined);
  assert.equal(parseRetryAfterMs('soon', now), undefined);
  assert.equal(parseRetryAfterMs('-5', now), undefined);
  assert.equal(parseRetryAfterMs('1.5', now), undefined);
});
