// The scale-out back ends (PostgreSQL + BullMQ on Redis) against the shared contracts. Needs the
// PostgreSQL on 127.0.0.1:5432 and the Redis on 127.0.0.1:6379 this machine runs; each run uses its
// own schema and key prefix, and fails loudly when either service is missing.
import { randomUUID } from 'node:crypto';
import { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { openTestPostgresStore } from '../helpers/postgres.js';
import { CONTRACT_COST_ORDER, queueStoreContract, type QueueStoreBackend } from './queue-store.contract.js';
import { storeContract, type StoreBackend } from './store.contract.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

async function openScaleOut(): Promise<QueueStoreBackend> {
  const { store, connectionString, schema, drop } = await openTestPostgresStore();
  const prefix = `arbiter-test-${randomUUID()}`;
  const open = async (current: PostgresStore): Promise<QueueStoreBackend> => {
    const queue = await BullmqQueue.open(current, {
      connection: { url: REDIS_URL, maxRetriesPerRequest: null },
      prefix,
      consumer: true,
      concurrency: 4,
      // Short locks, so a "crashed" worker's job comes back within the test's patience.
      lockDurationMs: 1_000,
      stalledIntervalMs: 500,
      ...CONTRACT_COST_ORDER,
    });
    return {
      store: current,
      queue,
      restart: async () => {
        await queue.close(); // like a crash for BullMQ: claimed jobs are never completed
        await current.close();
        return open(await PostgresStore.connect({ connectionString, schema }));
      },
      close: async () => {
        await queue.queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
        await current.close();
        await drop();
      },
    };
  };
  return open(store);
}

queueStoreContract('scale-out (PostgreSQL + BullMQ)', openScaleOut);

async function openPostgresStore(): Promise<StoreBackend> {
  const { store, connectionString, schema, drop } = await openTestPostgresStore();
  const backend = (current: PostgresStore): StoreBackend => ({
    store: current,
    restart: async () => {
      await current.close();
      return backend(await PostgresStore.connect({ connectionString, schema }));
    },
    close: async () => {
      await current.close();
      await drop();
    },
  });
  return backend(store);
}

storeContract('PostgreSQL', openPostgresStore);
