import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { ArbiterError, isArbiterError } from './errors.js';
import { callRedis, redisUnavailable, resolveRedisOptions } from './redis-options.js';

// Only checked for presence, never called: a stand-in is enough.
const redis = {} as Redis;
const DEFAULTS = { keyPrefix: 'arbiter:test:', ttlMs: 1_000 };

test('a Redis-backed part takes its defaults under the options it is given', () => {
  assert.deepEqual(resolveRedisOptions(DEFAULTS, { redis, ttlMs: undefined }), { ...DEFAULTS, redis });
  assert.equal(resolveRedisOptions(DEFAULTS, { redis, keyPrefix: 'p:' }).keyPrefix, 'p:');
});

test('a missing client or a key prefix that is not a string is INVALID_INPUT, naming it', () => {
  const invalid = (name: string) => (error: unknown) =>
    isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name);
  for (const missing of [undefined, null])
    assert.throws(
      () => resolveRedisOptions(DEFAULTS, { redis: missing as unknown as Redis }),
      invalid('redis'),
    );
  assert.throws(
    () => resolveRedisOptions(DEFAULTS, { redis, keyPrefix: 7 as unknown as string }),
    invalid('keyPrefix'),
  );
});

test('a Redis failure reaches the caller as DEPENDENCY_UNAVAILABLE; an ArbiterError as it was', async () => {
  const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
  const mapped = redisUnavailable(refused);
  assert.ok(isArbiterError(mapped, 'DEPENDENCY_UNAVAILABLE'));
  assert.equal(mapped.message, 'Redis is unavailable: connect ECONNREFUSED 127.0.0.1:6379');
  assert.equal(mapped.cause, refused);
  assert.ok(isArbiterError(redisUnavailable('a reply that is not an Error'), 'DEPENDENCY_UNAVAILABLE'));
  const own = new ArbiterError('INVALID_INPUT', 'a bad key');
  assert.equal(redisUnavailable(own), own);

  await assert.rejects(
    callRedis(() => Promise.reject(refused)),
    (error) => isArbiterError(error, 'DEPENDENCY_UNAVAILABLE') && error.cause === refused,
  );
  assert.equal(await callRedis(() => Promise.resolve('PONG')), 'PONG');
});
