// The store contract: what every Store does the same, whichever database holds it (SQLite embedded,
// PostgreSQL scale-out). Each behaviour is written once here and run against both; what only one
// back end has (its migrations, WAL commits, JSONB, outages) stays in that store's own tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RUN_LIMITS } from '../../src/sandbox/limits.js';
import type { ProblemRecord, Store, SubmissionRecord } from '../../src/store/types.js';
import { aResult, aSubmission } from '../helpers/submission.js';

export interface StoreBackend {
  store: Store;
  /** Closes this store and opens a new one on the same data, as a restarted process would. */
  restart(): Promise<StoreBackend>;
  /** Closes the store (if still open) and removes its data. */
  close(): Promise<void>;
}

export function storeContract(name: string, open: () => Promise<StoreBackend>): void {
  const result = aResult();

  /** Runs `body` with a fresh store, and closes whichever store is current at the end. */
  const withStore = async (
    body: (backend: StoreBackend, swap: (b: StoreBackend) => void) => Promise<void>,
  ) => {
    let current = await open();
    try {
      await body(current, (next) => (current = next));
    } finally {
      await current.close();
    }
  };

  describe(`store contract: ${name}`, () => {
    test('a submission moves queued → running → final exactly once', async () => {
      await withStore(async ({ store }) => {
        const created = await store.createSubmission(aSubmission(), 1000);
        assert.equal(created.status, 'queued');
        assert.equal(created.attempts, 0);
        assert.deepEqual([created.startedAt, created.finishedAt, created.result], [null, null, null]);
        assert.equal(typeof created.seq, 'number');
        const running = (await store.markRunning(created.id, 2000))!;
        assert.equal(running.status, 'running');
        assert.equal(running.attempts, 1);
        // A queue may hand a job out again when its worker died: that is a new attempt, not an error.
        assert.equal((await store.markRunning(created.id, 2001))!.attempts, 2);
        assert.equal(await store.finishSubmission(created.id, 'accepted', result, 3000), true);
        assert.equal(
          await store.finishSubmission(created.id, 'internal_error', result, 3001),
          false,
          'a final status never changes',
        );
        const final = (await store.getSubmission(created.id))!;
        assert.equal(final.status, 'accepted');
        assert.deepEqual(final.result, result);
        assert.equal(
          await store.markRunning(created.id, 3002),
          null,
          'a finished submission never runs again',
        );
        assert.deepEqual([final.createdAt, final.startedAt, final.finishedAt], [1000, 2001, 3000]);
        assert.equal(await store.getSubmission('missing'), null);
        assert.equal(await store.markRunning('missing', 1), null);
        assert.equal(await store.finishSubmission('missing', 'accepted', null, 1), false);
      });
    });

    test('a callback keeps its URL and format through create, claim and read; none stays none', async () => {
      await withStore(async ({ store }) => {
        const url = 'https://hooks.example.com/judge0?course=7';
        const judge0 = await store.createSubmission(aSubmission({ callback: { url, format: 'judge0' } }), 1);
        assert.deepEqual(judge0.callback, { url, format: 'judge0' });
        assert.deepEqual((await store.markRunning(judge0.id, 2))!.callback, { url, format: 'judge0' });
        assert.deepEqual((await store.getSubmission(judge0.id))!.callback, { url, format: 'judge0' });
        const native = await store.createSubmission(
          aSubmission({ callback: { url: 'https://h.example.com/', format: 'arbiter' } }),
          1,
        );
        assert.deepEqual((await store.getSubmission(native.id))!.callback, {
          url: 'https://h.example.com/',
          format: 'arbiter',
        });
        const none = await store.createSubmission(aSubmission(), 1);
        assert.equal(none.callback, null);
        assert.equal((await store.getSubmission(none.id))!.callback, null);
      });
    });

    test('a submission cancelled while queued never runs; a null result is stored as none', async () => {
      await withStore(async ({ store }) => {
        const record = await store.createSubmission(aSubmission(), 1);
        assert.equal(await store.finishSubmission(record.id, 'cancelled', null, 2), true);
        assert.equal(await store.markRunning(record.id, 3), null);
        const final = (await store.getSubmission(record.id))!;
        assert.deepEqual(
          [final.status, final.result, final.startedAt, final.finishedAt],
          ['cancelled', null, null, 2],
        );
      });
    });

    test('after a crash the queue comes back in order, interrupted runs in their place', async () => {
      await withStore(async (before, swap) => {
        const low = await before.store.createSubmission(aSubmission({ priority: 1 }), 1);
        const high = await before.store.createSubmission(aSubmission({ priority: 5 }), 2);
        const wasRunning = await before.store.createSubmission(aSubmission({ priority: 1 }), 0);
        const done = await before.store.createSubmission(aSubmission({ priority: 9 }), 0);
        await before.store.markRunning(wasRunning.id, 3);
        await before.store.markRunning(done.id, 3);
        await before.store.finishSubmission(done.id, 'accepted', result, 4);

        const after = await before.restart(); // a new process on the same data
        swap(after);
        const { store } = after;
        assert.equal(await store.requeueRunning(), 1);
        assert.equal(await store.requeueRunning(), 0, 'nothing is running any more');
        const requeued = (await store.getSubmission(wasRunning.id))!;
        assert.deepEqual([requeued.status, requeued.startedAt, requeued.attempts], ['queued', null, 1]);
        // Priority first, then insertion order: wasRunning was created after low.
        assert.deepEqual(
          (await store.listQueued()).map((r) => r.id),
          [high.id, low.id, wasRunning.id],
        );
        assert.deepEqual(
          (await store.listQueued(2)).map((r) => r.id),
          [high.id, low.id],
        );
        assert.deepEqual(await store.listQueued(0), []);
        assert.equal(
          (await store.markRunning(wasRunning.id, 5))!.attempts,
          2,
          'the interrupted run counts as an attempt',
        );
      });
    });

    test('listUnfinished returns queued and running submissions created before the cut, oldest first', async () => {
      await withStore(async ({ store }) => {
        const queued = await store.createSubmission(aSubmission({ priority: 9 }), 10);
        const running = await store.createSubmission(aSubmission(), 20);
        const finished = await store.createSubmission(aSubmission(), 30);
        const late = await store.createSubmission(aSubmission(), 100);
        await store.markRunning(running.id, 40);
        await store.finishSubmission(finished.id, 'accepted', result, 50);
        const ids = async (before: number, limit: number) =>
          (await store.listUnfinished(before, limit)).map((r) => r.id);
        assert.deepEqual(await ids(100, 10), [queued.id, running.id]);
        assert.deepEqual(await ids(101, 10), [queued.id, running.id, late.id]);
        assert.deepEqual(await ids(101, 1), [queued.id]);
        assert.deepEqual(await ids(10, 10), [], 'created_at < before, strictly');
      });
    });

    test('retention deletes only finished submissions older than the cut', async () => {
      await withStore(async ({ store }) => {
        const old = await store.createSubmission(aSubmission(), 1);
        await store.finishSubmission(old.id, 'accepted', null, 10);
        const fresh = await store.createSubmission(aSubmission(), 1);
        await store.finishSubmission(fresh.id, 'accepted', null, 1000);
        const waiting = await store.createSubmission(aSubmission(), 1);
        const cut = { runs: 500, problems: null };
        assert.equal(await store.deleteFinishedBefore(cut), 1);
        assert.equal(await store.getSubmission(old.id), null);
        assert.ok(await store.getSubmission(fresh.id));
        assert.ok(await store.getSubmission(waiting.id));
        assert.equal(await store.deleteFinishedBefore(cut), 0);
      });
    });

    test("retention keeps a problem's submissions apart: until deleted, or to their own cut", async () => {
      await withStore(async ({ store }) => {
        const run = await store.createSubmission(aSubmission(), 1);
        await store.finishSubmission(run.id, 'accepted', null, 10);
        const mark = await store.createSubmission(aSubmission({ problemId: 'p1' }), 1);
        await store.finishSubmission(mark.id, 'accepted', null, 10);
        const recent = await store.createSubmission(aSubmission({ problemId: 'p1' }), 1);
        await store.finishSubmission(recent.id, 'accepted', null, 300);
        // The runs' cut long past both marks: with no cut of their own, the marks stay.
        assert.equal(await store.deleteFinishedBefore({ runs: 1000, problems: null }), 1);
        assert.equal(await store.getSubmission(run.id), null);
        assert.ok(await store.getSubmission(mark.id));
        // Their own, shorter cut takes only the older one.
        assert.equal(await store.deleteFinishedBefore({ runs: 1000, problems: 200 }), 1);
        assert.equal(await store.getSubmission(mark.id), null);
        assert.ok(await store.getSubmission(recent.id));
      });
    });

    test("deleteProblemSubmissions removes a problem's finished submissions, one user's or all", async () => {
      await withStore(async ({ store }) => {
        const make = async (problemId: string | null, user: string | null, finished: boolean) => {
          const record = await store.createSubmission(aSubmission({ problemId, user }), 1);
          if (finished) await store.finishSubmission(record.id, 'accepted', null, 10);
          return record.id;
        };
        const ann = await make('p1', 'ann', true);
        const bob = await make('p1', 'bob', true);
        const bobWaiting = await make('p1', 'bob', false);
        const other = await make('p2', 'ann', true);
        const adHoc = await make(null, 'ann', true);
        assert.equal(await store.deleteProblemSubmissions('p1', 'ann'), 1);
        assert.equal(await store.getSubmission(ann), null);
        assert.ok(await store.getSubmission(bob));
        assert.equal(await store.deleteProblemSubmissions('p1'), 1, 'the unfinished one stays');
        assert.equal(await store.getSubmission(bob), null);
        for (const id of [bobWaiting, other, adHoc]) assert.ok(await store.getSubmission(id));
        assert.equal(await store.deleteProblemSubmissions('nope'), 0);
      });
    });

    test('countByStatus groups by status and language, with numeric counts', async () => {
      await withStore(async ({ store }) => {
        assert.deepEqual(await store.countByStatus(), []);
        await store.createSubmission(aSubmission({ language: 'python3' }), 1);
        await store.createSubmission(aSubmission({ language: 'python3' }), 1);
        await store.createSubmission(aSubmission({ language: 'cpp' }), 1);
        const done = await store.createSubmission(aSubmission({ language: 'python3' }), 1);
        await store.finishSubmission(done.id, 'wrong_answer', result, 2);
        const counts = await store.countByStatus();
        const key = (c: { status: string; language: string }) => `${c.status}/${c.language}`;
        assert.deepEqual(
          [...counts].sort((x, y) => key(x).localeCompare(key(y))),
          [
            { status: 'queued', language: 'cpp', count: 1 },
            { status: 'queued', language: 'python3', count: 2 },
            { status: 'wrong_answer', language: 'python3', count: 1 },
          ],
        );
      });
    });

    test('keys are found by hash until revoked, and listed with their revocation', async () => {
      await withStore(async ({ store }) => {
        const key = {
          id: 'k1',
          name: 'class',
          role: 'user' as const,
          priority: 5,
          ratePerSec: 2.5,
          createdAt: 1,
          revokedAt: null,
        };
        await store.createKey(key, 'hash1');
        await store.createKey({ ...key, id: 'k2', name: 'admin', role: 'admin', createdAt: 2 }, 'hash2');
        await assert.rejects(store.createKey({ ...key, id: 'k3' }, 'hash1'), 'a hash is unique');
        assert.deepEqual(await store.findKeyByHash('hash1'), key);
        assert.equal(await store.findKeyByHash('nope'), null);
        assert.equal(await store.revokeKey('k1', 7), true);
        assert.equal(await store.revokeKey('k1', 8), false, 'revoked once');
        assert.equal(await store.revokeKey('nope', 8), false);
        assert.equal(await store.findKeyByHash('hash1'), null);
        assert.deepEqual(await store.listKeys(), [
          { ...key, revokedAt: 7 },
          { ...key, id: 'k2', name: 'admin', role: 'admin', createdAt: 2 },
        ]);
      });
    });

    test('problems round-trip, update in place and delete', async () => {
      await withStore(async ({ store }) => {
        const sum: ProblemRecord = {
          id: 'p',
          title: 'Sum',
          tests: [{ stdin: '1 2', expected: '3', weight: 2, hidden: true, name: 'first' }],
          limits: { cpuMs: 500 },
          checker: { type: 'float', absolute: 1e-9 },
          createdAt: 1,
          updatedAt: 1,
        };
        const other: ProblemRecord = { id: 'q', title: 'Other', tests: [], createdAt: 2, updatedAt: 2 };
        await store.putProblem(other);
        await store.putProblem(sum);
        assert.deepEqual(await store.getProblem('p'), sum);
        const updated = { ...sum, title: 'Sum of two', updatedAt: 5 };
        await store.putProblem(updated);
        assert.deepEqual(await store.getProblem('p'), updated);
        assert.deepEqual(await store.listProblems(), [updated, other], 'ordered by creation');
        assert.equal(await store.deleteProblem('p'), true);
        assert.equal(await store.deleteProblem('p'), false);
        assert.equal(await store.getProblem('p'), null);
      });
    });

    test('the result cache round-trips and a second put replaces the first', async () => {
      await withStore(async ({ store }) => {
        assert.equal(await store.getCachedResult('key'), null);
        await store.putCachedResult('key', result, 1);
        assert.deepEqual(await store.getCachedResult('key'), result);
        const wrong = aResult({ status: 'wrong_answer', score: 0, maxScore: 1 });
        await store.putCachedResult('key', wrong, 2);
        assert.deepEqual(await store.getCachedResult('key'), wrong);
      });
    });

    test('text that JSON can carry but not every database can (U+0000, unpaired surrogates) round-trips exactly', async () => {
      await withStore(async ({ store }) => {
        const awkward = [
          'nul \u0000 inside',
          '\u0000',
          'lone high \uD800 and low \uDC00, a pair \uD83D\uDE00',
          '\uE000arbiter-escaped:looks escaped but is not',
          '100% %00 %25 %u0041 \\u0000',
          '',
        ];
        const request: SubmissionRecord['request'] = {
          files: [{ name: 'main.py', content: awkward.join('|') }],
          stdin: awkward[0],
          args: awkward,
          limits: DEFAULT_RUN_LIMITS,
          compat: { 'key \u0000 with nul': awkward[2], nested: { deeper: [awkward, null, 1.5, true] } },
        };
        const record = await store.createSubmission(aSubmission({ request }), 1);
        assert.deepEqual(record.request, request);
        const output = aResult({
          status: 'runtime_error',
          run: {
            status: 'runtime_error',
            stdout: awkward.join('\n'),
            stderr: '\u0000\uDFFF',
            exitCode: 1,
            signal: null,
            cpuMs: 1,
            wallMs: 2,
            memoryKb: 3,
          },
          message: awkward[3]!,
        });
        await store.finishSubmission(record.id, 'runtime_error', output, 2);
        const stored = (await store.getSubmission(record.id))!;
        assert.deepEqual(stored.request, request);
        assert.deepEqual(stored.result, output);
        await store.putCachedResult('k', output, 1);
        assert.deepEqual(await store.getCachedResult('k'), output);
        const problem: ProblemRecord = {
          id: 'p',
          title: awkward[2]!,
          tests: [{ stdin: awkward[0], expected: awkward[1] }],
          createdAt: 1,
          updatedAt: 1,
        };
        await store.putProblem(problem);
        assert.deepEqual(await store.getProblem('p'), problem);
      });
    });

    test('millisecond timestamps past 2^31 come back as numbers', async () => {
      await withStore(async ({ store }) => {
        const now = Date.now();
        const record = await store.createSubmission(aSubmission(), now);
        assert.equal(record.createdAt, now);
        assert.equal(typeof record.seq, 'number');
        assert.equal((await store.getSubmission(record.id))!.createdAt, now);
      });
    });

    test('a bad insert among others arriving together fails alone; the others are stored', async () => {
      await withStore(async ({ store }) => {
        const first = aSubmission();
        await store.createSubmission(first, 1);
        const outcomes = await Promise.allSettled([
          store.createSubmission(aSubmission(), 2),
          store.createSubmission(aSubmission({ id: first.id }), 3), // the id is taken
          store.createSubmission(aSubmission(), 4),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        for (const outcome of outcomes)
          if (outcome.status === 'fulfilled')
            assert.deepEqual(await store.getSubmission(outcome.value.id), outcome.value);
      });
    });

    test('close() stores the submissions already handed to createSubmission', async () => {
      await withStore(async (backend, swap) => {
        const sent = [aSubmission(), aSubmission()];
        const created = Promise.all(sent.map((s) => backend.store.createSubmission(s, 6)));
        const after = await backend.restart(); // closes in the same turn: no insert has been sent yet
        swap(after);
        const records = await created;
        assert.deepEqual(
          records.map((r) => r.id),
          sent.map((s) => s.id),
        );
        for (const record of records) assert.deepEqual(await after.store.getSubmission(record.id), record);
      });
    });
  });
}
