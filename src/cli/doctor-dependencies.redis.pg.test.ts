// arbiter doctor's checks of a scale-out deployment, against the machine's real Redis and
// PostgreSQL, a private redis-server set to evict, and ports where nothing listens.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { POSTGRES_MIGRATIONS } from '../store/postgres-migrations.js';
import { freePort, PrivateRedis } from '../../test/helpers/cluster.js';
import {
  dropTestSchema,
  openTestPostgresStore,
  TEST_POSTGRES_URL,
  testSchemaName,
} from '../../test/helpers/postgres.js';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';
import {
  dependencyChecks,
  infoField,
  postgresCheck,
  redact,
  redisCheck,
  versionAtLeast,
} from './doctor-dependencies.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('version and INFO parsing, and passwords never printed', () => {
  assert.equal(versionAtLeast('7.0.15', [6, 2]), true);
  assert.equal(versionAtLeast('6.2.0', [6, 2]), true);
  assert.equal(versionAtLeast('6.0.16', [6, 2]), false);
  assert.equal(versionAtLeast('5.9.9', [6, 2]), false);
  assert.equal(
    infoField('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n', 'redis_version'),
    '7.0.15',
  );
  assert.equal(redact('redis://:s3cret@host:6379/0'), 'redis://:***@host:6379/0');
  assert.equal(redact('postgres://app:s3cret@db/arbiter'), 'postgres://app:***@db/arbiter');
  assert.equal(redact('postgres://root@127.0.0.1:5432/test'), 'postgres://root@127.0.0.1:5432/test');
});

test("the machine's Redis passes, naming its version and eviction policy", async () => {
  const check = await redisCheck(TEST_REDIS_URL);
  assert.equal(check.ok, true, check.detail);
  assert.match(
    check.detail,
    /^Redis \d+\.\d+\.\d+ at redis:\/\/127\.0\.0\.1:6379, maxmemory-policy noeviction$/,
  );
});

test('a Redis that evicts keys fails, saying queued jobs could vanish and how to fix it', async () => {
  const redis = await PrivateRedis.start();
  cleanups.push(() => redis.kill());
  const client = new Redis(redis.url);
  await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
  client.disconnect();
  const check = await redisCheck(redis.url);
  assert.equal(check.ok, false);
  assert.match(check.detail, /maxmemory-policy allkeys-lru\): queued jobs could vanish/);
  assert.match(check.fix ?? '', /noeviction/);
});

test('unreachable Redis and PostgreSQL fail within the connect timeout, with a fix each', async () => {
  const port = await freePort();
  const began = Date.now();
  const [redis, postgres] = await Promise.all([
    redisCheck(`redis://127.0.0.1:${port}`),
    postgresCheck(`postgres://root@127.0.0.1:${port}/test`, 'public'),
  ]);
  assert.ok(Date.now() - began < 10_000, 'the checks gave up in time');
  assert.equal(redis.ok, false);
  assert.match(redis.detail, /cannot reach redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  assert.match(redis.fix ?? '', /start Redis >= 6\.2/);
  assert.equal(postgres.ok, false);
  assert.match(postgres.detail, /ECONNREFUSED/);
  assert.match(postgres.fix ?? '', /start PostgreSQL >= 12/);
});

test('PostgreSQL passes and tells how far the schema has been migrated', async () => {
  const LATEST = POSTGRES_MIGRATIONS.at(-1)!.version;
  const fresh = testSchemaName();
  const before = await postgresCheck(TEST_POSTGRES_URL, fresh);
  assert.equal(before.ok, true, before.detail);
  assert.match(before.detail, new RegExp(`schema ${fresh} at migration 0 of ${LATEST}: \`arbiter migrate\``));
  const migrated = await openTestPostgresStore();
  cleanups.push(() => migrated.drop());
  const now = await postgresCheck(TEST_POSTGRES_URL, migrated.schema);
  assert.match(now.detail, new RegExp(`schema ${migrated.schema} at migration ${LATEST} \\(up to date\\)`));
  await dropTestSchema(fresh);
});

test('half a scale-out config is a failure; the embedded mode checks only its data dir', async () => {
  const half = await dependencyChecks({
    redisUrl: TEST_REDIS_URL,
    postgresUrl: '',
    postgresSchema: 'public',
    dataDir: '/tmp',
  });
  assert.deepEqual(
    half.map((c) => [c.name, c.ok]),
    [
      ['data dir', true],
      ['redis', true],
      ['scale-out', false],
    ],
  );
  const embedded = await dependencyChecks({
    redisUrl: '',
    postgresUrl: '',
    postgresSchema: 'public',
    dataDir: '/etc/passwd/data',
  });
  assert.deepEqual(
    embedded.map((c) => [c.name, c.ok]),
    [['data dir', false]],
  );
});
