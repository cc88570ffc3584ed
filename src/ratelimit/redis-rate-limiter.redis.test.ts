// Redis-specific behaviour of the Redis rate limiter (the shared contract is in
// test/contract/redis.contract.test.ts). Needs the Redis on 127.0.0.1:6379 this machine runs and
// fails loudly, never skips, when it is missing. Each run uses its own key prefix and deletes its
// keys afterwards.
import assert from 'node:assert/strict';
import { eventually } from '../../test/helpers/eventually.js';
import { useTestRedis } from '../../test/helpers/redis.js';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { isArbiterError } from '../errors.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
import { take } from './token-bucket.js';

const { redis, connect, newPrefix, unreachableClient } = await useTestRedis();
const prefix = newPrefix('rl');

let n = 0;
const uniqueKey = () => `key-${++n}`;

function limiter(options: Partial<RedisRateLimiterOptions> = {}): RedisRateLimiter {
  return new RedisRateLimiter({ redis, keyPrefix: prefix, ...options });
}

test('a bucket key lives until the bucket would be full again, and a full bucket leaves no key', async () => {
  const clock = { ms: 1_700_000_000_000 };
  const rl = limiter({ now: () => clock.ms });
  const limit = { ratePerSec: 2, burst: 4 };
  const key = uniqueKey();
  await rl.consume(key, limit);
  const oneToken = await redis.pttl(prefix + key);
  assert.ok(oneToken > 0 && oneToken <= 500, `one token at 2/s refills in 500 ms; PTTL ${oneToken}`);
  assert.deepEqual(await redis.hgetall(prefix + key), { tokens: '3', updatedMs: String(clock.ms) });
  for (let i = 0; i < 3; i++) await rl.consume(key, limit);
  const empty = await redis.pttl(prefix + key);
  assert.ok(empty > 1_500 && empty <= 2_000, `an empty bucket refills in 2 s; PTTL ${empty}`);

  clock.ms += 2_000;
  assert.equal((await rl.consume(key, limit, 0)).remaining, 4);
  assert.equal(await redis.exists(prefix + key), 0, 'a bucket that is full again is deleted');
  const fresh = uniqueKey();
  assert.equal((await rl.consume(fresh, limit, 0)).allowed, true);
  assert.equal(await redis.exists(prefix + fresh), 0, 'a zero-cost look at a fresh bucket stores nothing');
  await rl.close();
});

test('an idle key really vanishes, and the bucket then answers as a fresh one', async () => {
  const rl = limiter();
  // Refills in 1 s: long enough that the key is surely still there when it is first looked at on a
  // loaded machine (at 20 ms it once expired before the check), short enough to wait for.
  const limit = { ratePerSec: 1, burst: 1 };
  const key = uniqueKey();
  assert.equal((await rl.consume(key, limit)).allowed, true);
  assert.equal(await redis.exists(prefix + key), 1);
  assert.ok(await eventually(async () => (await redis.exists(prefix + key)) === 0, 10_000), 'key expired');
  assert.equal((await rl.consume(key, limit)).remaining, 0, 'the fresh bucket had its one token');
  await rl.close();
});

test('maxIdleMs caps the time a slow bucket is kept', async () => {
  const rl = limiter({ maxIdleMs: 5_000 });
  const key = uniqueKey();
  await rl.consume(key, { ratePerSec: 0.001, burst: 1 }); // would refill in 1,000 s
  const ttl = await redis.pttl(prefix + key);
  assert.ok(ttl > 0 && ttl <= 5_000, `PTTL ${ttl}`);
  await rl.close();
});

test('a clock that steps back counts as no time passing, and the key lives until the bucket is full', async () => {
  const clock = { ms: 1_700_000_000_000 };
  const rl = limiter({ now: () => clock.ms });
  const limit = { ratePerSec: 0.01, burst: 1 }; // one token per 100 s
  const key = uniqueKey();
  assert.equal((await rl.consume(key, limit)).allowed, true);
  clock.ms -= 50_000;
  const refused = await rl.consume(key, limit);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 100, 'the time stepped back is not counted either way');
  const ttl = await redis.pttl(prefix + key);
  assert.ok(ttl > 149_000 && ttl <= 150_000, `full at the stored time + 100 s, 150 s from now; PTTL ${ttl}`);
  clock.ms += 150_000;
  assert.equal((await rl.consume(key, limit)).allowed, true);
  await rl.close();
});

