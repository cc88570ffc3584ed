/**
 * Append-only, numbered schema migrations for the scale-out PostgreSQL store. Each runs in its own
 * transaction, under an advisory lock, and is recorded in schema_migrations (see migratePostgres in
 * postgres/migrate.ts); never edit one that has shipped, add the next.
 *
 * The SQL names no schema: it runs with search_path set to the store's schema. Timestamps are BIGINT
 * milliseconds, as in the SQLite store; request, result and problem data are JSONB.
 */
export const POSTGRES_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE submissions (
        seq          BIGSERIAL PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        status       TEXT NOT NULL,
        priority     INTEGER NOT NULL,
        key_id       TEXT,
        language     TEXT NOT NULL,
        version      TEXT,
        problem_id   TEXT,
        callback_url TEXT,
        request      JSONB NOT NULL,
        result       JSONB,
        attempts     INTEGER NOT NULL DEFAULT 0,
        created_at   BIGINT NOT NULL,
        started_at   BIGINT,
        finished_at  BIGINT
      );
      -- A key's submissions, newest first (listSubmissions).
      CREATE INDEX submissions_key ON submissions (key_id, seq);
      -- The run order (listQueued): only queued rows, which
      -- keeps the index small however many finished submissions are kept.
      CREATE INDEX submissions_queue ON submissions (priority DESC, seq) WHERE status = 'queued';
      -- The reconciler's scan (listUnfinished) and crash recovery (requeueRunning).
      CREATE INDEX submissions_unfinished ON submissions (seq) WHERE status IN ('queued', 'running');
      -- Retention cleanup (deleteFinishedBefore).
      CREATE INDEX submissions_finished ON submissions (finished_at) WHERE finished_at IS NOT NULL;
      -- countByStatus: an index-only scan instead of reading every row.
      CREATE INDEX submissions_status_language ON submissions (status, language);

      CREATE TABLE problems (
        id         TEXT PRIMARY KEY,
        data       JSONB NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX problems_created ON problems (created_at);

      CREATE TABLE api_keys (
        id          TEXT PRIMARY KEY,
        hash        TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL,
        priority    INTEGER NOT NULL,
        rate        DOUBLE PRECISION NOT NULL,
        created_at  BIGINT NOT NULL,
        revoked_at  BIGINT
      );
      CREATE INDEX api_keys_created ON api_keys (created_at);

      CREATE TABLE result_cache (
        key        TEXT PRIMARY KEY,
        result     JSONB NOT NULL,
        created_at BIGINT NOT NULL
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
      ALTER TABLE submissions ADD COLUMN score DOUBLE PRECISION;
      ALTER TABLE submissions ADD COLUMN max_score DOUBLE PRECISION;
      -- The backfill reads every problem submission once: no statement timeout for it.
      SET LOCAL statement_timeout = 0;
      UPDATE submissions SET score = (result->>'score')::double precision,
        max_score = (result->>'maxScore')::double precision
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
      -- The backfill reads every submission once: no statement timeout for it.
      SET LOCAL statement_timeout = 0;
      -- Judge0's callback_url used to live only in the request's Judge0 echo: it moves to the callback
      -- columns, so a submission still waiting sends it in Judge0's shape and GET still shows it.
      UPDATE submissions SET callback_url = request->'compat'->'judge0'->>'callback_url', callback_format = 'judge0'
        WHERE callback_url IS NULL
          AND request->'compat'->'judge0'->>'callback_url' IS NOT NULL;
    `,
  },
];
