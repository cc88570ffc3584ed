// PostgresStore against a real PostgreSQL (127.0.0.1:5432 here, or ARBITER_TEST_POSTGRES_URL): what
// only this back end has, its migrations, JSONB, outages and reconnection. What every store does is
// test/contract/store.contract.ts. Each test works in its own schema, dropped afterwards; when
// PostgreSQL is missing the tests fail, naming it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { isArbiterError } from '../../errors.js';
import { DEFAULT_RUN_LIMITS } from '../../sandbox/limits.js';
import {
  dropTestSchema,
  openTestPostgresStore,
  testSchemaName,
  TEST_POSTGRES_URL,
} from '../../../test/helpers/postgres.js';
import { POSTGRES_MIGRATIONS } from '../postgres-migrations.js';
import { PostgresStore, type PostgresStoreOptions } from './store.js';
import type { NewSubmission, Store, SubmissionRecord } from '../types.js';
import { aResult, aSubmission } from '../../../test/helpers/submission.js';

const submission = (priority = 1): NewSubmission => aSubmission({ priority });
const result = aResult();

/** A store that hangs instead of failing fails these tests at this point rather than stalling the run. */
const OUTAGE_TEST_TIMEOUT_MS = 20_000;

/** Runs `body` with a fresh store in a fresh schema, and drops the schema whatever happens. */
async function withStore(
  body: (store: PostgresStore, reconnect: () => Promise<PostgresStore>) => Promise<void>,
) {
  const { store, connectionString, schema, drop } = await openTestPostgresStore();
  const others: PostgresStore[] = [];
  try {
    await body(store, async () => {
      const other = await PostgresStore.connect({ connectionString, schema });
      others.push(other);
      return other;
    });
  } finally {
    for (const other of others) await other.close();
    await drop();
  }
}

