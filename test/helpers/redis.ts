import { Redis } from 'ioredis';

/** The Redis this machine runs; tests use a key prefix of their own and delete their keys after. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A connected client, or a loud failure naming what is missing: tests that need Redis never skip.
 */
export async function connectTestRedis(url = TEST_REDIS_URL): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, retryStrategy: () => null });
  let connectError: Error | undefined;
  client.on('error', (error: Error) => (connectError = error));
  try {
    await client.connect();
  } catch (error) {
    const reason = (connectError ?? (error as Error)).message;
    throw new Error(`these tests need Redis at ${url}: ${reason}`, { cause: error });
  }
  return client;
}

/** Deletes every key under `prefix` (SCAN, never FLUSHALL: other runs share this Redis). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
