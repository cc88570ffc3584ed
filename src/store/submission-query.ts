import type { SubmissionQuery } from './types.js';

/**
 * The WHERE clause and values of a listing, for either store: `param(n)` writes the n-th (1-based)
 * placeholder, `?` for SQLite and `$n` for PostgreSQL. Every condition is a plain equality or range
 * on an indexed column, so a key's page walks submissions_key (key_id, seq) backwards.
 */
export function submissionQuerySql(
  query: SubmissionQuery,
  param: (n: number) => string,
): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(param(values.length)));
  };
  if (query.keyId === null) where.push('key_id IS NULL');
  else if (query.keyId !== undefined) add((p) => `key_id = ${p}`, query.keyId);
  if (query.status !== undefined) add((p) => `status = ${p}`, query.status);
  if (query.language !== undefined) add((p) => `language = ${p}`, query.language);
  if (query.beforeSeq !== undefined) add((p) => `seq < ${p}`, query.beforeSeq);
  values.push(query.limit);
  const sql = `${where.length ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY seq DESC LIMIT ${param(values.length)}`;
  return { sql, values };
}
