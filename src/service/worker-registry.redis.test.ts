// The worker registry against real Redis: needs the Redis on 127.0.0.1:6379 this machine runs and
// fails loudly, never skips, when it is missing. Each run uses its own key prefix and deletes its
// keys afterwards.
import assert from 'node:assert/strict';
import { eventually } from '../../test/helpers/eventually.js';
import { useTestRedis } from '../../test/helpers/redis.js';
import { test } from 'node:test';
import { isArbiterError, type ArbiterError } from '../errors.js';
import { WorkerRegistry, type WorkerInfo, type WorkerRegistryOptions } from './worker-registry.js';

const testRedis = await useTestRedis();
const { redis, connect } = testRedis;

/** A key prefix of its own for each test, so tests see only their workers. */
const newPrefix = (): string => testRedis.newPrefix('workers');

function registry(keyPrefix: string, options: Partial<WorkerRegistryOptions> = {}): WorkerRegistry {
  return new WorkerRegistry({ redis, keyPrefix, ...options });
}

function info(id: string, extra: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id,
    host: 'judge-1.example',
    pid: 4242,
    concurrency: 8,
    languages: ['cpp', 'python3'],
    version: '0.1.0',
    startedAt: 1_700_000_000_000,
    ...extra,
  };
}

test('registered workers are listed with every field, idle, seen by the Redis clock', async () => {
  const prefix = newPrefix();
  const a = registry(prefix);
  const b = registry(prefix);
  await b.register(info('worker-b', { languages: [], concurrency: 1 }));
  await a.register(info('worker-a'));
  const listed = await a.list();
  assert.deepEqual(
    listed.map(({ lastSeen: _lastSeen, ...rest }) => rest),
    [
      { ...info('worker-a'), running: 0, state: 'idle' },
      { ...info('worker-b', { languages: [], concurrency: 1 }), running: 0, state: 'idle' },
    ],
  );
  for (const worker of listed) {
    assert.ok(Number.isInteger(worker.lastSeen) && Math.abs(worker.lastSeen - Date.now()) < 5_000);
  }
  const ttl = await redis.pttl(`${prefix}w:worker-a`);
  assert.ok(ttl > 0 && ttl <= 6_000, `the entry expires within ttlMs; PTTL ${ttl}`);

  await a.unregister();
  assert.deepEqual(
    (await b.list()).map((w) => w.id),
    ['worker-b'],
  );
  assert.equal(await redis.exists(`${prefix}w:worker-a`), 0, 'unregister deletes at once');
  assert.equal(await redis.zscore(`${prefix}index`, 'worker-a'), null);
  await b.unregister();
  assert.deepEqual(await b.list(), []);
});

test('update and markDraining publish at once: idle, busy, draining', async () => {
  const prefix = newPrefix();
  const worker = registry(prefix);
  await worker.register(info('w1'));
  const status = async () => {
    const [only] = await worker.list();
    assert.ok(only);
    return { running: only.running, state: only.state };
  };
  assert.deepEqual(await status(), { running: 0, state: 'idle' });
  await worker.update({ running: 3 });
  assert.deepEqual(await status(), { running: 3, state: 'busy' });
  await worker.markDraining();
  assert.deepEqual(await status(), { running: 3, state: 'draining' });
  await worker.update({ running: 0 });
  assert.deepEqual(await status(), { running: 0, state: 'draining' }, 'draining stays until it is lifted');
  await worker.update({ draining: false });
  assert.deepEqual(await status(), { running: 0, state: 'idle' });
  await worker.unregister();
});

