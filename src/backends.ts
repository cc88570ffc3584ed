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
import type { Cluster } from './cluster/cluster.js';
import { EMBEDDED_CLUSTER } from './cluster/embedded-cluster.js';
import { ScaleOutCluster } from './cluster/scale-out-cluster.js';
import type { SubmissionEvents } from './service/events.js';
import { PostgresStore } from './store/postgres/store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/types.js';

/**
 * The parts that differ between the two modes, behind their interfaces. This is the one place that
 * knows which back end is which; everything above sees Store, JobQueue, RateLimiter and Cluster only.
 */
export interface Backends {
  /** Which mode was opened, for /health/detailed to show; nothing branches on it. */
  mode: 'embedded' | 'scale-out';
  /** Which store, for /health/detailed: its readiness is `dependencies()[storeKind]`. */
  storeKind: 'sqlite' | 'postgres';
  store: Store;
  queue: JobQueue;
  rateLimiter: RateLimiter;
  /** The other processes, if any (embedded: none, and its cluster does nothing). */
  cluster: Cluster;
  /** What start-up recovered (embedded: from SQLite; scale-out: the reconciler's job). */
  recovered: { requeued: number; queued: number };
  /** Readiness of the external services, for /health/detailed. */
  dependencies(): Promise<Record<string, { ok: boolean; error?: string }>>;
  /** Graceful: for embedded, running jobs go back to queued (the grace period has passed). */
  close(): Promise<void>;
}

async function openEmbedded(config: ArbiterConfig, costOrder: CostOrderOptions): Promise<Backends> {
  const store = new SqliteStore(join(config.dataDir, 'arbiter.db'));
  const queue = new EmbeddedQueue(store, costOrder);
  const recovered = await queue.recover();
  return {
    mode: 'embedded',
    storeKind: 'sqlite',
    store,
    queue,
    rateLimiter: new MemoryRateLimiter(),
    cluster: EMBEDDED_CLUSTER,
    recovered,
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
  const cluster = await ScaleOutCluster.open({
    store,
    queue,
    events,
    commands,
    subscriber,
    prefix: config.redisPrefix,
  });

  return {
    mode: 'scale-out',
    storeKind: 'postgres',
    store,
    queue,
    rateLimiter: new RedisRateLimiter({ redis: commands, keyPrefix: `${config.redisPrefix}:rl:` }),
    cluster,
    recovered: { requeued: 0, queued: 0 },
    dependencies: async () => ({
      postgres: { ok: await store.ping() },
      redis: await commands.ping().then(
        () => ({ ok: true }),
        (error: Error) => ({ ok: false, error: error.message }),
      ),
    }),
    close: async () => {
      await cluster.close();
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
