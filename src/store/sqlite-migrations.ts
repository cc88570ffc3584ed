import { schemaMigrations, type Migration, type MigrationDialect } from './migrations.js';

/**
 * The embedded SQLite store's words for the migrations (migrations.ts), applied by migrateSqlite
 * (sqlite-store.ts). SQLite keeps JSON as TEXT and reads it with json_extract.
 */
const SQLITE_DIALECT: MigrationDialect = {
  types: { sequence: 'INTEGER PRIMARY KEY AUTOINCREMENT', json: 'TEXT', millis: 'INTEGER', real: 'REAL' },
  jsonText: (column, path) => `json_extract(${column}, '$.${path.join('.')}')`,
  jsonNumber: (column, path) => SQLITE_DIALECT.jsonText(column, path),
  // A statement has no time limit in SQLite.
  beforeBackfill: '',
  initialIndexes: {
    submissions: `
      -- The queue's run order on restart, and the live queue's scan.
      CREATE INDEX submissions_queue ON submissions (status, priority DESC, seq);`,
    problems: '',
    apiKeys: '',
  },
};

export const SQLITE_MIGRATIONS: readonly Migration[] = schemaMigrations(SQLITE_DIALECT);