test('two API nodes, each with its own connection, share one bucket', async () => {
  const nodeA = new RedisRateLimiter({ redis: await connect(), keyPrefix: prefix });
  const nodeB = new RedisRateLimiter({ redis: await connect(), keyPrefix: prefix });
  const limit = { ratePerSec: 0.01, burst: 4 };
  const key = uniqueKey();
  const answers = [];
  for (let i = 0; i < 3; i++) {
    answers.push(await nodeA.consume(key, limit));
    answers.push(await nodeB.consume(key, limit));
  }
  assert.deepEqual(
    answers.map((a) => a.allowed),
    [true, true, true, true, false, false],
  );
  assert.deepEqual(
    answers.map((a) => a.remaining),
    [3, 2, 1, 0, 0, 0],
  );
  // At once, too: twenty concurrent requests from both nodes get exactly the burst.
  const crowdKey = uniqueKey();
  const crowd = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? nodeA : nodeB).consume(crowdKey, limit)),
  );
  assert.equal(crowd.filter((a) => a.allowed).length, 4);
  await nodeA.close();
  await nodeB.close();
});

test('without `now`, the Redis server clock measures the refill', async () => {
  const rl = limiter();
  const limit = { ratePerSec: 2, burst: 1 }; // one token per 500 ms
  const key = uniqueKey();
  const started = Date.now();
  assert.equal((await rl.consume(key, limit)).allowed, true);
  const stored = await redis.hgetall(prefix + key);
  const updatedMs = Number(stored.updatedMs);
  assert.ok(Math.abs(updatedMs - Date.now()) < 5_000, `updatedMs ${updatedMs} is the epoch in ms`);
  assert.ok(!Number.isInteger(updatedMs) || Number(stored.tokens) === 0, 'TIME gives microseconds');
  const refused = await rl.consume(key, limit);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 1);
  assert.ok(await eventually(async () => (await rl.consume(key, limit)).allowed, 3_000), 'refilled');
  assert.ok(Date.now() - started >= 490, `not before the token was due (${Date.now() - started} ms)`);
  await rl.close();
});

test('the same decisions as the memory limiter, step for step', async () => {
  // A fixed seed keeps failures reproducible. Rates, bursts and clock steps are chosen so that a
  // bucket that is not full is always at least 2.5 s of real time from full, so no key expires
  // during the run (Redis expires keys on its real clock, the fake clock here runs apart).
  const seed = 20_240_601;
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const clock = { ms: 1_700_000_000_000 };
  const redisLimiter = limiter({ now: () => clock.ms });
  const memoryLimiter = new MemoryRateLimiter({ now: () => clock.ms, sweepIntervalMs: 0 });
  const keys = [uniqueKey(), uniqueKey(), uniqueKey()];
  const rates = [0.025, 0.05, 0.1];
  const bursts = [0.5, 1, 2, 3];
  const costs = [0, 1, 1, 1, 2, 4];
  const steps = [0, 0, 0, 10_000, 20_000, 40_000, -10_000, 200_000];
  const seen = { stored: 0, deleted: 0, refused: 0, debt: 0, lowered: 0, raised: 0, steppedBack: 0 };
  const lastBurst = new Map<string, number>();
  const lastTouched = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const step = pick(steps);
    clock.ms += step;
    const key = pick(keys);
    const stored = (await redis.exists(prefix + key)) === 1;
    // Redis deletes a bucket that is full, as the memory limiter's sweep does. A forgotten bucket
    // answers like the full one it was, except with a raised burst (it starts full at the new one)
    // or a clock stepped back behind its last update (its time starts over from there). This run
    // pins the arithmetic, so it avoids those two cases for buckets Redis no longer holds.
    const previous = lastBurst.get(key) ?? Infinity;
    const burst = pick(bursts.filter((b) => stored || b <= previous));
    if (!stored) clock.ms = Math.max(clock.ms, lastTouched.get(key) ?? clock.ms);
    if (burst < previous && previous !== Infinity) seen.lowered += 1;
    if (burst > previous) seen.raised += 1;
    if (stored && step < 0) seen.steppedBack += 1;
    lastBurst.set(key, burst);
    lastTouched.set(key, Math.max(clock.ms, lastTouched.get(key) ?? clock.ms));
    const limit = { ratePerSec: pick(rates), burst };
    const cost = pick(costs);
    const expected = await memoryLimiter.consume(key, limit, cost);
    const actual = await redisLimiter.consume(key, limit, cost);
    const where = `step ${i} (seed ${seed}): ${key} ${JSON.stringify(limit)} cost ${cost}`;
    assert.deepEqual(actual, expected, where);
    if ((await redis.exists(prefix + key)) === 1) seen.stored += 1;
    else seen.deleted += 1;
    if (!actual.allowed) seen.refused += 1;
    if (actual.allowed && cost > burst) seen.debt += 1;
  }
  for (const [what, count] of Object.entries(seen))
    assert.ok(count >= 5, `the run covered ${what}: ${count}`);
  await redisLimiter.close();
  await memoryLimiter.close();
});

