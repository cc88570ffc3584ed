import { schemaMigrations, type Migration, type MigrationDialect } from './migrations.js';

/**
 * The PostgreSQL store's words for the migrations (migrations.ts). Each migration runs in its own
 * transaction, under an advisory lock, and is recorded in schema_migrations (see migratePostgres in
 * postgres/migrate.ts). The SQL names no schema: it runs with search_path set to the store's schema.
 * Timestamps are BIGINT milliseconds; request, result and problem data are JSONB.
 */
const POSTGRES_DIALECT: MigrationDialect = {
  types: { sequence: 'BIGSERIAL PRIMARY KEY', json: 'JSONB', millis: 'BIGINT', real: 'DOUBLE PRECISION' },
  jsonText: (column, path) => {
    const keys = path.map((key) => `'${key}'`);
    return `${[column, ...keys.slice(0, -1)].join('->')}->>${keys.at(-1)}`;
  },
  jsonNumber: (column, path) => `(${POSTGRES_DIALECT.jsonText(column, path)})::double precision`,
  beforeBackfill: `
      -- The backfill reads every submission once: no statement timeout for it.
      SET LOCAL statement_timeout = 0;`,
  initialIndexes: {
    submissions: `
      -- The run order (listQueued): only queued rows, which
      -- keeps the index small however many finished submissions are kept.
      CREATE INDEX submissions_queue ON submissions (priority DESC, seq) WHERE status = 'queued';
      -- The reconciler's scan (listUnfinished) and crash recovery (requeueRunning).
      CREATE INDEX submissions_unfinished ON submissions (seq) WHERE status IN ('queued', 'running');
      -- countByStatus: an index-only scan instead of reading every row.
      CREATE INDEX submissions_status_language ON submissions (status, language);`,
    problems: 'CREATE INDEX problems_created ON problems (created_at);',
    apiKeys: 'CREATE INDEX api_keys_created ON api_keys (created_at);',
  },
};

export const POSTGRES_MIGRATIONS: readonly Migration[] = schemaMigrations(POSTGRES_DIALECT);
