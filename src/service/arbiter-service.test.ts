// The façade answers from the parts it was built with: queue statistics, the workers' capacity in
// both modes, and whether a key is an admin's. Stand-ins for the parts, so each number is known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkerStatus } from './worker-registry.js';
import { ArbiterService, type ArbiterServiceParts } from './arbiter-service.js';
import { TimingWindow } from './metrics.js';

function parts(overrides: Partial<ArbiterServiceParts> = {}): ArbiterServiceParts {
  return {
    config: { workers: 4, maxQueueLength: 100 },
    registry: {},
    submissions: { counters: { cacheHits: 0, cacheMisses: 0 } },
    finisher: { timedOut: 2 },
    events: {},
    store: {
      countByStatus: async () => [
        { status: 'queued', language: 'python3', count: 3 },
        { status: 'running', language: 'python3', count: 1 },
        { status: 'accepted', language: 'python3', count: 5 },
        { status: 'wrong_answer', language: 'c', count: 2 },
        { status: 'cancelled', language: 'c', count: 1 },
      ],
      findKeyByHash: async (hash: string) => (hash === 'admin-hash' ? { role: 'admin' } : { role: 'user' }),
    },
    queue: { length: async () => 3 },
    cluster: { workers: async () => null },
    timings: new TimingWindow(),
    adaptive: { factor: 0.5 },
    sandbox: null,
    workers: null,
    startVerification: () => undefined,
    ...overrides,
  } as unknown as ArbiterServiceParts;
}

test('queueStats totals the stored statuses; running is the store count when this node has no workers', async () => {
  const stats = await new ArbiterService(parts()).queueStats();
  assert.equal(stats.length, 3);
  assert.equal(stats.running, 1);
  assert.equal(stats.workers, 4);
  assert.equal(stats.maxLength, 100);
  assert.equal(stats.rateLimitFactor, 0.5);
  assert.deepEqual(stats.totals, {
    queued: 3,
    running: 1,
    processed: 8,
    accepted: 5,
    failed: 2,
    cancelled: 1,
    timedOut: 2,
  });
  assert.deepEqual(stats.byLanguage.c!.statuses, { wrong_answer: 2, cancelled: 1 });
});

test("queueStats counts this process's running jobs when it has workers", async () => {
  const stats = await new ArbiterService(parts({ workers: { busy: 2 } })).queueStats();
  assert.equal(stats.running, 2);
});

test('capacity: embedded, this process; scale-out, the sum over live worker machines', async () => {
  assert.deepEqual(await new ArbiterService(parts({ workers: { busy: 1 } })).capacity(), {
    queued: 3,
    available: 4,
    working: 1,
  });
  const machines = [
    { concurrency: 2, running: 2 },
    { concurrency: 3, running: 1 },
  ] as WorkerStatus[];
  const cluster = { workers: async () => machines } as unknown as ArbiterServiceParts['cluster'];
  assert.deepEqual(await new ArbiterService(parts({ cluster })).capacity(), {
    queued: 3,
    available: 5,
    working: 3,
  });
});

test("isAdminKey is true only for an admin key's hash", async () => {
  const arbiter = new ArbiterService(parts());
  assert.equal(await arbiter.isAdminKey('admin-hash'), true);
  assert.equal(await arbiter.isAdminKey('user-hash'), false);
});
