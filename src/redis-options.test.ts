import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { isArbiterError } from './errors.js';
import { resolveRedisOptions } from './redis-options.js';

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
