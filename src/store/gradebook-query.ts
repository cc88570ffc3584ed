import type { SubmissionStatus } from '../judge/types.js';
import type { GradebookQuery, GradebookRow } from './types.js';

/** What differs between the two stores' SQL for the gradebook. */
export interface GradebookDialect {
  /** The n-th (1-based) placeholder: `?` for SQLite, `$n` for PostgreSQL. */
  param: (n: number) => string;
  /** Appended to the ORDER BY's text columns, so both stores order by code point. */
  collate: string;
}

/** A gradebook row as the query returns it (snake_case, one column per field). */
export interface GradebookSqlRow {
  key_id: string;
  user_name: string;
  submissions: number;
  latest_id: string;
  latest_status: SubmissionStatus;
  latest_score: number | null;
  latest_at: number;
  best_id: string | null;
  best_score: number | null;
  best_max_score: number | null;
  best_at: number | null;
}

// A group's key and user as the submissions_problem index holds them (migration 4): an absent one is
// '', never a real value (key ids are UUIDs, user names at least one character), so both stores
// group and order alike (PostgreSQL sorts NULL last, SQLite first) and the index serves every lookup.
const KEY = "coalesce(key_id, '')";
const USER = "coalesce(user_name, '')";

/**
 * One statement for a page of the gradebook, in SQL both stores share. The page of groups is taken
 * first, from the index alone (count and newest seq per key and user); only then is each group's
 * best found (an index range, newest score column first) and its two submissions read by seq. So
 * a page costs its own groups' index entries and two row reads each, whatever else the problem has.
 *
 * Best: the highest score, the earliest submission on a tie; a submission without a score (not yet
 * judged, cancelled, or a run without tests) is never best.
 */
export function gradebookSql(
  query: GradebookQuery,
  dialect: GradebookDialect,
): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return dialect.param(values.length);
  };
  let where = `problem_id = ${param(query.problemId)}`;
  if (query.keyId !== undefined) where += ` AND ${KEY} = ${param(query.keyId ?? '')}`;
  if (query.user !== undefined) where += ` AND ${USER} = ${param(query.user)}`;
  const order = (k: string, u: string) => `${k}${dialect.collate}, ${u}${dialect.collate}`;
  // min() of a group's key and user is the value itself; written so, SQLite answers from the index
  // alone (a bare indexed expression in the result makes it read every row, results and all).
  // With one key, by user alone: the same groups, and SQLite then sees that the index is in order.
  const grouping = query.keyId === undefined ? `${KEY}, ${USER}` : USER;
  const groups = `
      SELECT min(${KEY}) AS k, min(${USER}) AS u, count(*) AS submissions, max(seq) AS latest_seq
        FROM submissions WHERE ${where}
       GROUP BY ${grouping}
       ORDER BY ${order(`min(${KEY})`, `min(${USER})`)}
       LIMIT ${param(query.limit)} OFFSET ${param(query.offset ?? 0)}`;
  const best = `
      SELECT x.seq FROM submissions x
       WHERE x.problem_id = ${param(query.problemId)} AND coalesce(x.key_id, '') = g.k
         AND coalesce(x.user_name, '') = g.u AND x.score IS NOT NULL
       ORDER BY x.score DESC, x.seq LIMIT 1`;
  const sql = `
    WITH g AS (${groups}
    ), page AS (
      SELECT g.*, (${best}) AS best_seq FROM g
    )
    SELECT page.k AS key_id, page.u AS user_name, page.submissions,
           l.id AS latest_id, l.status AS latest_status, l.score AS latest_score, l.created_at AS latest_at,
           b.id AS best_id, b.score AS best_score, b.max_score AS best_max_score, b.created_at AS best_at
      FROM page
      JOIN submissions l ON l.seq = page.latest_seq
      LEFT JOIN submissions b ON b.seq = page.best_seq
     ORDER BY ${order('page.k', 'page.u')}`;
  return { sql, values };
}

export function gradebookFromRow(row: GradebookSqlRow): GradebookRow {
  return {
    keyId: row.key_id === '' ? null : row.key_id,
    user: row.user_name === '' ? null : row.user_name,
    submissions: Number(row.submissions),
    best:
      row.best_id === null
        ? null
        : {
            score: Number(row.best_score),
            maxScore: row.best_max_score === null ? null : Number(row.best_max_score),
            submissionId: row.best_id,
            at: Number(row.best_at),
          },
    latest: {
      score: row.latest_score === null ? null : Number(row.latest_score),
      status: row.latest_status,
      submissionId: row.latest_id,
      at: Number(row.latest_at),
    },
  };
}