test('the stored state is exactly what take() computes, to the last bit', async () => {
  const clock = { ms: 1_700_000_000_000.125 };
  const rl = limiter({ now: () => clock.ms });
  const limit = { ratePerSec: 3, burst: 4 }; // 0.003 tokens per ms: no short binary fraction
  const key = uniqueKey();
  let expected = take(undefined, clock.ms, limit.ratePerSec, limit.burst, 3).state;
  await rl.consume(key, limit, 3);
  for (const stepMs of [333.3, 0.7, 1_234.567_8]) {
    clock.ms += stepMs;
    expected = take(expected, clock.ms, limit.ratePerSec, limit.burst, 1).state;
    await rl.consume(key, limit, 1);
    const stored = await redis.hgetall(prefix + key);
    assert.equal(Number(stored.tokens), expected.tokens, `tokens after ${stepMs} ms`);
    assert.equal(Number(stored.updatedMs), expected.updatedMs, `updatedMs after ${stepMs} ms`);
  }
  await rl.close();
});

test('bad limits are refused before Redis is asked, naming the key', async () => {
  const rl = limiter();
  const key = uniqueKey();
  const bad: [string, Promise<unknown>][] = [
    ['ratePerSec', rl.consume(key, { ratePerSec: 0, burst: 1 })],
    ['burst', rl.consume(key, { ratePerSec: 1, burst: Number.NaN })],
    ['cost', rl.consume(key, { ratePerSec: 1, burst: 1 }, -1)],
  ];
  for (const [name, call] of bad) {
    await assert.rejects(
      call,
      (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name),
    );
  }
  assert.equal(await redis.exists(prefix + key), 0);
  await rl.close();
});

test('bad options are refused naming the key', () => {
  const bad: [string, Partial<RedisRateLimiterOptions>][] = [
    ['maxIdleMs', { maxIdleMs: 0 }],
    ['maxIdleMs', { maxIdleMs: 1.5 }],
    ['timeoutMs', { timeoutMs: -1 }],
    ['keyPrefix', { keyPrefix: 7 as unknown as string }],
  ];
  for (const [name, options] of bad) {
    assert.throws(
      () => limiter(options),
      (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name),
    );
  }
});

test('close() leaves a shared client open and closes an owned one', async () => {
  const shared = await connect();
  await new RedisRateLimiter({ redis: shared }).close();
  assert.equal(await shared.ping(), 'PONG');
  const owned = await connect();
  const rl = new RedisRateLimiter({ redis: owned, keyPrefix: prefix, ownsClient: true });
  assert.equal((await rl.consume(uniqueKey(), { ratePerSec: 1, burst: 1 })).allowed, true);
  await rl.close();
  assert.ok(await eventually(async () => owned.status === 'end', 2_000), `owned client is ${owned.status}`);
  await assert.rejects(rl.consume(uniqueKey(), { ratePerSec: 1, burst: 1 }), (error) =>
    isArbiterError(error, 'RATE_LIMITER_CLOSED'),
  );
});

/** A client for a port nothing listens on, retrying every 50 ms. */
function deadClient(options: { enableOfflineQueue: boolean; maxRetriesPerRequest: number | null }): Redis {
  return unreachableClient({ connectTimeout: 500, retryStrategy: () => 50, ...options });
}

test('an unreachable Redis is DEPENDENCY_UNAVAILABLE within 2 s, from the client error itself', async () => {
  for (const enableOfflineQueue of [false, true]) {
    const client = deadClient({ enableOfflineQueue, maxRetriesPerRequest: 0 });
    const rl = new RedisRateLimiter({ redis: client, timeoutMs: 60_000 });
    const started = Date.now();
    await assert.rejects(
      rl.consume('k', { ratePerSec: 1, burst: 1 }),
      (error) =>
        isArbiterError(error, 'DEPENDENCY_UNAVAILABLE') &&
        error.code === 'ARB_ERR_DEPENDENCY_UNAVAILABLE' &&
        error.status === 503 &&
        error.message.startsWith('Redis is unavailable: '),
    );
    const took = Date.now() - started;
    assert.ok(took < 2_000, `offline queue ${enableOfflineQueue}: took ${took} ms`);
    await rl.close();
  }
});

test('a client that queues commands while disconnected is cut off at timeoutMs', async () => {
  // maxRetriesPerRequest null queues commands until Redis comes back: BullMQ's own setting.
  const client = deadClient({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  const rl = new RedisRateLimiter({ redis: client, timeoutMs: 200 });
  const started = Date.now();
  await assert.rejects(
    rl.consume('k', { ratePerSec: 1, burst: 1 }),
    (error) => isArbiterError(error, 'DEPENDENCY_UNAVAILABLE') && error.message.includes('within 200 ms'),
  );
  const took = Date.now() - started;
  assert.ok(took >= 190 && took < 2_000, `it waited for the timeout, no longer: ${took} ms`);
  await rl.close();
});
