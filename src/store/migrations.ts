/**
 * Append-only, numbered schema migrations, one list for both stores: each migration's SQL is written
 * once and takes what differs between SQLite and PostgreSQL (column types, reading a JSON member,
 * each store's own indexes) from the store's dialect (sqlite-migrations.ts, postgres-migrations.ts).
 * Each runs in a transaction and is recorded in schema_migrations; never edit one that has shipped,
 * add the next. Timestamps are integer milliseconds in both stores.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What one database writes its own way; every other word of the migrations is the same in both. */
export interface MigrationDialect {
  /** Column types. */
  readonly types: {
    /** submissions.seq: a key numbered in insertion order. */
    readonly sequence: string;
    /** A JSON document (a request, a result, a problem). */
    readonly json: string;
    /** Milliseconds since the epoch. */
    readonly millis: string;
    /** A floating-point number (a rate, a score). */
    readonly real: string;
  };
  /**
   * The member at `path` of the JSON document in `column`, as text. The keys are names written in
   * the migrations, never input: they are not escaped.
   */
  jsonText(column: string, path: readonly string[]): string;
  /** The member at `path` of the JSON document in `column`, as a number. */
  jsonNumber(column: string, path: readonly string[]): string;
  /** SQL run before a backfill of every row ('' where a statement has no time limit). */
  readonly beforeBackfill: string;
  /** The initial schema's indexes for the store's own queries, beyond the ones both stores have. */
  readonly initialIndexes: {
    readonly submissions: string;
    readonly problems: string;
    readonly apiKeys: string;
  };
}

/** Where a Judge0 request kept its callback_url before migration 5. */
const JUDGE0_CALLBACK_URL = ['compat', 'judge0', 'callback_url'] as const;

/** The migrations, in order, in `dialect`. */
export function schemaMigrations(dialect: MigrationDialect): readonly Migration[] {
  const { types, initialIndexes } = dialect;
  return [
    {
      version: 1,
      name: 'initial schema',
      sql: `
      CREATE TABLE submissions (
        seq          ${types.sequence},
        id           TEXT NOT NULL UNIQUE,
        status       TEXT NOT NULL,
        priority     INTEGER NOT NULL,
        key_id       TEXT,
        language     TEXT NOT NULL,
        version      TEXT,
        problem_id   TEXT,
        callback_url TEXT,
        request      ${types.json} NOT NULL,
        result       ${types.json},
        attempts     INTEGER NOT NULL DEFAULT 0,
        created_at   ${types.millis} NOT NULL,
        started_at   ${types.millis},
        finished_at  ${types.millis}
      );
      -- A key's submissions, newest first (listSubmissions).
      CREATE INDEX submissions_key ON submissions (key_id, seq);
      -- Retention cleanup (deleteFinishedBefore).
      CREATE INDEX submissions_finished ON submissions (finished_at) WHERE finished_at IS NOT NULL;
      ${initialIndexes.submissions}

      CREATE TABLE problems (
        id         TEXT PRIMARY KEY,
        data       ${types.json} NOT NULL,
        created_at ${types.millis} NOT NULL,
        updated_at ${types.millis} NOT NULL
      );
      ${initialIndexes.problems}

      CREATE TABLE api_keys (
        id          TEXT PRIMARY KEY,
        hash        TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL,
        priority    INTEGER NOT NULL,
        rate        ${types.real} NOT NULL,
        created_at  ${types.millis} NOT NULL,
        revoked_at  ${types.millis}
      );
      ${initialIndexes.apiKeys}

      CREATE TABLE result_cache (
        key        TEXT PRIMARY KEY,
        result     ${types.json} NOT NULL,
        created_at ${types.millis} NOT NULL
      );
    `,
    },
    {
      version: 2,
      name: 'index for the per-key queue quota',
      sql: `
      -- The per-key queue quota counts a key's waiting submissions on every submit.
      CREATE INDEX submissions_key_queued ON submissions (key_id) WHERE status = 'queued';
    `,
    },
    {
      version: 3,
      name: 'who a submission is for, and who the queue is fair between',
      sql: `
      -- user: the caller's own name for the student (the API's user field).
      -- submitter: the fair-share identity of the queue (key and user, key, session or address);
      -- rows from before this migration share one.
      ALTER TABLE submissions ADD COLUMN user_name TEXT;
      ALTER TABLE submissions ADD COLUMN submitter TEXT NOT NULL DEFAULT '';
    `,
    },
    {
      version: 4,
      name: 'scores as columns, and an index for the gradebook',
      sql: `
      -- A finished submission's score and maxScore (its result's), written with the result, so the
      -- gradebook ranks submissions without reading their results (up to MiBs of output each).
      ALTER TABLE submissions ADD COLUMN score ${types.real};
      ALTER TABLE submissions ADD COLUMN max_score ${types.real};
      ${dialect.beforeBackfill}
      UPDATE submissions SET score = ${dialect.jsonNumber('result', ['score'])},
        max_score = ${dialect.jsonNumber('result', ['maxScore'])}
        WHERE problem_id IS NOT NULL AND result IS NOT NULL;
      -- A problem's gradebook groups its submissions by key and user (absent ones as '', as the
      -- query writes them) and finds each group's newest (seq) and best (score) from the index alone.
      CREATE INDEX submissions_problem
        ON submissions (problem_id, coalesce(key_id, ''), coalesce(user_name, ''), seq, score)
        WHERE problem_id IS NOT NULL;
    `,
    },
    {
      version: 5,
      name: 'a callback and the shape it is sent in',
      sql: `
      -- callback_format: which API's body the callback carries ('arbiter' or 'judge0'); a row with
      -- a callback_url from before this migration was a native webhook.
      ALTER TABLE submissions ADD COLUMN callback_format TEXT NOT NULL DEFAULT 'arbiter';
      ${dialect.beforeBackfill}
      -- Judge0's callback_url used to live only in the request's Judge0 echo: it moves to the callback
      -- columns, so a submission still waiting sends it in Judge0's shape and GET still shows it.
      UPDATE submissions
        SET callback_url = ${dialect.jsonText('request', JUDGE0_CALLBACK_URL)}, callback_format = 'judge0'
        WHERE callback_url IS NULL
          AND ${dialect.jsonText('request', JUDGE0_CALLBACK_URL)} IS NOT NULL;
    `,
    },
  ];
}
