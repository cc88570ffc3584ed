// The Redis rate limiter against the shared rate limiter contract. Needs the Redis on
// 127.0.0.1:6379 this machine runs, and fails loudly (never skips) when it is missing. Each run uses
// its own key prefix and deletes its keys afterwards.
import { randomUUID } from 'node:crypto';
import { connectTestRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { after } from 'node:test';
import { RedisRateLimiter } from '../../src/ratelimit/redis-rate-limiter.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

const REDIS_URL = TEST_REDIS_URL;
const prefix = `arbiter-test:${randomUUID()}:rl:`;

const redis = await connectTestRedis(REDIS_URL);

after(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

rateLimiterContract('redis', async (now) => new RedisRateLimiter({ redis, keyPrefix: prefix, now }));
