// The PostgreSQL store's options: their defaults, their checks, and the connection settings every
// connection (the pool's and the migration runner's) is opened with.
import pg from 'pg';
import { ArbiterError } from '../../errors.js';
import { withDefaults } from '../../option-defaults.js';
import { TYPES } from './codec.js';

export interface PostgresStoreOptions {
  /** postgres:// URL of the database. Required. */
  connectionString: string;
  /** Schema holding Arbiter's tables, created by the first migration if missing. Default public. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  maxConnections?: number;
  /** Longest one statement may run on the server, in ms. Default 30 s. */
  statementTimeoutMs?: number;
  /**
   * Longest to wait for a connection, in ms: a new one, or a free one when all are busy. Past it the
   * call fails with DEPENDENCY_UNAVAILABLE instead of hanging. Default 3 s.
   */
  connectionTimeoutMs?: number;
  /** An unused connection is closed after this, in ms. Default 10 s. */
  idleTimeoutMs?: number;
  /** application_name, as pg_stat_activity shows it. Default arbiter. */
  applicationName?: string;
  /**
   * Told when an idle pooled connection fails (PostgreSQL restarted, the network dropped). The pool
   * has discarded that connection already and the next call reports the outage, so this is for
   * logging only. Default: ignored.
   */
  onIdleError?: (error: Error) => void;
}

export const DEFAULT_POSTGRES_STORE_OPTIONS: Readonly<
  Required<Omit<PostgresStoreOptions, 'connectionString' | 'onIdleError'>>
> = Object.freeze({
  schema: 'public',
  maxConnections: 10,
  statementTimeoutMs: 30_000,
  connectionTimeoutMs: 3_000,
  idleTimeoutMs: 10_000,
  applicationName: 'arbiter',
});

export type Settings = Required<PostgresStoreOptions>;

/** Lower case, so the name means the same quoted or not; pg_ names are PostgreSQL's own. */
const SCHEMA_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema))
    throw new ArbiterError(
      'INVALID_INPUT',
      `postgres schema must be 1-63 lower-case letters, digits or _, not starting with a digit or pg_, got ${JSON.stringify(schema)}`,
    );
}

export function resolveOptions(options: PostgresStoreOptions): Settings {
  const settings: Settings = withDefaults(
    {
      ...DEFAULT_POSTGRES_STORE_OPTIONS,
      onIdleError: () => undefined,
      connectionString: options.connectionString,
    },
    options,
  );
  if (typeof settings.connectionString !== 'string' || settings.connectionString === '')
    throw new ArbiterError('INVALID_INPUT', 'postgres connectionString is required');
  assertSchemaName(settings.schema);
  for (const key of [
    'maxConnections',
    'statementTimeoutMs',
    'connectionTimeoutMs',
    'idleTimeoutMs',
  ] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1)
      throw new ArbiterError(
        'INVALID_INPUT',
        `postgres ${key} must be a whole number >= 1, got ${String(settings[key])}`,
      );
  }
  return settings;
}

export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** What every connection gets, the pool's and the migrations' own. */
export function connectionConfig(settings: Settings): pg.ClientConfig {
  return {
    connectionString: settings.connectionString,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    keepAlive: true,
    application_name: settings.applicationName,
    // Sent in the startup packet, so every connection, new or reconnected, has it before its first
    // query. A connection string's own ?options= takes precedence (pg merges the URL over the config).
    options: `-c search_path=${quoteIdentifier(settings.schema)}`,
    types: TYPES,
  };
}
