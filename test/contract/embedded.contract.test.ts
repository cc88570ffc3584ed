// The embedded back ends against the shared contracts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { EmbeddedQueue } from '../../src/queue/embedded-queue.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory-rate-limiter.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { CONTRACT_COST_ORDER, queueStoreContract, type QueueStoreBackend } from './queue-store.contract.js';
import { rateLimiterContract } from './rate-limiter.contract.js';
import { storeContract, type StoreBackend } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

rateLimiterContract('memory', async (now) => new MemoryRateLimiter({ now, sweepIntervalMs: 0 }));

let n = 0;
function openEmbedded(path = join(dir, `q${++n}.db`)): Promise<QueueStoreBackend> {
  const store = new SqliteStore(path);
  const queue = new EmbeddedQueue(store, CONTRACT_COST_ORDER);
  queue.recover();
  const backend: QueueStoreBackend = {
    store,
    queue,
    restart: async () => {
      queue.close();
      store.close();
      return openEmbedded(path);
    },
    close: async () => {
      queue.close();
      store.close();
    },
  };
  return Promise.resolve(backend);
}

queueStoreContract('embedded (SQLite)', () => openEmbedded());

function openSqliteStore(path = join(dir, `s${++n}.db`)): Promise<StoreBackend> {
  const store = new SqliteStore(path);
  return Promise.resolve({
    store,
    restart: async () => {
      await store.close();
      return openSqliteStore(path);
    },
    close: () => store.close(),
  });
}

storeContract('SQLite', () => openSqliteStore());
