import type { SubmissionFilter, SubmissionQuery } from './types.js';

type Param = (n: number) => string;

/**
 * The WHERE clause of a filter and its values, for either store: `param(n)` writes the n-th (1-based)
 * placeholder, `?` for SQLite and `$n` for PostgreSQL. Every condition is a plain equality or range
 * on an indexed column, so a key's page walks submissions_key (key_id, seq).
 */
function whereSql(filter: SubmissionFilter, param: Param, values: unknown[], beforeSeq?: number): string {
  const where: string[] = [];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(param(values.length)));
  };
  if (filter.keyId === null) where.push('key_id IS NULL');
  else if (filter.keyId !== undefined) add((p) => `key_id = ${p}`, filter.keyId);
  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  if (filter.language !== undefined) add((p) => `language = ${p}`, filter.language);
  if (beforeSeq !== undefined) add((p) => `seq < ${p}`, beforeSeq);
  return where.length ? `WHERE ${where.join(' AND ')} ` : '';
}

/** The WHERE, ORDER BY and LIMIT (OFFSET) of a listing, after `SELECT … FROM submissions`. */
export function submissionQuerySql(query: SubmissionQuery, param: Param): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  let sql = whereSql(query, param, values, query.beforeSeq);
  values.push(query.limit);
  sql += `ORDER BY seq ${query.oldestFirst ? 'ASC' : 'DESC'} LIMIT ${param(values.length)}`;
  if (query.offset) {
    values.push(query.offset);
    sql += ` OFFSET ${param(values.length)}`;
  }
  return { sql, values };
}

/** The WHERE clause of a count, after `SELECT count(*) FROM submissions`. */
export function submissionCountSql(
  filter: SubmissionFilter,
  param: Param,
): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  return { sql: whereSql(filter, param, values), values };
}
