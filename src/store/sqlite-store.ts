import * as Rows from './rows.js';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SubmissionStatus } from '../judge/types.js';
import { gradebookFromRow, gradebookSql, type GradebookSqlRow } from './gradebook-query.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { submissionCountSql, submissionQuerySql } from './submission-query.js';
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
} from './types.js';

type SubmissionRow = Rows.SubmissionRow<string>;
type KeyRow = Rows.KeyRow;

interface PendingInsert {
  submission: NewSubmission;
  now: number;
  resolve: (record: SubmissionRecord) => void;
  reject: (error: Error) => void;
}

const FINAL_GUARD = `status IN ('queued', 'running')`;

// SQLite keeps JSON as text; the row mapping is shared with the PostgreSQL store.
const toRecord = (row: SubmissionRow): SubmissionRecord =>
  Rows.submissionFromRow(row, (text) => JSON.parse(text));
const toKey = Rows.keyFromRow;

/** Applies the migrations this database has not seen yet, each in its own transaction. */
export function migrateSqlite(db: Database.Database): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const ran: number[] = [];
  for (const migration of SQLITE_MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    })();
    ran.push(migration.version);
  }
  return ran;
}

/**
 * The embedded store: one SQLite file in WAL mode. synchronous=NORMAL keeps every committed
 * transaction through a crash of the process (kill -9); only a power loss can drop the last few.
 */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  readonly #stmt;
  readonly #insertAll: (batch: readonly PendingInsert[]) => SubmissionRecord[];
  #pendingInserts: PendingInsert[] = [];

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrateSqlite(this.db);
    const db = this.db;
    this.#stmt = {
      insert: db.prepare(
        `INSERT INTO submissions (id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, callback_format, request, created_at)
         VALUES (@id, 'queued', @priority, @keyId, @user, @submitter, @language, @version, @problemId, @callbackUrl, @callbackFormat, @request, @createdAt)`,
      ),
      get: db.prepare('SELECT * FROM submissions WHERE id = ?'),
      markRunning: db.prepare(
        `UPDATE submissions SET status = 'running', started_at = ?, attempts = attempts + 1
         WHERE id = ? AND status IN ('queued', 'running') RETURNING *`,
      ),
      // The score columns repeat the result's, for the gradebook (migration 4).
      finish: db.prepare(
        `UPDATE submissions SET status = ?, result = ?, finished_at = ?, score = ?, max_score = ?
         WHERE id = ? AND ${FINAL_GUARD}`,
      ),
      requeue: db.prepare(
        `UPDATE submissions SET status = 'queued', started_at = NULL WHERE status = 'running'`,
      ),
      listQueued: db.prepare(
        `SELECT * FROM submissions WHERE status = 'queued' ORDER BY priority DESC, seq LIMIT ?`,
      ),
      listUnfinished: db.prepare(
        `SELECT * FROM submissions WHERE status IN ('queued', 'running') AND created_at < ? ORDER BY seq LIMIT ?`,
      ),
      // One statement for any number of ids: they arrive as one JSON array.
      listFinishedAmong: db.prepare(
        `SELECT id, key_id, status, finished_at FROM submissions
          WHERE id IN (SELECT value FROM json_each(?)) AND finished_at IS NOT NULL`,
      ),
      deleteFinished: db.prepare(`DELETE FROM submissions WHERE finished_at IS NOT NULL
        AND CASE WHEN problem_id IS NULL THEN finished_at < ? ELSE finished_at < ? END`),
      deleteProblemSubmissions: db.prepare(`DELETE FROM submissions
        WHERE problem_id = ? AND finished_at IS NOT NULL AND (? IS NULL OR user_name = ?)`),
      countByStatus: db.prepare(
        'SELECT status, language, count(*) AS count FROM submissions GROUP BY status, language',
      ),
      putProblem: db.prepare(
        `INSERT INTO problems (id, data, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      ),
      getProblem: db.prepare('SELECT data FROM problems WHERE id = ?'),
      listProblems: db.prepare('SELECT data FROM problems ORDER BY created_at'),
      deleteProblem: db.prepare('DELETE FROM problems WHERE id = ?'),
      createKey: db.prepare(
        `INSERT INTO api_keys (id, hash, name, role, priority, rate, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      findKey: db.prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL'),
      listKeys: db.prepare('SELECT * FROM api_keys ORDER BY created_at'),
      revokeKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      getCached: db.prepare('SELECT result FROM result_cache WHERE key = ?'),
      putCached: db.prepare(
        `INSERT INTO result_cache (key, result, created_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at`,
      ),
    };
    this.#insertAll = db.transaction((batch: readonly PendingInsert[]) =>
      batch.map((pending) => this.#insertOne(pending.submission, pending.now)),
    );
  }

  /**
   * Inserts are committed in groups: every submission that arrives within one turn of the event loop
   * shares one transaction, so a burst pays for one WAL append instead of one each. Each promise
   * settles only after its row is committed, so a 202 still means the submission survives a crash.
   */
  createSubmission(submission: NewSubmission, now: number): Promise<SubmissionRecord> {
    return new Promise((resolve, reject) => {
      if (this.#pendingInserts.push({ submission, now, resolve, reject }) === 1) {
        setImmediate(() => this.#flushInserts());
      }
    });
  }

  #flushInserts(): void {
    const batch = this.#pendingInserts.splice(0);
    if (batch.length === 0) return;
    let records: SubmissionRecord[] | null = null;
    try {
      records = this.#insertAll(batch);
    } catch {
      // One bad row must not fail the rest of its group: retry each on its own, to blame the right one.
    }
    if (records) {
      batch.forEach((pending, i) => pending.resolve(records[i]!));
      return;
    }
    for (const pending of batch) {
      try {
        pending.resolve(this.#insertOne(pending.submission, pending.now));
      } catch (error) {
        pending.reject(error as Error);
      }
    }
  }

  #insertOne(submission: NewSubmission, now: number): SubmissionRecord {
    const { callback, ...columns } = submission;
    const { lastInsertRowid } = this.#stmt.insert.run({
      ...columns,
      callbackUrl: callback?.url ?? null,
      callbackFormat: callback?.format ?? 'arbiter',
      request: JSON.stringify(submission.request),
      createdAt: now,
    });
    // Built from what was written rather than read back: the row holds exactly this.
    return {
      ...submission,
      status: 'queued',
      result: null,
      attempts: 0,
      seq: Number(lastInsertRowid),
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
  }

  async getSubmission(id: string): Promise<SubmissionRecord | null> {
    const row = this.#stmt.get.get(id) as SubmissionRow | undefined;
    return row ? toRecord(row) : null;
  }

  async markRunning(id: string, now: number): Promise<SubmissionRecord | null> {
    const row = this.#stmt.markRunning.get(now, id) as SubmissionRow | undefined;
    return row ? toRecord(row) : null;
  }

  async finishSubmission(
    id: string,
    status: SubmissionStatus,
    result: SubmissionRecord['result'],
    now: number,
  ): Promise<boolean> {
    return (
      this.#stmt.finish.run(
        status,
        result === null ? null : JSON.stringify(result),
        now,
        result?.score ?? null,
        result?.maxScore ?? null,
        id,
      ).changes === 1
    );
  }

  async requeueRunning(): Promise<number> {
    return this.#stmt.requeue.run().changes;
  }

  async listQueued(limit = -1): Promise<SubmissionRecord[]> {
    return (this.#stmt.listQueued.all(limit) as SubmissionRow[]).map(toRecord);
  }

  async listSubmissions(query: SubmissionQuery): Promise<SubmissionRecord[]> {
    const { sql, values } = submissionQuerySql(query, () => '?');
    // A handful of shapes at most: better-sqlite3 prepares each once per call, cheaply.
    return (this.db.prepare(`SELECT * FROM submissions ${sql}`).all(...values) as SubmissionRow[]).map(
      toRecord,
    );
  }

  async countSubmissions(filter: SubmissionFilter): Promise<number> {
    const { sql, values } = submissionCountSql(filter, () => '?');
    return (
      this.db.prepare(`SELECT count(*) AS count FROM submissions ${sql}`).get(...values) as { count: number }
    ).count;
  }

  async listFinishedAmong(ids: readonly string[]): Promise<FinishedSummary[]> {
    return (this.#stmt.listFinishedAmong.all(JSON.stringify(ids)) as Rows.FinishedRow[]).map(
      Rows.finishedFromRow,
    );
  }

  async listUnfinished(before: number, limit: number): Promise<SubmissionRecord[]> {
    return (this.#stmt.listUnfinished.all(before, limit) as SubmissionRow[]).map(toRecord);
  }

  async deleteFinishedBefore(cut: RetentionCut): Promise<number> {
    return this.#stmt.deleteFinished.run(cut.runs, cut.problems).changes;
  }

  async deleteProblemSubmissions(problemId: string, user?: string): Promise<number> {
    const name = user ?? null;
    return this.#stmt.deleteProblemSubmissions.run(problemId, name, name).changes;
  }

  async countByStatus(): Promise<StatusCount[]> {
    return this.#stmt.countByStatus.all() as StatusCount[];
  }

  async gradebook(query: GradebookQuery): Promise<GradebookRow[]> {
    // SQLite's default collation, BINARY, is already code-point order for UTF-8.
    const { sql, values } = gradebookSql(query, { param: () => '?', collate: '' });
    return (this.db.prepare(sql).all(...values) as GradebookSqlRow[]).map(gradebookFromRow);
  }

  async putProblem(problem: ProblemRecord): Promise<void> {
    this.#stmt.putProblem.run(problem.id, JSON.stringify(problem), problem.createdAt, problem.updatedAt);
  }

  async getProblem(id: string): Promise<ProblemRecord | null> {
    const row = this.#stmt.getProblem.get(id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as ProblemRecord) : null;
  }

  async listProblems(): Promise<ProblemRecord[]> {
    return (this.#stmt.listProblems.all() as { data: string }[]).map(
      (r) => JSON.parse(r.data) as ProblemRecord,
    );
  }

  async deleteProblem(id: string): Promise<boolean> {
    return this.#stmt.deleteProblem.run(id).changes === 1;
  }

  async createKey(key: ApiKeyRecord, hash: string): Promise<void> {
    this.#stmt.createKey.run(key.id, hash, key.name, key.role, key.priority, key.ratePerSec, key.createdAt);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.#stmt.findKey.get(hash) as KeyRow | undefined;
    return row ? toKey(row) : null;
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return (this.#stmt.listKeys.all() as KeyRow[]).map(toKey);
  }

  async revokeKey(id: string, now: number): Promise<boolean> {
    return this.#stmt.revokeKey.run(now, id).changes === 1;
  }

  async getCachedResult(key: string): Promise<SubmissionRecord['result']> {
    const row = this.#stmt.getCached.get(key) as { result: string } | undefined;
    return row ? (JSON.parse(row.result) as SubmissionRecord['result']) : null;
  }

  async putCachedResult(
    key: string,
    result: NonNullable<SubmissionRecord['result']>,
    now: number,
  ): Promise<void> {
    this.#stmt.putCached.run(key, JSON.stringify(result), now);
  }

  async ping(): Promise<boolean> {
    return (this.db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
  }

  async close(): Promise<void> {
    this.#flushInserts();
    if (this.db.open) this.db.close();
  }
}
