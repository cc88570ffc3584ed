// PostgresStore.createSubmission in groups (issue [M]): submissions that arrive within one turn of the
// event loop are written by one multi-row INSERT, each caller still gets its own record, and one bad
// row fails only its own caller. Against the PostgreSQL this machine runs (127.0.0.1:5432, or
// ARBITER_TEST_POSTGRES_URL), each test in a schema of its own; fails, naming it, when it is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { isArbiterError } from '../../errors.js';
import { DEFAULT_RUN_LIMITS } from '../../sandbox/limits.js';
import { openTestPostgresStore, TEST_POSTGRES_URL } from '../../../test/helpers/postgres.js';
import { PostgresStore } from './store.js';
import type { NewSubmission } from '../types.js';
import { aSubmission } from '../../../test/helpers/submission.js';

let n = 0;
const submission = (overrides: Partial<NewSubmission> = {}): NewSubmission => {
  n++;
  return aSubmission({
    request: { files: [{ name: 'main.py', content: `print(${n})` }], limits: DEFAULT_RUN_LIMITS },
    ...overrides,
  });
};

/** Counts the statements the store sends (every one goes through pool.query). */
function countQueries(store: PostgresStore): { readonly count: number } {
  const counter = { count: 0 };
  const query = store.pool.query.bind(store.pool) as (...args: unknown[]) => unknown;
  (store.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    counter.count++;
    return query(...args);
  };
  return counter;
}

async function withStore(
  body: (store: PostgresStore) => Promise<void>,
  options: Parameters<typeof openTestPostgresStore>[0] = {},
) {
  const { store, drop } = await openTestPostgresStore(options);
  try {
    await body(store);
  } finally {
    await drop();
  }
}

test('a group of concurrent creates is one INSERT; each caller gets its own record, seqs in call order', async () => {
  await withStore(async (store) => {
    const queries = countQueries(store);
    const sent = Array.from({ length: 40 }, (_, i) =>
      submission({
        priority: i % 3,
        keyId: i % 2 ? `key-${i}` : null,
        user: i % 4 ? null : `user-${i}`,
        submitter: `anon:10.0.0.${i}`,
        version: i % 5 ? '3.11.2' : null,
        problemId: i % 7 ? null : `p${i}`,
        callback:
          i % 6 ? null : { url: `https://example.com/hook/${i}`, format: i % 4 ? 'arbiter' : 'judge0' },
        // JSONB cannot hold U+0000 as it is: the group path escapes it as the single path does.
        request: {
          files: [{ name: 'main.py', content: `print(${i})${i === 7 ? '\0' : ''}` }],
          limits: DEFAULT_RUN_LIMITS,
        },
      }),
    );
    const now = 1_700_000_000_000;
    const records = await Promise.all(sent.map((s, i) => store.createSubmission(s, now + i)));
    assert.equal(queries.count, 1, 'one statement for the whole group');
    for (const [i, record] of records.entries()) {
      assert.deepEqual(
        { ...record, seq: 0 },
        {
          ...sent[i],
          status: 'queued',
          result: null,
          attempts: 0,
          seq: 0,
          createdAt: now + i,
          startedAt: null,
          finishedAt: null,
        },
      );
      assert.deepEqual(await store.getSubmission(record.id), record, `${record.id} as stored`);
      if (i > 0) assert.ok(record.seq > records[i - 1]!.seq, 'seqs in call order');
    }
  });
});

test('one bad row in a group fails only its own caller, with its own error; the others are stored', async () => {
  await withStore(async (store) => {
    const existing = await store.createSubmission(submission(), 1);
    const sent = [
      submission(),
      submission({ id: existing.id }), // 23505: the id is taken
      submission(),
      submission({ user: 'nul\0user' }), // 22021: TEXT cannot hold U+0000
      submission(),
    ];
    const outcomes = await Promise.allSettled(sent.map((s) => store.createSubmission(s, 2)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    const code = (o: PromiseSettledResult<unknown>) =>
      ((o as PromiseRejectedResult).reason as { code?: string }).code;
    assert.equal(code(outcomes[1]!), '23505');
    assert.equal(code(outcomes[3]!), '22021');
    const stored = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    assert.deepEqual(
      stored.map((r) => r.id),
      [sent[0]!.id, sent[2]!.id, sent[4]!.id],
    );
    for (const record of stored) assert.deepEqual(await store.getSubmission(record.id), record);
    assert.ok(stored[0]!.seq < stored[1]!.seq && stored[1]!.seq < stored[2]!.seq, 'still in call order');
    assert.equal((await store.getSubmission(existing.id))!.createdAt, 1, 'the first owner of the id is kept');
  });
});

test('a group that PostgreSQL cannot take now fails every caller with DEPENDENCY_UNAVAILABLE, without a retry per row', async () => {
  // The statement timeout (57014) is an outage, as a lost connection is: a table held locked by
  // another session makes the group's INSERT wait past it.
  await withStore(
    async (store) => {
      const locker = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE "${store.schema}".submissions IN ACCESS EXCLUSIVE MODE`);
        const queries = countQueries(store);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 5 }, () => store.createSubmission(submission(), 3)),
        );
        for (const outcome of outcomes) {
          assert.equal(outcome.status, 'rejected');
          const { reason } = outcome as PromiseRejectedResult;
          assert.ok(isArbiterError(reason, 'DEPENDENCY_UNAVAILABLE'), String(reason));
        }
        assert.equal(queries.count, 1, 'an outage is not retried row by row');
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      const after = await store.createSubmission(submission(), 4);
      assert.equal((await store.getSubmission(after.id))!.id, after.id, 'works again once the lock is gone');
    },
    { statementTimeoutMs: 300 },
  );
});

test('a burst larger than one group is split, and every caller still gets its own row', async () => {
  await withStore(async (store) => {
    const queries = countQueries(store);
    const sent = Array.from({ length: 600 }, () => submission());
    const records = await Promise.all(sent.map((s) => store.createSubmission(s, 5)));
    assert.deepEqual(
      records.map((r) => r.id),
      sent.map((s) => s.id),
    );
    assert.equal(queries.count, 3, '600 rows in groups of at most 256');
    const { rows } = await store.pool.query<{ count: string }>('SELECT count(*) FROM submissions');
    assert.equal(Number(rows[0]!.count), 600);
    assert.equal(new Set(records.map((r) => r.seq)).size, 600, 'a seq each');
  });
});
