// The Redis rate limiter against the shared rate limiter contract. Needs the Redis on
// 127.0.0.1:6379 this machine runs, and fails loudly (never skips) when it is missing. Each run uses
// its own key prefix and deletes its keys afterwards.
import { useTestRedis } from '../helpers/redis.js';
import { RedisRateLimiter } from '../../src/ratelimit/redis-rate-limiter.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

const { redis, newPrefix } = await useTestRedis();
const prefix = newPrefix('rl');

rateLimiterContract('redis', async (now) => new RedisRateLimiter({ redis, keyPrefix: prefix, now }));
