import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { DEFAULT_MEMORY_RATE_LIMITER_OPTIONS, MemoryRateLimiter } from './memory-rate-limiter.js';

const LIMIT = { ratePerSec: 2, burst: 4 };

/** A clock the test moves by hand, and a limiter that runs no sweep timer. */
function setup(options: { maxKeys?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const limiter = new MemoryRateLimiter({ now: () => clock.ms, sweepIntervalMs: 0, ...options });
  return { clock, limiter };
}

test('the burst passes, the next request is refused with Retry-After and rate-limit figures', async () => {
  const { limiter } = setup();
  for (let i = 0; i < LIMIT.burst; i += 1) {
    const decision = await limiter.consume('key-a', LIMIT);
    assert.equal(decision.allowed, true);
    assert.equal(decision.remaining, LIMIT.burst - 1 - i);
  }
  assert.deepEqual(await limiter.consume('key-a', LIMIT), {
    allowed: false,
    limit: 4,
    remaining: 0,
    resetSeconds: 2,
    retryAfterSeconds: 1,
  });
  await limiter.close();
});

test('retryAfterSeconds is rounded up and never 0 on a refusal', async () => {
  const { clock, limiter } = setup();
  const slow = { ratePerSec: 0.25, burst: 1 };
  assert.equal((await limiter.consume('slow', slow)).allowed, true);
  const refused = await limiter.consume('slow', slow);
  assert.equal(refused.retryAfterSeconds, 4);
  assert.equal(refused.resetSeconds, 4);
  clock.ms += 3_999;
  const almost = await limiter.consume('slow', slow);
  assert.equal(almost.allowed, false);
  assert.equal(almost.retryAfterSeconds, 1, 'a 1 ms wait still says 1 second');
  await limiter.close();
});

test('keys are independent', async () => {
  const { limiter } = setup();
  const tight = { ratePerSec: 1, burst: 1 };
  assert.equal((await limiter.consume('alice', tight)).allowed, true);
  assert.equal((await limiter.consume('alice', tight)).allowed, false);
  assert.equal((await limiter.consume('bob', tight)).allowed, true);
  assert.equal((await limiter.consume('alice', tight)).allowed, false);
  await limiter.close();
});

test('a refused key recovers as time passes, at the refill rate', async () => {
  const { clock, limiter } = setup();
  for (let i = 0; i < LIMIT.burst; i += 1) await limiter.consume('k', LIMIT);
  assert.equal((await limiter.consume('k', LIMIT)).allowed, false);
  clock.ms += 499;
  assert.equal((await limiter.consume('k', LIMIT)).allowed, false);
  clock.ms += 1;
  const recovered = await limiter.consume('k', LIMIT);
  assert.equal(recovered.allowed, true);
  assert.equal(recovered.remaining, 0);
  clock.ms += 10_000;
  assert.equal((await limiter.consume('k', LIMIT)).remaining, LIMIT.burst - 1);
  await limiter.close();
});

test('cost is charged in full', async () => {
  const { limiter } = setup();
  const batch = await limiter.consume('k', { ratePerSec: 5, burst: 10 }, 7);
  assert.equal(batch.remaining, 3);
  const refused = await limiter.consume('k', { ratePerSec: 5, burst: 10 }, 7);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 1);
  await limiter.close();
});

test('the sweep drops full buckets only, and dropping them changes no answer', async () => {
  const { clock, limiter } = setup();
  await limiter.consume('idle', LIMIT);
  for (let i = 0; i < LIMIT.burst; i += 1) await limiter.consume('busy', LIMIT);
  clock.ms += 500; // 'idle' is full again; 'busy' has 1 of 4 tokens
  assert.equal(limiter.sweep(), 1);
  assert.equal(limiter.size, 1);
  const busy = await limiter.consume('busy', LIMIT);
  assert.equal(busy.allowed, true);
  assert.equal(busy.remaining, 0, 'the busy bucket was kept, not reset');
  assert.equal((await limiter.consume('idle', LIMIT)).remaining, LIMIT.burst - 1);
  await limiter.close();
});

test('the cap evicts the least recently used key', async () => {
  const { limiter } = setup({ maxKeys: 2 });
  const tight = { ratePerSec: 0.001, burst: 1 };
  await limiter.consume('a', tight);
  await limiter.consume('b', tight);
  await limiter.consume('a', tight); // refused, but touches 'a': 'b' is now the oldest
  await limiter.consume('c', tight);
  assert.equal(limiter.size, 2);
  assert.equal((await limiter.consume('a', tight)).allowed, false, "'a' kept its empty bucket");
  assert.equal((await limiter.consume('c', tight)).allowed, false, "'c' kept its empty bucket");
  // 'b' was evicted when 'c' arrived, so it starts over (evicting 'a', the oldest now).
  assert.equal((await limiter.consume('b', tight)).allowed, true);
  assert.equal(limiter.size, 2);
  await limiter.close();
});

test('the default cap is 100,000 keys', () => {
  assert.equal(DEFAULT_MEMORY_RATE_LIMITER_OPTIONS.maxKeys, 100_000);
});

test('the sweep timer runs on its own', async () => {
  const clock = { ms: 0 };
  const limiter = new MemoryRateLimiter({ now: () => clock.ms, sweepIntervalMs: 5 });
  await limiter.consume('k', LIMIT);
  clock.ms += 10_000;
  const deadline = Date.now() + 2_000;
  while (limiter.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(limiter.size, 0);
  await limiter.close();
});

test('after close, consume rejects with RATE_LIMITER_CLOSED', async () => {
  const { limiter } = setup();
  await limiter.consume('k', LIMIT);
  await limiter.close();
  await assert.rejects(limiter.consume('k', LIMIT), (error) => isArbiterError(error, 'RATE_LIMITER_CLOSED'));
  assert.equal(limiter.size, 0);
});

test('bad options and limits are refused naming the key', async () => {
  assert.throws(
    () => new MemoryRateLimiter({ maxKeys: 0 }),
    (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes('maxKeys'),
  );
  assert.throws(
    () => new MemoryRateLimiter({ sweepIntervalMs: -1 }),
    (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes('sweepIntervalMs'),
  );
  const { limiter } = setup();
  await assert.rejects(
    limiter.consume('k', { ratePerSec: 0, burst: 1 }),
    (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes('ratePerSec'),
  );
  assert.equal(limiter.size, 0, 'a refused call stores nothing');
  await limiter.close();
});
