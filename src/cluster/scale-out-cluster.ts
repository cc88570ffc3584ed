import type { Redis } from 'ioredis';
import type { BullmqQueue } from '../queue/bullmq-queue.js';
import type { SubmissionEvents } from '../service/events.js';
import { recoverLostFinishes } from '../service/lost-finishes.js';
import { RedisEventBridge } from '../service/redis-event-bridge.js';
import { emptyResult } from '../service/submission-finisher.js';
import { WorkerRegistry, type WorkerInfo, type WorkerStatus } from '../service/worker-registry.js';
import type { Store } from '../store/types.js';
import type { Cluster, FinishSubmission } from './cluster.js';

/** A job that lost its worker this many times is given up with internal_error. */
const MAX_ATTEMPTS = 5;
/** The reconciler leaves submissions younger than this alone: they may be on their way into the queue. */
const RECONCILE_GRACE_MS = 5_000;
/** How long the reconciler's lock lives if its holder dies, in ms. */
const RECONCILE_LOCK_MS = 10_000;
/** Submissions one reconcile looks at. */
const RECONCILE_BATCH = 1_000;

export interface ScaleOutClusterOptions {
  store: Store;
  queue: BullmqQueue;
  events: SubmissionEvents;
  /** For commands and PUBLISH; the cluster never closes it. */
  commands: Redis;
  /** A connection of its own for SUBSCRIBE; the cluster never closes it. */
  subscriber: Redis;
  /** Prefix of every Redis key and channel (config.redisPrefix). */
  prefix: string;
}

/**
 * The cluster of API nodes and worker machines sharing Redis and PostgreSQL: events travel between
 * them by Redis pub/sub (service/redis-event-bridge.ts), workers heartbeat into a registry
 * (service/worker-registry.ts), one node at a time reconciles the queue against the store, and a
 * sweep recovers `finished` events pub/sub lost (service/lost-finishes.ts).
 */
export class ScaleOutCluster implements Cluster {
  readonly #options: ScaleOutClusterOptions;
  readonly #bridge: RedisEventBridge;
  readonly #registry: WorkerRegistry;

  private constructor(options: ScaleOutClusterOptions) {
    this.#options = options;
    const { events, commands, subscriber, prefix } = options;
    this.#bridge = new RedisEventBridge(events, commands, subscriber, `${prefix}:events`);
    this.#registry = new WorkerRegistry({ redis: commands, keyPrefix: `${prefix}:workers:` });
  }

  /** Joins the event fan-out; the process's workers join later (join). */
  static async open(options: ScaleOutClusterOptions): Promise<ScaleOutCluster> {
    const cluster = new ScaleOutCluster(options);
    await cluster.#bridge.start();
    return cluster;
  }

  join(worker: WorkerInfo): Promise<void> {
    return this.#registry.register(worker);
  }

  reportLoad(running: number): Promise<void> {
    return this.#registry.update({ running });
  }

  markDraining(): Promise<void> {
    return this.#registry.markDraining();
  }

  workers(): Promise<WorkerStatus[]> {
    return this.#registry.list();
  }

  async reconcile(finish: FinishSubmission): Promise<number> {
    const { store, queue, commands, prefix } = this.#options;
    // One reconciler at a time across the cluster; the lock lapses by itself if its holder dies.
    const lock = await commands.set(
      `${prefix}:reconciler`,
      this.#bridge.nodeId,
      'PX',
      RECONCILE_LOCK_MS,
      'NX',
    );
    if (lock !== 'OK') return 0;
    let requeued = 0;
    for (const record of await store.listUnfinished(Date.now() - RECONCILE_GRACE_MS, RECONCILE_BATCH)) {
      if (await queue.has(record.id)) continue;
      if (record.attempts >= MAX_ATTEMPTS) {
        const message = `gave up after ${record.attempts} attempts: its workers kept dying`;
        await finish(record, 'internal_error', emptyResult('internal_error', message));
        continue;
      }
      await queue.requeue(record);
      requeued++;
    }
    return requeued;
  }

  recoverLostFinishes(): Promise<number> {
    return recoverLostFinishes(this.#options.events, this.#options.store);
  }

  async close(): Promise<void> {
    await this.#bridge.stop();
    // Unreachable Redis: the entry expires by itself when its heartbeats stop.
    await this.#registry.unregister().catch(() => undefined);
  }
}
