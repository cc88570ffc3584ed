import * as Rows from './rows.js';
import pg from 'pg';
import { ArbiterError, isArbiterError } from '../errors.js';
import type { SubmissionStatus } from '../judge/types.js';
import { gradebookFromRow, gradebookSql, type GradebookSqlRow } from './gradebook-query.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { submissionCountSql, submissionQuerySql } from './submission-query.js';
import type {
  ApiKeyRecord,
  FinishedSummary,
  GradebookQuery,
  GradebookRow,
  NewSubmission,
  ProblemRecord,
  StatusCount,
  Store,
  SubmissionFilter,
  SubmissionQuery,
  SubmissionRecord,
} from './types.js';

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

type Settings = Required<PostgresStoreOptions>;

/** Lower case, so the name means the same quoted or not; pg_ names are PostgreSQL's own. */
const SCHEMA_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema))
    throw new ArbiterError(
      'INVALID_INPUT',
      `postgres schema must be 1-63 lower-case letters, digits or _, not starting with a digit or pg_, got ${JSON.stringify(schema)}`,
    );
}

function resolveOptions(options: PostgresStoreOptions): Settings {
  // An option given as undefined takes its default, as one left out does.
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<PostgresStoreOptions>;
  const settings: Settings = {
    ...DEFAULT_POSTGRES_STORE_OPTIONS,
    onIdleError: () => undefined,
    connectionString: options.connectionString,
    ...given,
  };
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

// ---------------------------------------------------------------------------------------------------
// JSONB values. JSON text may hold U+0000 and unpaired surrogates, and so may a program's output or a
// request's stdin; JSONB rejects both (22P05, 22P02), and SQLite keeps them. So a string holding one is
// stored escaped: ESCAPED, then the string with % as %25, U+0000 as %00 and an unpaired surrogate as
// %uXXXX. A string that starts with ESCAPED is escaped too, so decoding is exact. Every other string,
// nearly all of them, is stored as it is and stays queryable.

const ESCAPED = '\uE000arbiter-escaped:';
const TO_ESCAPE = /%|\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** In JSON.stringify's output: an escaped U+0000 or unpaired surrogate, or the marker. A cheap pre-check. */
const MAYBE_UNSTORABLE = /\\u0000|\\ud[89a-f]|\uE000/;

function escapeString(s: string): string {
  if (!s.startsWith(ESCAPED) && !UNSTORABLE.test(s)) return s;
  return (
    ESCAPED +
    s.replace(TO_ESCAPE, (c) =>
      c === '%' ? '%25' : c === '\0' ? '%00' : `%u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
  );
}

function unescapeString(s: string): string {
  if (!s.startsWith(ESCAPED)) return s;
  return s
    .slice(ESCAPED.length)
    .replace(/%(00|25|u[0-9a-f]{4})/g, (_, c: string) =>
      c === '00' ? '\0' : c === '25' ? '%' : String.fromCharCode(parseInt(c.slice(1), 16)),
    );
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, f));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapStrings(v, f)]));
  return value;
}

/** JSON text for a JSONB parameter. */
function encodeJsonb(value: unknown): string {
  const text = JSON.stringify(value);
  return MAYBE_UNSTORABLE.test(text) ? JSON.stringify(mapStrings(JSON.parse(text), escapeString)) : text;
}

/** The value of a JSONB column, as encodeJsonb was given it. */
function decodeJsonb(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return text.includes(ESCAPED) ? mapStrings(value, unescapeString) : value;
}

/**
 * This pool's own type parsers (the global pg.types stay untouched for other users of pg): BIGINT
 * holds millisecond timestamps, seqs and counts, all far below 2^53, so it comes back as a number.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === pg.types.builtins.INT8) return Number;
      if (oid === pg.types.builtins.JSONB) return decodeJsonb;
    }
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

// ---------------------------------------------------------------------------------------------------
// Failures. An outage is DEPENDENCY_UNAVAILABLE (503, retry later); anything else (a constraint, a
// bug) passes through as it is.

/** Socket errors, and SQLSTATEs that mean the server is going away or cannot take us now. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is stopping or our backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down or in recovery
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout passed, the server is too busy to answer in time
]);

/**
 * pg reports its own connection failures as plain Errors without a code, so these are matched on
 * their text (pg 8: lib/client.js, pg-pool: index.js).
 */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated', // ...unexpectedly / ...due to connection timeout
  'timeout exceeded when trying to connect', // the pool: no connection free in time
  'timeout expired', // a client's own connectionTimeoutMillis
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
];

function isUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (UNAVAILABLE_MESSAGES.some((m) => error.message.startsWith(m))) return true;
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  if (error instanceof AggregateError && error.errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(error.cause, depth + 1);
}

function describe(error: Error): string {
  if (error.message !== '') return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

/** Maps an outage to DEPENDENCY_UNAVAILABLE; returns any other error unchanged. */
function storeError(error: unknown): unknown {
  if (isArbiterError(error) || !isUnavailable(error)) return error;
  return new ArbiterError(
    'DEPENDENCY_UNAVAILABLE',
    `PostgreSQL is unavailable: ${describe(error as Error)}`,
    {
      cause: error,
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Migrations.

/** First key of the migration advisory lock ('ARBI'); the second is the schema's hash. */
const MIGRATION_LOCK = 0x41524249;

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** What every connection gets, the pool's and the migrations' own. */
function connectionConfig(settings: Settings): pg.ClientConfig {
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

// ---------------------------------------------------------------------------------------------------
// The store.

type SubmissionRow = Rows.SubmissionRow<
  SubmissionRecord['request'] | NonNullable<SubmissionRecord['result']>
>;

// JSONB arrives parsed; the row mapping is shared with the SQLite store.
const toRecord = (row: SubmissionRow): SubmissionRecord => Rows.submissionFromRow(row, (value) => value);
const toKey = Rows.keyFromRow;
type KeyRow = Rows.KeyRow;

/** SQLite reads a negative LIMIT as none; PostgreSQL rejects it and reads NULL as none. */
const sqlLimit = (limit: number): number | null => (limit < 0 ? null : limit);

const UNFINISHED = `status IN ('queued', 'running')`;

// Columns are named, never *: a prepared `SELECT *` fails ("cached plan must not change result type")
// in a process still running while a newer one migrates a column in.
const SUBMISSION = `seq, id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request,
  result, attempts, created_at, started_at, finished_at`;
const KEY = 'id, name, role, priority, rate, created_at, revoked_at';

/**
 * Every statement, named so each connection prepares it once. Each state change is one statement, so
 * it is atomic; the guards are the SQLite store's.
 */
const SQL = {
  insert: `INSERT INTO submissions (id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at)
    VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq`,
  // A group of submissions in one statement: a column of each as an array, the requests as one JSONB
  // array (joined from their JSON texts, so nothing is escaped twice), zipped by ROWS FROM. ORDER BY
  // keeps the seqs in arrival order. One statement is one transaction: it commits every row or none.
  insertMany: `INSERT INTO submissions (id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at)
    SELECT id, 'queued', priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at
    FROM ROWS FROM (unnest($1::text[]), unnest($2::integer[]), unnest($3::text[]), unnest($4::text[]),
      unnest($5::text[]), unnest($6::text[]), unnest($7::text[]), unnest($8::text[]), unnest($9::text[]),
      jsonb_array_elements($10::jsonb), unnest($11::bigint[])) WITH ORDINALITY
      AS t(id, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at, n)
    ORDER BY n RETURNING id, seq`,
  get: `SELECT ${SUBMISSION} FROM submissions WHERE id = $1`,
  // queued → running, and running → running when a queue re-delivers a job whose worker died.
  markRunning: `UPDATE submissions SET status = 'running', started_at = $1, attempts = attempts + 1
    WHERE id = $2 AND ${UNFINISHED} RETURNING ${SUBMISSION}`,
  // Only a queued or running submission gets a final status: a final one never changes.
  // The score columns repeat the result's, for the gradebook (migration 4).
  finish: `UPDATE submissions SET status = $1, result = $2, finished_at = $3, score = $5, max_score = $6
    WHERE id = $4 AND ${UNFINISHED}`,
  requeue: `UPDATE submissions SET status = 'queued', started_at = NULL WHERE status = 'running'`,
  listQueued: `SELECT ${SUBMISSION} FROM submissions WHERE status = 'queued' ORDER BY priority DESC, seq LIMIT $1`,
  listUnfinished: `SELECT ${SUBMISSION} FROM submissions WHERE ${UNFINISHED} AND created_at < $1 ORDER BY seq LIMIT $2`,
  listFinishedAmong: `SELECT id, key_id, status, finished_at FROM submissions
    WHERE id = ANY($1::text[]) AND finished_at IS NOT NULL`,
  deleteFinished: 'DELETE FROM submissions WHERE finished_at IS NOT NULL AND finished_at < $1',
  countByStatus: `SELECT status, language, count(*) AS count FROM submissions
    GROUP BY status, language ORDER BY status, language`,
  putProblem: `INSERT INTO problems (id, data, created_at, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
  getProblem: 'SELECT data FROM problems WHERE id = $1',
  // id breaks ties: PostgreSQL has no rowid to fall back on, as SQLite does.
  listProblems: 'SELECT data FROM problems ORDER BY created_at, id',
  deleteProblem: 'DELETE FROM problems WHERE id = $1',
  createKey: `INSERT INTO api_keys (id, hash, name, role, priority, rate, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  findKey: `SELECT ${KEY} FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`,
  listKeys: `SELECT ${KEY} FROM api_keys ORDER BY created_at, id`,
  revokeKey: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  getCached: 'SELECT result FROM result_cache WHERE key = $1',
  putCached: `INSERT INTO result_cache (key, result, created_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at`,
  ping: 'SELECT 1 AS ok',
} as const;

/**
 * One group insert's bounds: at most this many rows, and past this many characters of request JSON
 * the group is split (one submission may be far larger, and then goes alone). Each part is its own
 * statement; the pool runs them side by side.
 */
const INSERT_GROUP_ROWS = 256;
const INSERT_GROUP_CHARS = 4 * 1024 * 1024;

interface PendingInsert {
  submission: NewSubmission;
  /** The request as JSONB text (encodeJsonb). */
  request: string;
  now: number;
  resolve: (record: SubmissionRecord) => void;
  reject: (error: unknown) => void;
}

/** Splits the submissions waiting to be inserted into groups within the bounds above, in order. */
function insertGroups(pending: readonly PendingInsert[]): PendingInsert[][] {
  const groups: PendingInsert[][] = [];
  let group: PendingInsert[] = [];
  let chars = 0;
  for (const item of pending) {
    if (
      group.length > 0 &&
      (group.length === INSERT_GROUP_ROWS || chars + item.request.length > INSERT_GROUP_CHARS)
    ) {
      groups.push(group);
      group = [];
      chars = 0;
    }
    group.push(item);
    chars += item.request.length;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * The record of a row just inserted, built from what was written: the row holds exactly this. Field
 * by field rather than spread: cheaper on the accept path, and nothing but the columns gets in.
 */
const insertedRecord = ({ submission: s, now }: PendingInsert, seq: number): SubmissionRecord => ({
  id: s.id,
  priority: s.priority,
  keyId: s.keyId,
  user: s.user,
  submitter: s.submitter,
  language: s.language,
  version: s.version,
  problemId: s.problemId,
  callbackUrl: s.callbackUrl,
  request: s.request,
  status: 'queued',
  result: null,
  attempts: 0,
  seq,
  createdAt: now,
  startedAt: null,
  finishedAt: null,
});

function createPool(settings: Settings): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(settings),
    max: settings.maxConnections,
    idleTimeoutMillis: settings.idleTimeoutMs,
    // The client-side limit, for a server that stopped answering without closing the socket: the
    // server gets its statement timeout, plus a connection timeout to report it, before we give up.
    query_timeout: settings.statementTimeoutMs + settings.connectionTimeoutMs,
  });
  // Without a listener, an idle connection's error (PostgreSQL restarted) would crash the process.
  // The pool has already dropped that connection; the next query opens a new one or reports the outage.
  pool.on('error', (error) => settings.onIdleError(error));
  return pool;
}

/**
 * The scale-out store: PostgreSQL through a connection pool. Mirrors SqliteStore statement for
 * statement. While PostgreSQL is unreachable every method rejects promptly with
 * DEPENDENCY_UNAVAILABLE (ping() answers false), and it works again by itself when PostgreSQL is
 * back: the pool opens new connections on demand.
 */
export class PostgresStore implements Store {
  /** The pool itself, for tests and tools; code above src/store sees only Store. */
  readonly pool: pg.Pool;
  readonly schema: string;
  /** Migration versions that connect() applied (empty when the schema was up to date). */
  readonly migrated: readonly number[];
  #closed = false;
  #pendingInserts: PendingInsert[] = [];

  private constructor(pool: pg.Pool, schema: string, migrated: readonly number[]) {
    this.pool = pool;
    this.schema = schema;
    this.migrated = migrated;
  }

  /** Migrates the schema, then opens the pool. Rejects with DEPENDENCY_UNAVAILABLE when PostgreSQL is down. */
  static async connect(options: PostgresStoreOptions): Promise<PostgresStore> {
    const settings = resolveOptions(options);
    const migrated = await migratePostgres(settings);
    return new PostgresStore(createPool(settings), settings.schema, migrated);
  }

  async #query<Row extends pg.QueryResultRow>(
    name: keyof typeof SQL,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.pool.query<Row>({ name, text: SQL[name], values });
    } catch (error) {
      throw storeError(error);
    }
  }

  async #rows<Row extends pg.QueryResultRow>(name: keyof typeof SQL, values?: unknown[]): Promise<Row[]> {
    return (await this.#query<Row>(name, values)).rows;
  }

  async #changes(name: keyof typeof SQL, values: unknown[] = []): Promise<number> {
    return (await this.#query(name, values)).rowCount ?? 0;
  }

  /**
   * Inserts are written in groups: every submission that arrives within one turn of the event loop
   * goes into one multi-row INSERT, so a burst pays one round trip and one commit instead of one
   * each. Each promise settles only after its row is committed, so a 202 still means the submission
   * is in PostgreSQL. A group that fails for its data (one row breaks a constraint) is retried a row
   * at a time, so only the bad row's caller hears of it; an outage fails the whole group at once.
   */
  createSubmission(submission: NewSubmission, now: number): Promise<SubmissionRecord> {
    return new Promise((resolve, reject) => {
      const request = encodeJsonb(submission.request);
      if (this.#pendingInserts.push({ submission, request, now, resolve, reject }) === 1)
        setImmediate(() => this.#flushInserts());
    });
  }

  #flushInserts(): void {
    for (const group of insertGroups(this.#pendingInserts.splice(0))) void this.#insertGroup(group);
  }

  async #insertGroup(group: PendingInsert[]): Promise<void> {
    if (group.length === 1) return this.#insertOne(group[0]!);
    let rows: { id: string; seq: number }[];
    try {
      rows = await this.#rows<{ id: string; seq: number }>('insertMany', [
        group.map((p) => p.submission.id),
        group.map((p) => p.submission.priority),
        group.map((p) => p.submission.keyId),
        group.map((p) => p.submission.user),
        group.map((p) => p.submission.submitter),
        group.map((p) => p.submission.language),
        group.map((p) => p.submission.version),
        group.map((p) => p.submission.problemId),
        group.map((p) => p.submission.callbackUrl),
        `[${group.map((p) => p.request).join(',')}]`,
        group.map((p) => p.now),
      ]);
    } catch (error) {
      if (isArbiterError(error, 'DEPENDENCY_UNAVAILABLE')) {
        for (const pending of group) pending.reject(error);
        return;
      }
      // Nothing of the group was written: each row on its own, in order, to blame the right one.
      for (const pending of group) await this.#insertOne(pending);
      return;
    }
    const seqs = new Map(rows.map((row) => [row.id, row.seq]));
    for (const pending of group) {
      const seq = seqs.get(pending.submission.id);
      if (seq === undefined)
        pending.reject(new Error(`the group insert returned no row for ${pending.submission.id}`));
      else pending.resolve(insertedRecord(pending, seq));
    }
  }

  async #insertOne(pending: PendingInsert): Promise<void> {
    const { submission } = pending;
    try {
      const [row] = await this.#rows<{ seq: number }>('insert', [
        submission.id,
        submission.priority,
        submission.keyId,
        submission.user,
        submission.submitter,
        submission.language,
        submission.version,
        submission.problemId,
        submission.callbackUrl,
        pending.request,
        pending.now,
      ]);
      pending.resolve(insertedRecord(pending, row!.seq));
    } catch (error) {
      pending.reject(error);
    }
  }

  async getSubmission(id: string): Promise<SubmissionRecord | null> {
    const [row] = await this.#rows<SubmissionRow>('get', [id]);
    return row ? toRecord(row) : null;
  }

  async markRunning(id: string, now: number): Promise<SubmissionRecord | null> {
    const [row] = await this.#rows<SubmissionRow>('markRunning', [now, id]);
    return row ? toRecord(row) : null;
  }

  async finishSubmission(
    id: string,
    status: SubmissionStatus,
    result: SubmissionRecord['result'],
    now: number,
  ): Promise<boolean> {
    return (
      (await this.#changes('finish', [
        status,
        result === null ? null : encodeJsonb(result),
        now,
        id,
        result?.score ?? null,
        result?.maxScore ?? null,
      ])) === 1
    );
  }

  async requeueRunning(): Promise<number> {
    return this.#changes('requeue');
  }

  async listQueued(limit = -1): Promise<SubmissionRecord[]> {
    return (await this.#rows<SubmissionRow>('listQueued', [sqlLimit(limit)])).map(toRecord);
  }

  async listSubmissions(query: SubmissionQuery): Promise<SubmissionRecord[]> {
    const { sql, values } = submissionQuerySql(query, (n) => `$${n}`);
    try {
      const result = await this.pool.query<SubmissionRow>(
        `SELECT ${SUBMISSION} FROM submissions ${sql}`,
        values,
      );
      return result.rows.map(toRecord);
    } catch (error) {
      throw storeError(error);
    }
  }

  async countSubmissions(filter: SubmissionFilter): Promise<number> {
    const { sql, values } = submissionCountSql(filter, (n) => `$${n}`);
    try {
      const result = await this.pool.query<{ count: string }>(
        `SELECT count(*) AS count FROM submissions ${sql}`,
        values,
      );
      return Number(result.rows[0]!.count);
    } catch (error) {
      throw storeError(error);
    }
  }

  async listFinishedAmong(ids: readonly string[]): Promise<FinishedSummary[]> {
    // finished_at is BIGINT, which this pool parses as a number (see the type parsers above).
    return (await this.#rows<Rows.FinishedRow>('listFinishedAmong', [ids])).map(Rows.finishedFromRow);
  }

  async listUnfinished(before: number, limit: number): Promise<SubmissionRecord[]> {
    return (await this.#rows<SubmissionRow>('listUnfinished', [before, sqlLimit(limit)])).map(toRecord);
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    return this.#changes('deleteFinished', [before]);
  }

  async countByStatus(): Promise<StatusCount[]> {
    return this.#rows<StatusCount & pg.QueryResultRow>('countByStatus');
  }

  async gradebook(query: GradebookQuery): Promise<GradebookRow[]> {
    // The database's collation may be a locale's; "C" is code-point order, as SQLite's BINARY.
    const { sql, values } = gradebookSql(query, { param: (n) => `$${n}`, collate: ' COLLATE "C"' });
    try {
      return (await this.pool.query<GradebookSqlRow>(sql, values)).rows.map(gradebookFromRow);
    } catch (error) {
      throw storeError(error);
    }
  }

  async putProblem(problem: ProblemRecord): Promise<void> {
    await this.#query('putProblem', [problem.id, encodeJsonb(problem), problem.createdAt, problem.updatedAt]);
  }

  async getProblem(id: string): Promise<ProblemRecord | null> {
    const [row] = await this.#rows<{ data: ProblemRecord }>('getProblem', [id]);
    return row ? row.data : null;
  }

  async listProblems(): Promise<ProblemRecord[]> {
    return (await this.#rows<{ data: ProblemRecord }>('listProblems')).map((r) => r.data);
  }

  async deleteProblem(id: string): Promise<boolean> {
    return (await this.#changes('deleteProblem', [id])) === 1;
  }

  async createKey(key: ApiKeyRecord, hash: string): Promise<void> {
    await this.#query('createKey', [
      key.id,
      hash,
      key.name,
      key.role,
      key.priority,
      key.ratePerSec,
      key.createdAt,
    ]);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.#rows<KeyRow>('findKey', [hash]);
    return row ? toKey(row) : null;
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return (await this.#rows<KeyRow>('listKeys')).map(toKey);
  }

  async revokeKey(id: string, now: number): Promise<boolean> {
    return (await this.#changes('revokeKey', [now, id])) === 1;
  }

  async getCachedResult(key: string): Promise<SubmissionRecord['result']> {
    const [row] = await this.#rows<{ result: NonNullable<SubmissionRecord['result']> }>('getCached', [key]);
    return row ? row.result : null;
  }

  async putCachedResult(
    key: string,
    result: NonNullable<SubmissionRecord['result']>,
    now: number,
  ): Promise<void> {
    await this.#query('putCached', [key, encodeJsonb(result), now]);
  }

  /** True when PostgreSQL answers; false, never a rejection, while it is unreachable. */
  async ping(): Promise<boolean> {
    try {
      return (await this.pool.query<{ ok: number }>(SQL.ping)).rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  /** Closes every connection; waits for queries under way. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Submissions already handed to createSubmission get their INSERT before the pool closes.
    this.#flushInserts();
    await this.pool.end();
  }
}
