import { Redis } from 'ioredis';
import { join } from 'node:path';
import { isScaleOut, type ArbiterConfig } from './config.js';
import { BullmqQueue } from './queue/bullmq-queue.js';
import { EmbeddedQueue } from './queue/embedded-queue.js';
import type { JobQueue } from './queue/job-queue.js';
import type { CostOrderOptions } from './queue/run-cost.js';
import { MemoryRateLimiter } from './ratelimit/memory-rate-limiter.js';
import type { RateLimiter } from './ratelimit/rate-limiter.js';
import { RedisRateLimiter } from './ratelimit/redis-rate-limiter.js';
import type { SubmissionEvents } from './service/events.js';
import { RedisEventBridge } from './service/redis-event-bridge.js';
import { WorkerRegistry } from './service/worker-registry.js';
import { PostgresStore } from './store/postgres-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/types.js';

/**
 * The parts that differ between the two modes, behind their interfaces. This is the one place that
 * knows which back end is which; everything above sees Store, JobQueue and RateLimiter only.
 */
export interface Backends {
  mode: 'embedded' | 'scale-out';
  store: Store;
  queue: JobQueue;
  rateLimiter: RateLimiter;
  /** What start-up recovered (embedded: from SQLite; scale-out: the reconciler's job). */
  recovered: { requeued: number; queued: number };
  /** Scale-out only: live workers of the cluster. */
  workerRegistry: WorkerRegistry | null;
  /** Scale-out only: re-enqueues what the store holds as unfinished but the queue has lost. */
  reconcile: (() => Promise<number>) | null;
  /** Readiness of the external services, for /health/detailed. */
  dependencies(): Promise<Record<string, { ok: boolean; error?: string }>>;
  /** Graceful: for embedded, running jobs go back to queued (the grace period has passed). */
  close(): Promise<void>;
}

/** A job that lost its worker this many times is given up with internal_error. */
const MAX_ATTEMPTS = 5;
/** The reconciler leaves submissions younger than this alone: they may be on their way into the queue. */
const RECONCILE_GRACE_MS = 5_000;

async function openEmbedded(config: ArbiterConfig, costOrder: CostOrderOptions): Promise<Backends> {
  const store = new SqliteStore(join(config.dataDir, 'arbiter.db'));
  const queue = new EmbeddedQueue(store, costOrder);
  const recovered = await queue.recover();
  return {
    mode: 'embedded',
    store,
    queue,
    rateLimiter: new MemoryRateLimiter(),
    recovered,
    workerRegistry: null,
    reconcile: null,
    dependencies: async () => ({ sqlite: { ok: await store.ping() } }),
    close: async () => {
      await queue.close();
      await store.requeueRunning();
      await store.close();
    },
  };
}

function redisClient(config: ArbiterConfig, purpose: 'commands' | 'subscriber' | 'queue'): Redis {
  return new Redis(config.redisUrl, {
    // Fail fast while Redis is down, so requests are answered with 503 instead of hanging. BullMQ's
    // own connections (which block) are made by BullMQ with the settings it needs.
    enableOfflineQueue: purpose === 'subscriber',
    maxRetriesPerRequest: purpose === 'subscriber' ? null : 1,
    connectTimeout: 3_000,
    lazyConnect: false,
  }).on('error', () => undefined);
}

async function openScaleOut(
  config: ArbiterConfig,
  events: SubmissionEvents,
  costOrder: CostOrderOptions,
): Promise<Backends> {
  const store = await PostgresStore.connect({
    connectionString: config.postgresUrl,
    schema: config.postgresSchema,
    maxConnections: config.postgresPoolSize,
  });
  const queue = await BullmqQueue.open(store, {
    connection: { url: config.redisUrl, maxRetriesPerRequest: null },
    prefix: config.redisPrefix,
    consumer: config.runsPrograms,
    concurrency: config.workers,
    ...costOrder,
  });
  const commands = redisClient(config, 'commands');
  const subscriber = redisClient(config, 'subscriber');
  const bridge = new RedisEventBridge(events, commands, subscriber, `${config.redisPrefix}:events`);
  await bridge.start();
  const workerRegistry = new WorkerRegistry({ redis: commands, keyPrefix: `${config.redisPrefix}:workers:` });

  const reconcile = async (): Promise<number> => {
    // One reconciler at a time across the cluster; the lock lapses by itself if its holder dies.
    const lock = await commands.set(`${config.redisPrefix}:reconciler`, bridge.nodeId, 'PX', 10_000, 'NX');
    if (lock !== 'OK') return 0;
    let requeued = 0;
    for (const record of await store.listUnfinished(Date.now() - RECONCILE_GRACE_MS, 1_000)) {
      if (await queue.has(record.id)) continue;
      if (record.attempts >= MAX_ATTEMPTS) {
        const message = `gave up after ${record.attempts} attempts: its workers kept dying`;
        if (
          await store.finishSubmission(
            record.id,
            'internal_error',
            {
              status: 'internal_error',
              tests: [],
              score: null,
              maxScore: null,
              compileCached: false,
              message,
            },
            Date.now(),
          )
        ) {
          events.publish({
            type: 'finished',
            id: record.id,
            keyId: record.keyId,
            status: 'internal_error',
            at: Date.now(),
          });
        }
        continue;
      }
      await queue.requeue(record);
      requeued++;
    }
    return requeued;
  };

  return {
    mode: 'scale-out',
    store,
    queue,
    rateLimiter: new RedisRateLimiter({ redis: commands, keyPrefix: `${config.redisPrefix}:rl:` }),
    recovered: { requeued: 0, queued: 0 },
    workerRegistry,
    reconcile,
    dependencies: async () => ({
      postgres: { ok: await store.ping() },
      redis: await commands.ping().then(
        () => ({ ok: true }),
        (error: Error) => ({ ok: false, error: error.message }),
      ),
    }),
    close: async () => {
      await bridge.stop();
      await workerRegistry.unregister().catch(() => undefined);
      await queue.close();
      await store.close();
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/** `costOrder`: how the queue classes a job's cost (queue/run-cost); default every job cheap. */
export function openBackends(
  config: ArbiterConfig,
  events: SubmissionEvents,
  costOrder: CostOrderOptions = {},
): Promise<Backends> {
  return isScaleOut(config) ? openScaleOut(config, events, costOrder) : openEmbedded(config, costOrder);
}
