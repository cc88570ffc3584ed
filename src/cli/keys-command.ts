import { join } from 'node:path';
import { createApiKey } from '../api/auth.js';
import { ArbiterError } from '../errors.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { PostgresStore } from '../store/postgres/store.js';
import type { KeyRole, Store } from '../store/types.js';
import { table } from './format.js';
import { configFromFlags, type ServeOptions } from './serve-command.js';

/**
 * The store the server uses: PostgreSQL when a PostgreSQL URL is configured (scale-out keys live
 * there, shared by every API node), otherwise the SQLite file in the data directory.
 */
async function openStore(
  options: ServeOptions,
): Promise<{ store: Store; config: ReturnType<typeof configFromFlags> }> {
  const config = configFromFlags(options);
  const store = config.postgresUrl
    ? await PostgresStore.connect({ connectionString: config.postgresUrl, schema: config.postgresSchema })
    : new SqliteStore(join(config.dataDir, 'arbiter.db'));
  return { store, config };
}

export async function keysCreate(
  options: ServeOptions & { name: string; role: string; priority?: string; rate?: string },
): Promise<number> {
  if (options.role !== 'admin' && options.role !== 'user')
    throw new ArbiterError('INVALID_INPUT', `--role must be admin or user, got ${options.role}`);
  const { store, config } = await openStore(options);
  try {
    const { key, record } = await createApiKey(
      store,
      {
        name: options.name,
        role: options.role as KeyRole,
        priority: options.priority === undefined ? undefined : Number(options.priority),
        ratePerSec: options.rate === undefined ? undefined : Number(options.rate),
      },
      config,
    );
    process.stdout.write(`${key}\n`);
    process.stderr.write(
      `created ${record.role} key ${record.id} "${record.name}" (priority ${record.priority}, ${record.ratePerSec} req/s); the key is shown only now\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

export async function keysList(options: ServeOptions & { json?: boolean }): Promise<number> {
  const { store } = await openStore(options);
  try {
    const keys = await store.listKeys();
    if (options.json) process.stdout.write(JSON.stringify(keys, null, 2) + '\n');
    else {
      const rows = [['ID', 'NAME', 'ROLE', 'PRIORITY', 'RATE/S', 'CREATED', 'REVOKED']];
      for (const k of keys) {
        rows.push([
          k.id,
          k.name,
          k.role,
          String(k.priority),
          String(k.ratePerSec),
          new Date(k.createdAt).toISOString(),
          k.revokedAt ? new Date(k.revokedAt).toISOString() : '',
        ]);
      }
      process.stdout.write(table(rows) + '\n');
    }
    return 0;
  } finally {
    await store.close();
  }
}

export async function keysRevoke(id: string, options: ServeOptions): Promise<number> {
  const { store } = await openStore(options);
  try {
    if (!(await store.revokeKey(id, Date.now())))
      throw new ArbiterError('INVALID_INPUT', `no active key with id ${id}`);
    process.stderr.write(`revoked ${id}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
