import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { Redis, type RedisOptions } from 'ioredis';

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

/** One test file's Redis: its clients and its key prefixes, cleaned up after the file. */
export interface TestRedis {
  /** The file's client, connected. */
  redis: Redis;
  /** Another connected client (a second API node, one a part owns); disconnected after the file. */
  connect(): Promise<Redis>;
  /**
   * A client for a port nothing listens on, with `options` (how it retries and queues); its
   * connection errors are expected, not logged. Disconnected after the file.
   */
  unreachableClient(options: RedisOptions): Redis;
  /** A key prefix of its own, `arbiter-test:<uuid>:<area>:`; its keys are deleted after the file. */
  newPrefix(area: string): string;
}

/**
 * Redis for one test file, called at its top level: connects (failing loudly when Redis is missing),
 * and after the file deletes the keys under every prefix it handed out and disconnects its clients.
 */
export async function useTestRedis(url = TEST_REDIS_URL): Promise<TestRedis> {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  const connect = async (): Promise<Redis> => {
    const client = await connectTestRedis(url);
    clients.push(client);
    return client;
  };
  const redis = await connect();
  after(async () => {
    for (const prefix of prefixes) await deleteKeys(redis, prefix);
    for (const client of clients) client.disconnect();
  });
  const newPrefix = (area: string): string => {
    const prefix = `arbiter-test:${randomUUID()}:${area}:`;
    prefixes.push(prefix);
    return prefix;
  };
  const unreachableClient = (options: RedisOptions): Redis => {
    const client = new Redis({ ...options, host: '127.0.0.1', port: 1 });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  return { redis, connect, unreachableClient, newPrefix };
}
