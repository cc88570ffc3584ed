// The migration runner: applies POSTGRES_MIGRATIONS under an advisory lock, each in a transaction.
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from '../postgres-migrations.js';
import { storeError } from './errors.js';
import { connectionConfig, quoteIdentifier, resolveOptions, type PostgresStoreOptions } from './options.js';

/** First key of the migration advisory lock ('ARBI'); the second is the schema's hash. */
const MIGRATION_LOCK = 0x41524249;

/**
 * Applies the migrations the schema has not seen yet, each in its own transaction that also records
 * it in schema_migrations. Every transaction first takes a transaction-scoped advisory lock for the
 * schema, so processes starting at once apply each migration exactly once: the others wait, then
 * find it recorded. The schema and schema_migrations are created when missing (looked up first, so an
 * up-to-date schema needs no CREATE privilege). Returns the versions this call applied.
 *
 * It uses a connection of its own, without the pool's client-side query timeout: a migration that
 * needs longer than the statement timeout raises it with SET LOCAL statement_timeout in its SQL.
 */
export async function migratePostgres(options: PostgresStoreOptions): Promise<number[]> {
  const settings = resolveOptions(options);
  const { schema } = settings;
  const quoted = quoteIdentifier(schema);
  const client = new pg.Client(connectionConfig(settings));
  // An error between two of our queries (the connection lost) would otherwise be an uncaught 'error'
  // event; the next query fails with it anyway.
  client.on('error', () => undefined);
  const ran: number[] = [];
  try {
    await client.connect();
    // Held for the whole run (released when the connection ends): one process applies every pending
    // migration and the others find them all recorded, rather than sharing the run between them.
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    for (const migration of POSTGRES_MIGRATIONS) {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
      const hasSchema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (hasSchema.rowCount === 0) await client.query(`CREATE SCHEMA ${quoted}`);
      await client.query(`SET LOCAL search_path TO ${quoted}`);
      const hasTable = await client.query(
        `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'schema_migrations'`,
        [schema],
      );
      if (hasTable.rowCount === 0)
        await client.query(
          'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        );
      const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (applied.rowCount === 0) {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        ran.push(migration.version);
      }
      await client.query('COMMIT');
    }
    return ran;
  } catch (error) {
    throw storeError(error);
  } finally {
    // Closing the connection also rolls back a transaction a failure left open.
    await client.end();
  }
}
