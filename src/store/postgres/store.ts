// The scale-out store's class: a pool, group inserts, and one method per Store operation.
import pg from 'pg';
import { isArbiterError } from '../../errors.js';
import type { SubmissionStatus } from '../../judge/types.js';
import { gradebookFromRow, gradebookSql, type GradebookSqlRow } from '../gradebook-query.js';
import * as Rows from '../rows.js';
import { submissionCountSql, submissionQuerySql } from '../submission-query.js';
import type {
  RetentionCut,
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
} from '../types.js';
import { encodeJsonb } from './codec.js';
import { storeError } from './errors.js';
import { migratePostgres } from './migrate.js';
import { connectionConfig, resolveOptions, type PostgresStoreOptions, type Settings } from './options.js';
import { SQL, SUBMISSION, sqlLimit } from './sql.js';

export { DEFAULT_POSTGRES_STORE_OPTIONS, type PostgresStoreOptions } from './options.js';
export { migratePostgres } from './migrate.js';

type SubmissionRow = Rows.SubmissionRow<
  SubmissionRecord['request'] | NonNullable<SubmissionRecord['result']>
>;

// JSONB arrives parsed; the row mapping is shared with the SQLite store.
const toRecord = (row: SubmissionRow): SubmissionRecord => Rows.submissionFromRow(row, (value) => value);
const toKey = Rows.keyFromRow;
type KeyRow = Rows.KeyRow;

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
  callback: s.callback,
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
        group.map((p) => p.submission.callback?.url ?? null),
        `[${group.map((p) => p.request).join(',')}]`,
        group.map((p) => p.now),
        group.map((p) => p.submission.callback?.format ?? 'arbiter'),
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
        submission.callback?.url ?? null,
        pending.request,
        pending.now,
        submission.callback?.format ?? 'arbiter',
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
    // finished_at is BIGINT, which this pool parses as a number (see TYPES in codec.ts).
    return (await this.#rows<Rows.FinishedRow>('listFinishedAmong', [ids])).map(Rows.finishedFromRow);
  }

  async listUnfinished(before: number, limit: number): Promise<SubmissionRecord[]> {
    return (await this.#rows<SubmissionRow>('listUnfinished', [before, sqlLimit(limit)])).map(toRecord);
  }

  async deleteFinishedBefore(cut: RetentionCut): Promise<number> {
    return this.#changes('deleteFinished', [cut.runs, cut.problems]);
  }

  async deleteProblemSubmissions(problemId: string, user?: string): Promise<number> {
    return this.#changes('deleteProblemSubmissions', [problemId, user ?? null]);
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
