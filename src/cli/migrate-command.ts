import type { Command } from 'commander';
import { exitCodeActionWithEnv } from './command-action.js';
import { ArbiterError } from '../errors.js';
import { POSTGRES_MIGRATIONS } from '../store/postgres-migrations.js';
import { PostgresStore } from '../store/postgres/store.js';

export interface MigrateCommandOptions {
  /** PostgreSQL URL; ARBITER_POSTGRES_URL when absent. */
  postgres?: string;
  /** Schema for Arbiter's tables; ARBITER_POSTGRES_SCHEMA, else public, when absent. */
  schema?: string;
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the PostgreSQL schema migrations the database has not seen yet (safe to run again)')
    .option('--postgres <url>', 'PostgreSQL URL (or ARBITER_POSTGRES_URL)')
    .option('--schema <name>', "schema for Arbiter's tables, created if missing (default public)")
    .action(exitCodeActionWithEnv(migrateCommand));
}

/**
 * `arbiter migrate`: what `serve` and `worker` do at start-up anyway, as a deployment step of its own
 * (a Kubernetes init job, say). Prints each version it applied, then the version the schema is at.
 */
export async function migrateCommand(
  options: MigrateCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const connectionString = options.postgres ?? env.ARBITER_POSTGRES_URL ?? '';
  if (connectionString === '')
    throw new ArbiterError('INVALID_INPUT', 'migrate needs --postgres URL (or ARBITER_POSTGRES_URL)');
  const schema = options.schema ?? env.ARBITER_POSTGRES_SCHEMA;
  let store: PostgresStore;
  try {
    store = await PostgresStore.connect({ connectionString, schema });
  } catch (error) {
    if (error instanceof ArbiterError) throw error;
    // PostgreSQL's own refusals (a wrong password, no such database) are a line for a person, not a
    // stack trace; SQLSTATE included so it can be looked up.
    const code = (error as { code?: unknown }).code;
    process.stderr.write(
      `arbiter: migration failed: ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
    );
    return 1;
  }
  try {
    const names = new Map(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name]));
    const latest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
    for (const version of store.migrated) process.stdout.write(`applied ${version}: ${names.get(version)}\n`);
    process.stdout.write(
      store.migrated.length === 0
        ? `schema ${store.schema} is up to date at version ${latest}; nothing to apply\n`
        : `schema ${store.schema} is at version ${latest}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
