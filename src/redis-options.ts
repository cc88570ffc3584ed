import type { Redis } from 'ioredis';
import { ArbiterError } from './errors.js';
import { withDefaults } from './option-defaults.js';

/** What every part kept in Redis (the rate limiter, the worker registry) is given. */
export interface RedisPartOptions {
  /** The ioredis client to use. */
  redis: Redis;
  /** Prefix of every key the part writes, so deployments and test runs can share a Redis. */
  keyPrefix?: string;
}

/**
 * A Redis-backed part's options over its defaults (withDefaults), once the client and the key
 * prefix are checked: INVALID_INPUT names the bad one. The part checks its own options after.
 */
export function resolveRedisOptions<D extends { keyPrefix: string }, O extends RedisPartOptions>(
  defaults: D,
  options: O,
): D & Partial<O> {
  // Checked, not trusted to the types: options also come from JavaScript callers and config.
  if (options?.redis === undefined || options.redis === null) {
    throw new ArbiterError('INVALID_INPUT', 'redis must be an ioredis client');
  }
  const settings = withDefaults(defaults, options);
  if (typeof settings.keyPrefix !== 'string') {
    throw new ArbiterError('INVALID_INPUT', `keyPrefix must be a string, got ${String(settings.keyPrefix)}`);
  }
  return settings;
}