test('heartbeats keep a worker listed well past its ttl', async () => {
  const prefix = newPrefix();
  const worker = registry(prefix, { heartbeatMs: 50, ttlMs: 400 });
  await worker.register(info('steady'));
  const [first] = await worker.list();
  const watchUntil = Date.now() + 1_200; // three ttls
  let checks = 0;
  while (Date.now() < watchUntil) {
    assert.deepEqual(
      (await worker.list()).map((w) => w.id),
      ['steady'],
      `still listed after ${checks} checks`,
    );
    checks += 1;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const [last] = await worker.list();
  assert.ok(first && last && last.lastSeen - first.lastSeen >= 800, 'lastSeen moved with the beats');
  await worker.unregister();
});

test('a worker that stops heartbeating disappears ttlMs after its last beat; the index forgets it', async () => {
  const prefix = newPrefix();
  const ttlMs = 300;
  const steady = registry(prefix, { heartbeatMs: 50, ttlMs });
  const crashing = registry(prefix, { heartbeatMs: 50, ttlMs });
  await steady.register(info('steady'));
  await crashing.register(info('crashing'));
  const lastBeatFrom = Date.now();
  await crashing.update({ running: 2 });
  crashing.stopHeartbeat();
  await crashing.update({ running: 0 }); // recorded, not published: it is "dead"
  const seen = (await steady.list()).find((w) => w.id === 'crashing');
  assert.equal(seen?.running, 2, 'its last update was published before it stopped');

  const ids = async () => (await steady.list()).map((w) => w.id);
  assert.ok(await eventually(async () => !(await ids()).includes('crashing'), 3_000), 'it disappeared');
  const goneAfter = Date.now() - lastBeatFrom;
  assert.ok(goneAfter >= ttlMs - 5, `not before ttlMs: gone after ${goneAfter} ms`);
  assert.deepEqual(await ids(), ['steady']);
  assert.equal(await redis.zscore(`${prefix}index`, 'crashing'), null, 'list() removed it from the index');
  await steady.unregister();
});

test('an entry lost from Redis (a restart keeps nothing) comes back whole at the next beat', async () => {
  const prefix = newPrefix();
  const worker = registry(prefix, { heartbeatMs: 50, ttlMs: 400 });
  await worker.register(info('phoenix'));
  await worker.update({ running: 1 });
  await redis.del(`${prefix}w:phoenix`, `${prefix}index`);
  assert.deepEqual(await worker.list(), []);
  assert.ok(await eventually(async () => (await worker.list()).length === 1, 2_000), 'it came back');
  const [back] = await worker.list();
  assert.ok(back);
  assert.deepEqual({ ...back, lastSeen: 0 }, { ...info('phoenix'), running: 1, state: 'busy', lastSeen: 0 });
  await worker.unregister();
});

test('unregister lets a write in flight land first, so nothing is left behind', async () => {
  const prefix = newPrefix();
  const own = await connect();
  const worker = new WorkerRegistry({ redis: own, keyPrefix: prefix });
  await worker.register(info('leaving'));
  // Hold the next heartbeat back a little, as a NOSCRIPT retry (EVALSHA, then EVAL) would: sent
  // after unregister's DEL, it would bring the entry back.
  const client = own as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const heartbeat = client.arbiterWorkerHeartbeat!;
  client.arbiterWorkerHeartbeat = async (...args) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return heartbeat.apply(own, args);
  };
  const pending = worker.update({ running: 5 });
  await worker.unregister();
  await pending;
  assert.equal(await redis.exists(`${prefix}w:leaving`), 0);
  assert.deepEqual(await worker.list(), []);
});

test('Redis failures: register and list reject as DEPENDENCY_UNAVAILABLE; update reports once per outage', async () => {
  const prefix = newPrefix();
  const dead = testRedis.unreachableClient({
    enableOfflineQueue: false,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  const unreachable = new WorkerRegistry({ redis: dead, keyPrefix: prefix });
  const isUnavailable = (error: unknown) =>
    isArbiterError(error, 'DEPENDENCY_UNAVAILABLE') && error.message.startsWith('Redis is unavailable: ');
  await assert.rejects(unreachable.register(info('nowhere')), isUnavailable);
  await assert.rejects(unreachable.list(), isUnavailable);

  // A worker whose connection drops after it registered.
  const own = await connect();
  const reported: ArbiterError[] = [];
  const cutOff = new WorkerRegistry({
    redis: own,
    keyPrefix: prefix,
    heartbeatMs: 20,
    ttlMs: 1_000,
    onError: (error) => reported.push(error),
  });
  await cutOff.register(info('cut-off'));
  own.disconnect();
  await cutOff.update({ running: 1 }); // resolves: a failed write is not the caller's problem
  await cutOff.update({ running: 2 });
  assert.ok(await eventually(async () => reported.length > 0, 1_000));
  await new Promise((resolve) => setTimeout(resolve, 100)); // several failing beats
  assert.equal(reported.length, 1, 'once per outage');
  assert.ok(isUnavailable(reported[0]));
  cutOff.stopHeartbeat();
});

test('bad options, bad info and a second registration are refused naming the key', async () => {
  const prefix = newPrefix();
  const badOptions: [string, Partial<WorkerRegistryOptions>][] = [
    ['heartbeatMs', { heartbeatMs: 0 }],
    ['ttlMs', { heartbeatMs: 1_000, ttlMs: 1_000 }],
    ['ttlMs', { ttlMs: 2.5 }],
    ['keyPrefix', { keyPrefix: 1 as unknown as string }],
  ];
  for (const [name, options] of badOptions) {
    assert.throws(
      () => registry(prefix, options),
      (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name),
    );
  }
  const worker = registry(prefix);
  const badInfo: [string, Partial<WorkerInfo>][] = [
    ['id', { id: '' }],
    ['pid', { pid: -1 }],
    ['concurrency', { concurrency: 0 }],
    ['languages', { languages: [1 as unknown as string] }],
    ['startedAt', { startedAt: Number.NaN }],
  ];
  for (const [name, extra] of badInfo) {
    await assert.rejects(
      worker.register(info('w', extra)),
      (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name),
    );
  }
  await assert.rejects(
    worker.update({ running: -1 }),
    (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes('running'),
  );
  assert.deepEqual(await worker.list(), [], 'nothing was registered');
  await worker.register(info('w'));
  await assert.rejects(worker.register(info('w2')), (error) => isArbiterError(error, 'INVALID_INPUT'));
  await worker.unregister();
});
