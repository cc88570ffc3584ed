// Every statement the PostgreSQL store prepares, and the column lists they share.

/** SQLite reads a negative LIMIT as none; PostgreSQL rejects it and reads NULL as none. */
export const sqlLimit = (limit: number): number | null => (limit < 0 ? null : limit);

const UNFINISHED = `status IN ('queued', 'running')`;

// Columns are named, never *: a prepared `SELECT *` fails ("cached plan must not change result type")
// in a process still running while a newer one migrates a column in.
export const SUBMISSION = `seq, id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, callback_format, request,
  result, attempts, created_at, started_at, finished_at`;
const KEY = 'id, name, role, priority, rate, created_at, revoked_at';

/**
 * Every statement, named so each connection prepares it once. Each state change is one statement, so
 * it is atomic; the guards are the SQLite store's.
 */
export const SQL = {
  insert: `INSERT INTO submissions (id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at, callback_format)
    VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq`,
  // A group of submissions in one statement: a column of each as an array, the requests as one JSONB
  // array (joined from their JSON texts, so nothing is escaped twice), zipped by ROWS FROM. ORDER BY
  // keeps the seqs in arrival order. One statement is one transaction: it commits every row or none.
  insertMany: `INSERT INTO submissions (id, status, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at, callback_format)
    SELECT id, 'queued', priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at, callback_format
    FROM ROWS FROM (unnest($1::text[]), unnest($2::integer[]), unnest($3::text[]), unnest($4::text[]),
      unnest($5::text[]), unnest($6::text[]), unnest($7::text[]), unnest($8::text[]), unnest($9::text[]),
      jsonb_array_elements($10::jsonb), unnest($11::bigint[]), unnest($12::text[])) WITH ORDINALITY
      AS t(id, priority, key_id, user_name, submitter, language, version, problem_id, callback_url, request, created_at,
        callback_format, n)
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
  deleteFinished: `DELETE FROM submissions WHERE finished_at IS NOT NULL
    AND CASE WHEN problem_id IS NULL THEN finished_at < $1 ELSE finished_at < $2 END`,
  deleteProblemSubmissions: `DELETE FROM submissions
    WHERE problem_id = $1 AND finished_at IS NOT NULL AND ($2::text IS NULL OR user_name = $2)`,
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
