/**
 * Append-only, numbered schema migrations for the embedded SQLite store. Each runs in a transaction
 * and is recorded in schema_migrations; never edit one that has shipped, add the next.
 */
export const SQLITE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE submissions (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT NOT NULL UNIQUE,
        status       TEXT NOT NULL,
        priority     INTEGER NOT NULL,
        key_id       TEXT,
        language     TEXT NOT NULL,
        version      TEXT,
        problem_id   TEXT,
        callback_url TEXT,
        request      TEXT NOT NULL,
        result       TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL,
        started_at   INTEGER,
        finished_at  INTEGER
      );
      -- The queue's run order on restart, and the live queue's scan.
      CREATE INDEX submissions_queue ON submissions (status, priority DESC, seq);
      -- A key's submissions, newest first (listSubmissions).
      CREATE INDEX submissions_key ON submissions (key_id, seq);
      -- Retention cleanup.
      CREATE INDEX submissions_finished ON submissions (finished_at) WHERE finished_at IS NOT NULL;

      CREATE TABLE problems (
        id         TEXT PRIMARY KEY,
        data       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE api_keys (
        id          TEXT PRIMARY KEY,
        hash        TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL,
        priority    INTEGER NOT NULL,
        rate        REAL NOT NULL,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      );

      CREATE TABLE result_cache (
        key        TEXT PRIMARY KEY,
        result     TEXT NOT NULL,
        created_at INTEGER NOT NULL
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
      ALTER TABLE submissions ADD COLUMN score REAL;
      ALTER TABLE submissions ADD COLUMN max_score REAL;
      UPDATE submissions SET score = json_extract(result, '$.score'), max_score = json_extract(result, '$.maxScore')
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
      -- Judge0's callback_url used to live only in the request's Judge0 echo: it moves to the callback
      -- columns, so a submission still waiting sends it in Judge0's shape and GET still shows it.
      UPDATE submissions SET callback_url = json_extract(request, '$.compat.judge0.callback_url'), callback_format = 'judge0'
        WHERE callback_url IS NULL
          AND json_extract(request, '$.compat.judge0.callback_url') IS NOT NULL;
    `,
  },
];
