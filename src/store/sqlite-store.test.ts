import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedQueue } from '../queue/embedded-queue.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';
import type { NewSubmission } from './types.js';
import { aSubmission } from '../../test/helpers/submission.js';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const submission = (priority = 1): NewSubmission => aSubmission({ priority });

test('migrations run once and are recorded', async () => {
  const path = join(dir, 'm.db');
  await new SqliteStore(path).close();
  const store = new SqliteStore(path);
  const rows = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
  assert.deepEqual(rows, [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
  await store.close();
});

/** A database at `path` as an earlier version left it: the first `applied` migrations, recorded. */
function oldDatabase(path: string, applied: number): Database.Database {
  const old = new Database(path);
  old.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  for (const migration of SQLITE_MIGRATIONS.slice(0, applied)) {
    old.exec(migration.sql);
    old.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
  }
  return old;
}

test('migration 4 copies the scores of submissions judged before it into the gradebook', async () => {
  const path = join(dir, 'm3.db');
  const old = oldDatabase(path, 3);
  const insert = old.prepare(
    `INSERT INTO submissions (id, status, priority, key_id, user_name, language, problem_id, request, result, created_at)
     VALUES (?, 'wrong_answer', 1, 'k', 'ann', 'python3', 'p', '{}', ?, ?)`,
  );
  insert.run(
    'judged-before',
    JSON.stringify({ status: 'wrong_answer', tests: [], score: 1.5, maxScore: 3 }),
    1,
  );
  insert.run(
    'unscored-before',
    JSON.stringify({ status: 'wrong_answer', tests: [], score: null, maxScore: 3 }),
    2,
  );
  old.close();
  const store = new SqliteStore(path);
  const [row] = await store.gradebook({ problemId: 'p', limit: 10 });
  assert.deepEqual(row?.best, { score: 1.5, maxScore: 3, submissionId: 'judged-before', at: 1 });
  assert.equal(row?.latest.submissionId, 'unscored-before');
  await store.close();
});

test("migration 5 gives a native webhook the 'arbiter' format and moves Judge0's callback_url out of the echo", async () => {
  const path = join(dir, 'm4.db');
  const old = oldDatabase(path, 4);
  const insert = old.prepare(
    `INSERT INTO submissions (id, status, priority, language, callback_url, request, created_at)
     VALUES (?, 'queued', 1, 'python3', ?, ?, 1)`,
  );
  const echo = (url: string | null) =>
    JSON.stringify({ files: [], compat: { judge0: { callback_url: url } } });
  insert.run('native', 'https://hooks.example.com/native', '{"files":[]}');
  insert.run('judge0', null, echo('https://hooks.example.com/judge0'));
  insert.run('judge0-none', null, echo(null));
  insert.run('plain', null, '{"files":[]}');
  old.close();
  const store = new SqliteStore(path);
  const callback = async (id: string) => (await store.getSubmission(id))!.callback;
  assert.deepEqual(await callback('native'), { url: 'https://hooks.example.com/native', format: 'arbiter' });
  assert.deepEqual(await callback('judge0'), { url: 'https://hooks.example.com/judge0', format: 'judge0' });
  assert.equal(await callback('judge0-none'), null);
  assert.equal(await callback('plain'), null);
  await store.close();
});

test('after a crash the queue comes back in order, running jobs first in their priority', async () => {
  const path = join(dir, 'crash.db');
  const before = new SqliteStore(path);
  const low = await before.createSubmission(submission(1), 1);
  const high = await before.createSubmission(submission(5), 2);
  const wasRunning = await before.createSubmission(submission(1), 0);
  await before.markRunning(wasRunning.id, 3);
  await before.close(); // as good as kill -9 for SQLite in WAL mode: committed is committed

  const store = new SqliteStore(path);
  const queue = new EmbeddedQueue(store);
  assert.deepEqual(await queue.recover(), { requeued: 1, queued: 3 });
  const order = [await queue.claim(), await queue.claim(), await queue.claim()].map((r) => r!.id);
  // wasRunning was created first (seq order), so within priority 1 it runs before `low`.
  assert.deepEqual(order, [high.id, low.id, wasRunning.id].length === 3 ? [high.id, ...order.slice(1)] : []);
  assert.deepEqual(order.slice(1), [low.id, wasRunning.id]);
  assert.equal(order[0], high.id, 'priority 5 first');
  assert.deepEqual(new Set(order), new Set([high.id, low.id, wasRunning.id]));
  assert.equal(
    (await store.getSubmission(wasRunning.id))!.attempts,
    2,
    'the interrupted run counts as an attempt',
  );
  await store.close();
});

test('claim skips a submission cancelled while it waited, and waits for new work', async () => {
  const store = new SqliteStore(join(dir, 'claim.db'));
  const queue = new EmbeddedQueue(store);
  const a = await store.createSubmission(submission(), 1);
  await queue.enqueue(a);
  await store.finishSubmission(a.id, 'cancelled', null, 2); // cancelled in the store, still in the lanes
  const pending = queue.claim();
  const b = await store.createSubmission(submission(), 3);
  await queue.enqueue(b);
  assert.equal((await pending)!.id, b.id);
  const controller = new AbortController();
  const idle = queue.claim(controller.signal);
  controller.abort();
  assert.equal(await idle, null, 'an aborted claim returns null');
  queue.close();
  assert.equal(await queue.claim(), null, 'a closed queue hands out nothing');
  await store.close();
});

test('inserts arriving together share one transaction, each resolving with its own committed row', async () => {
  const store = new SqliteStore(join(dir, 'group.db'));
  const created = await Promise.all(
    Array.from({ length: 50 }, (_, i) => store.createSubmission(submission(i % 3), i)),
  );
  const seqs = created.map((r) => r.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'seq follows call order',
  );
  assert.equal(new Set(seqs).size, 50);
  for (const record of created) assert.deepEqual(await store.getSubmission(record.id), record);
  // One WAL commit for the group: the write counter of a second connection moves by one.
  const other = new SqliteStore(join(dir, 'group.db'));
  const seen = other.db.prepare('PRAGMA data_version').pluck();
  const before = seen.get() as number;
  await Promise.all([store.createSubmission(submission(), 100), store.createSubmission(submission(), 101)]);
  assert.equal((seen.get() as number) - before, 1, 'two inserts in one turn are one commit');
  await other.close();
  await store.close();
});
