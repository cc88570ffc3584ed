// What every part of Arbiter kept in Redis shares: its options, and how a Redis failure reaches a
// caller.
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

/**
 * A Redis failure as DEPENDENCY_UNAVAILABLE (503), so a client gets an answer, not a hang; an
 * ArbiterError (a timeout already worded, a bad input) passes as it is.
 */
export function redisUnavailable(error: unknown): ArbiterError {
  if (error instanceof ArbiterError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ArbiterError('DEPENDENCY_UNAVAILABLE', `Redis is unavailable: ${reason}`, { cause: error });
}

/** Runs a call to Redis; its failure becomes DEPENDENCY_UNAVAILABLE (redisUnavailable). */
export async function callRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw redisUnavailable(error);
  }
}