const urlWithPort = (port: number): string => {
  const url = new URL(TEST_POSTGRES_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
};

const isUnavailable = (error: unknown): boolean => {
  assert.ok(
    isArbiterError(error, 'DEPENDENCY_UNAVAILABLE'),
    `expected DEPENDENCY_UNAVAILABLE, got ${String(error)}`,
  );
  assert.match(error.message, /^PostgreSQL is unavailable: /);
  assert.equal(error.status, 503);
  return true;
};

/** Every Store method, called with harmless arguments: none may hang or answer while PostgreSQL is down. */
const everyMethod = (store: Store): [string, () => Promise<unknown>][] => [
  ['createSubmission', () => store.createSubmission(submission(), 1)],
  ['getSubmission', () => store.getSubmission('x')],
  ['markRunning', () => store.markRunning('x', 1)],
  ['finishSubmission', async () => store.finishSubmission('x', 'accepted', result, 1)],
  ['requeueRunning', () => store.requeueRunning()],
  ['listQueued', () => store.listQueued()],
  ['listUnfinished', () => store.listUnfinished(1, 1)],
  ['deleteFinishedBefore', () => store.deleteFinishedBefore({ runs: 1, problems: null })],
  ['countByStatus', () => store.countByStatus()],
  ['putProblem', () => store.putProblem({ id: 'p', title: 't', tests: [], createdAt: 1, updatedAt: 1 })],
  ['getProblem', () => store.getProblem('p')],
  ['listProblems', () => store.listProblems()],
  ['deleteProblem', () => store.deleteProblem('p')],
  [
    'createKey',
    () =>
      store.createKey(
        { id: 'k', name: 'n', role: 'user', priority: 1, ratePerSec: 1, createdAt: 1, revokedAt: null },
        'h',
      ),
  ],
  ['findKeyByHash', () => store.findKeyByHash('h')],
  ['listKeys', () => store.listKeys()],
  ['revokeKey', () => store.revokeKey('k', 1)],
  ['getCachedResult', () => store.getCachedResult('c')],
  ['putCachedResult', () => store.putCachedResult('c', result, 1)],
];

/**
 * A TCP proxy in front of PostgreSQL that the test can take down (closing every connection and
 * refusing new ones), make hang (accepting connections and never answering), and bring back on the
 * same port: outages and a recovery, without touching the real server.
 */
class OutageProxy {
  readonly #sockets = new Set<net.Socket>();
  #hanging = false;
  readonly #server = net.createServer((client) => {
    const target = new URL(TEST_POSTGRES_URL);
    const sockets = this.#hanging
      ? [client]
      : [client, net.connect(Number(target.port || 5432), target.hostname)];
    for (const socket of sockets) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      // A reset when the proxy goes down is the point of the exercise.
      socket.on('error', () => socket.destroy());
    }
    if (sockets[1]) client.pipe(sockets[1]).pipe(client);
  });
  port = 0;

  async up(): Promise<void> {
    this.#hanging = false;
    if (this.#server.listening) return;
    this.#server.listen(this.port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  /** Drops every connection; new ones are accepted and then get no answer. */
  hang(): void {
    this.#hanging = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  async down(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }
}

/**
 * Runs `body` with a store (in a fresh schema) whose connections pass through an OutageProxy that is
 * up; closes the store, takes the proxy down and drops the schema whatever happens.
 */
async function behindOutageProxy(
  options: Pick<PostgresStoreOptions, 'connectionTimeoutMs'>,
  body: (store: PostgresStore, proxy: OutageProxy) => Promise<void>,
): Promise<void> {
  const proxy = new OutageProxy();
  await proxy.up();
  const schema = testSchemaName();
  const store = await PostgresStore.connect({
    ...options,
    connectionString: urlWithPort(proxy.port),
    schema,
  });
  try {
    await body(store, proxy);
  } finally {
    await store.close();
    await proxy.down();
    await dropTestSchema(schema);
  }
}

test('migrations run once, are recorded, and a second connect applies none', async () => {
  await withStore(async (store, reconnect) => {
    assert.deepEqual(store.migrated, [1, 2, 3, 4, 5]);
    const again = await reconnect();
    assert.deepEqual(again.migrated, []);
    const { rows } = await store.pool.query('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, [
      { version: 1, name: 'initial schema' },
      { version: 2, name: 'index for the per-key queue quota' },
      { version: 3, name: 'who a submission is for, and who the queue is fair between' },
      { version: 4, name: 'scores as columns, and an index for the gradebook' },
      { version: 5, name: 'a callback and the shape it is sent in' },
    ]);
  });
});

/**
 * Runs `body` on a schema as an earlier version left it: the first `applied` migrations, recorded.
 * `old` is a client on that schema; `open` connects the store of today, which migrates the rest.
 * Everything is closed and dropped afterwards.
 */
async function fromOldSchema(
  applied: number,
  body: (old: pg.Client, open: () => Promise<PostgresStore>) => Promise<void>,
): Promise<void> {
  const schema = testSchemaName();
  const old = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await old.connect();
  const opened: PostgresStore[] = [];
  try {
    await old.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    await old.query(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    for (const migration of POSTGRES_MIGRATIONS.slice(0, applied)) {
      await old.query(migration.sql);
      await old.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [
        migration.version,
        migration.name,
      ]);
    }
    await body(old, async () => {
      const store = await PostgresStore.connect({ connectionString: TEST_POSTGRES_URL, schema });
      opened.push(store);
      return store;
    });
  } finally {
    for (const store of opened) await store.close();
    await old.end();
    await dropTestSchema(schema);
  }
}

test('migration 4 copies the scores of submissions judged before it into the gradebook', async () => {
  await fromOldSchema(3, async (old, open) => {
    const insert = `INSERT INTO submissions (id, status, priority, key_id, user_name, language, problem_id, request, result, created_at)
    VALUES ($1, 'wrong_answer', 1, 'k', 'ann', 'python3', 'p', '{}', $2, $3)`;
    await old.query(insert, [
      'judged-before',
      { status: 'wrong_answer', tests: [], score: 1.5, maxScore: 3 },
      1,
    ]);
    await old.query(insert, [
      'unscored-before',
      { status: 'wrong_answer', tests: [], score: null, maxScore: 3 },
      2,
    ]);
    const store = await open();
    assert.deepEqual(store.migrated, [4, 5]);
    const [row] = await store.gradebook({ problemId: 'p', limit: 10 });
    assert.deepEqual(row?.best, { score: 1.5, maxScore: 3, submissionId: 'judged-before', at: 1 });
    assert.equal(row?.latest.submissionId, 'unscored-before');
  });
});

test("migration 5 gives a native webhook the 'arbiter' format and moves Judge0's callback_url out of the echo", async () => {
  await fromOldSchema(4, async (old, open) => {
    const insert = `INSERT INTO submissions (id, status, priority, language, callback_url, request, created_at)
    VALUES ($1, 'queued', 1, 'python3', $2, $3, 1)`;
    const echo = (url: string | null) => ({ files: [], compat: { judge0: { callback_url: url } } });
    await old.query(insert, ['native', 'https://hooks.example.com/native', { files: [] }]);
    await old.query(insert, ['judge0', null, echo('https://hooks.example.com/judge0')]);
    await old.query(insert, ['judge0-none', null, echo(null)]);
    await old.query(insert, ['plain', null, { files: [] }]);
    const store = await open();
    assert.deepEqual(store.migrated, [5]);
    const callback = async (id: string) => (await store.getSubmission(id))!.callback;
    assert.deepEqual(await callback('native'), {
      url: 'https://hooks.example.com/native',
      format: 'arbiter',
    });
    assert.deepEqual(await callback('judge0'), { url: 'https://hooks.example.com/judge0', format: 'judge0' });
    assert.equal(await callback('judge0-none'), null);
    assert.equal(await callback('plain'), null);
  });
});

test('processes starting at once on a fresh schema migrate it exactly once', async () => {
  const schema = testSchemaName();
  const connecting = await Promise.allSettled(
    [1, 2, 3].map(() => PostgresStore.connect({ connectionString: TEST_POSTGRES_URL, schema })),
  );
  const stores = connecting.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  try {
    assert.deepEqual(
      connecting.flatMap((c) => (c.status === 'rejected' ? [String(c.reason)] : [])),
      [],
      'every connect succeeds',
    );
    assert.deepEqual(
      stores.map((s) => s.migrated).sort((a, b) => b.length - a.length),
      [[1, 2, 3, 4, 5], [], []],
      'one applied the migration, the others waited and found it recorded',
    );
    const { rows } = await stores[0]!.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
    for (const store of stores) assert.equal(await store.ping(), true);
  } finally {
    for (const store of stores) await store.close();
    await dropTestSchema(schema);
  }
});

test('tables live in the schema asked for, not in public', async () => {
  await withStore(async (store) => {
    const { rows } = await store.pool.query<{ table_schema: string }>(
      `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'submissions' AND table_schema = $1`,
      [store.schema],
    );
    assert.deepEqual(rows, [{ table_schema: store.schema }]);
    const { rows: path } = await store.pool.query<{ search_path: string }>('SHOW search_path');
    assert.equal(path[0]!.search_path, `"${store.schema}"`);
  });
});

test('a string JSONB cannot hold is stored escaped; ordinary strings stay as they are, queryable', async () => {
  // That every such string round-trips exactly is the store contract's (test/contract/store.contract.ts).
  await withStore(async (store) => {
    const request: SubmissionRecord['request'] = {
      files: [{ name: 'main.py', content: 'nul \u0000 and a lone \uD800' }],
      limits: DEFAULT_RUN_LIMITS,
    };
    const record = await store.createSubmission(aSubmission({ request }), 1);
    assert.deepEqual((await store.getSubmission(record.id))!.request, request);
    const { rows } = await store.pool.query<{ name: string; content: string }>(
      `SELECT request->'files'->0->>'name' AS name, request->'files'->0->>'content' AS content
       FROM submissions WHERE id = $1`,
      [record.id],
    );
    assert.equal(rows[0]!.name, 'main.py');
    assert.match(rows[0]!.content, /^\uE000arbiter-escaped:nul %00 and a lone %ud800$/);
  });
});

test('millisecond timestamps past 2^31 and large seqs come back as numbers', async () => {
  await withStore(async (store) => {
    const now = Date.now();
    const record = await store.createSubmission(submission(), now);
    assert.equal(record.createdAt, now);
    assert.equal(typeof record.seq, 'number');
    await store.pool.query(`SELECT setval(pg_get_serial_sequence('submissions', 'seq'), 4000000000)`);
    const next = await store.createSubmission(submission(), now + 1);
    assert.equal(next.seq, 4_000_000_001);
    assert.equal((await store.getSubmission(next.id))!.seq, 4_000_000_001);
  });
});

test('options are checked at once, naming the bad one', async () => {
  for (const [options, pattern] of [
    [{ schema: 'Public' }, /postgres schema/],
    [{ schema: 'pg_mine' }, /postgres schema/],
    [{ schema: 'a"; DROP TABLE x; --' }, /postgres schema/],
    [{ maxConnections: 0 }, /postgres maxConnections/],
    [{ connectionTimeoutMs: 1.5 }, /postgres connectionTimeoutMs/],
    [{ connectionString: '' }, /postgres connectionString/],
  ] as const) {
    await assert.rejects(
      PostgresStore.connect({ connectionString: TEST_POSTGRES_URL, ...options }),
      (error: unknown) => isArbiterError(error, 'INVALID_INPUT') && pattern.test(error.message),
    );
  }
});

test(
  'nothing listens: connect fails promptly with DEPENDENCY_UNAVAILABLE',
  { timeout: OUTAGE_TEST_TIMEOUT_MS },
  async () => {
    const started = performance.now();
    await assert.rejects(PostgresStore.connect({ connectionString: urlWithPort(1) }), isUnavailable);
    assert.ok(performance.now() - started < 3_000, 'without waiting for a timeout');
  },
);

test(
  'a server that accepts and never answers: connect gives up after connectionTimeoutMs',
  { timeout: OUTAGE_TEST_TIMEOUT_MS },
  async () => {
    const held = new Set<net.Socket>();
    const server = net.createServer((socket) => held.add(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const started = performance.now();
      await assert.rejects(
        PostgresStore.connect({
          connectionString: urlWithPort((server.address() as net.AddressInfo).port),
          connectionTimeoutMs: 300,
        }),
        isUnavailable,
      );
      assert.ok(performance.now() - started < 2_000, 'the connection timeout applies');
    } finally {
      for (const socket of held) socket.destroy();
      server.close();
    }
  },
);

test(
  'while PostgreSQL is down every method rejects with DEPENDENCY_UNAVAILABLE, ping is false, and the store recovers by itself',
  { timeout: OUTAGE_TEST_TIMEOUT_MS },
  async () => {
    await behindOutageProxy({}, async (store, proxy) => {
      const before = await store.createSubmission(submission(), 1);
      assert.equal(await store.ping(), true);

      await proxy.down(); // the pooled connections drop, new ones are refused
      const started = performance.now();
      for (const [name, call] of everyMethod(store)) {
        await assert.rejects(call(), isUnavailable, `${name} while down`);
      }
      assert.equal(await store.ping(), false);
      assert.ok(performance.now() - started < 5_000, 'promptly, not after timeouts');

      await proxy.up();
      assert.equal(await store.ping(), true);
      assert.equal((await store.getSubmission(before.id))!.id, before.id, 'the data is still there');
      const after = await store.createSubmission(submission(), 2);
      assert.ok(after.seq > before.seq);
    });
  },
);

test(
  'connections terminated by the server (57P01) are replaced without crashing the process',
  { timeout: OUTAGE_TEST_TIMEOUT_MS },
  async () => {
    const applicationName = `arbiter-test-${testSchemaName()}`;
    const idleErrors: (Error & { code?: string })[] = [];
    let idleErrorReported = () => {};
    const { store, drop } = await openTestPostgresStore({
      applicationName,
      onIdleError: (error) => {
        idleErrors.push(error);
        idleErrorReported();
      },
    });
    /** Resolves once `count` idle connections have reported their error. */
    const idleErrorsReach = (count: number) =>
      new Promise<void>((resolve) => {
        idleErrorReported = () => idleErrors.length >= count && resolve();
        idleErrorReported();
      });
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await Promise.all([store.listQueued(), store.countByStatus()]); // a few idle connections in the pool
      const { rows } = await admin.query(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      assert.ok(rows.length >= 1);
      await idleErrorsReach(rows.length);
      assert.deepEqual(new Set(idleErrors.map((e) => e.code)), new Set(['57P01']), 'admin_shutdown');
      assert.equal(await store.ping(), true);
      assert.deepEqual(await store.listQueued(), []);
    } finally {
      await admin.end();
      await drop();
    }
  },
);

test(
  'while PostgreSQL accepts connections and never answers, methods give up after connectionTimeoutMs',
  { timeout: OUTAGE_TEST_TIMEOUT_MS },
  async () => {
    const connectionTimeoutMs = 300;
    await behindOutageProxy({ connectionTimeoutMs }, async (store, proxy) => {
      proxy.hang();
      for (const [name, call] of everyMethod(store).slice(0, 3)) {
        const started = performance.now();
        await assert.rejects(call(), isUnavailable, `${name} while PostgreSQL hangs`);
        assert.ok(performance.now() - started < connectionTimeoutMs + 1_000, `${name} gave up in time`);
      }
      assert.equal(await store.ping(), false);
      await proxy.up();
      assert.equal(await store.ping(), true);
      assert.deepEqual(await store.listQueued(), []);
    });
  },
);
