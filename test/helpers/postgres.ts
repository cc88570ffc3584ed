// PostgreSQL for tests: the server this machine runs (override with ARBITER_TEST_POSTGRES_URL), one
// fresh schema per store so tests and test files never see each other's rows. No fallback and no
// skip: when PostgreSQL is missing, opening a store throws, naming the URL it tried.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/store.js';

export const TEST_POSTGRES_URL =
  process.env.ARBITER_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** A schema name no other test uses: arbiter_test_ and 16 hex digits. */
export function testSchemaName(): string {
  return `arbiter_test_${randomBytes(8).toString('hex')}`;
}

/** Drops a schema and everything in it; nothing happens when it does not exist. */
export async function dropTestSchema(schema: string, connectionString = TEST_POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export interface TestPostgresStore {
  /** Connected and migrated, in its own schema. */
  store: PostgresStore;
  /** To connect more stores (a restarted process) to the same data. */
  connectionString: string;
  schema: string;
  /** Closes the store (if still open) and drops the schema. Works after the store was closed. */
  drop(): Promise<void>;
}

/** A store in a new schema of the test PostgreSQL. Fails loudly when PostgreSQL is unreachable. */
export async function openTestPostgresStore(
  options: Omit<PostgresStoreOptions, 'connectionString' | 'schema'> = {},
): Promise<TestPostgresStore> {
  const connectionString = TEST_POSTGRES_URL;
  const schema = testSchemaName();
  let store: PostgresStore;
  try {
    store = await PostgresStore.connect({ ...options, connectionString, schema });
  } catch (error) {
    throw new Error(
      `this test needs PostgreSQL at ${connectionString} (set ARBITER_TEST_POSTGRES_URL to use another): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return {
    store,
    connectionString,
    schema,
    drop: async () => {
      await store.close();
      await dropTestSchema(schema, connectionString);
    },
  };
}
