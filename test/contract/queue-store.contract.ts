// The queue and store contract: the embedded back end (SQLite + in-memory lanes) and the scale-out
// back end pass the same assertions. Every call is awaited, so sync and async back ends both fit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { JobQueue } from '../../src/queue/job-queue.js';
import { costByCatalog, type CostOrderOptions } from '../../src/queue/run-cost.js';
import type { NewSubmission, Store } from '../../src/store/types.js';
import { aResult, aSubmission } from '../helpers/submission.js';

export interface QueueStoreBackend {
  store: Store;
  queue: JobQueue;
  /** Simulates a crash and restart on the same data: a new store and queue, recovered. */
  restart(): Promise<QueueStoreBackend>;
  close(): Promise<void>;
}

/**
 * The cost order every back end is opened with: C compiles quickly (moderate), Java slowly (costly),
 * Python does not (cheap), and at most 3 later jobs pass a compile (small, so a test sees the bound).
 */
export const CONTRACT_COST_ORDER: Required<CostOrderOptions> = {
  costOf: costByCatalog([
    { id: 'c', compile: ['cc'], queueCost: 'moderate' },
    { id: 'java', compile: ['javac'] },
    { id: 'python3' },
  ]),
  overtakeLimit: 3,
  costVersion: () => 0,
};

export function queueStoreContract(name: string, open: () => Promise<QueueStoreBackend>): void {
  const submission = (priority = 1, language = 'python3'): NewSubmission =>
    aSubmission({ id: randomUUID(), priority, language, version: '1' });
  const result = aResult();

  describe(`queue + store contract: ${name}`, () => {
    test('priority first, FIFO within a priority, each job claimed once', async () => {
      const backend = await open();
      try {
        const ids: string[] = [];
        for (const priority of [1, 1, 5, 1, 5]) {
          const record = await backend.store.createSubmission(submission(priority), Date.now());
          await backend.queue.enqueue(record);
          ids.push(record.id);
        }
        // As a worker does: claim, (run,) complete, claim the next. A queue may bound how many
        // claimed jobs are outstanding at once, so claiming all without completing is not the contract.
        const claimed = [];
        for (let i = 0; i < 5; i++) {
          const record = (await backend.queue.claim())!;
          assert.equal((await backend.store.getSubmission(record.id))!.status, 'running');
          claimed.push(record.id);
          await backend.queue.complete(record.id);
        }
        assert.deepEqual(claimed, [ids[2], ids[4], ids[0], ids[1], ids[3]]);
      } finally {
        await backend.close();
      }
    });

    test("within a priority, fair between submitters: one's later jobs wait behind the others' first", async () => {
      const backend = await open();
      try {
        const ids = new Map<string, string>();
        const send = async (name: string, submitter: string, user: string | null = null) => {
          const record = await backend.store.createSubmission(
            { ...submission(), submitter, user },
            Date.now(),
          );
          assert.equal(record.submitter, submitter);
          assert.equal(record.user, user);
          ids.set(record.id, name);
          return (await backend.queue.enqueue(record)).position;
        };
        for (let i = 1; i <= 4; i++) await send(`script${i}`, 'anon:10.0.0.9');
        assert.equal(await send('ann', 'key:site/user:ann', 'ann'), 1, 'behind the first script job only');
        assert.equal(await send('bob', 'key:site/user:bob', 'bob'), 2);
        await send('ann2', 'key:site/user:ann', 'ann');
        const claimed: string[] = [];
        for (let i = 0; i < 7; i++) {
          const record = (await backend.queue.claim())!;
          claimed.push(ids.get(record.id)!);
          await backend.queue.complete(record.id);
        }
        assert.deepEqual(claimed.slice(0, 3), ['script1', 'ann', 'bob']);
        assert.ok(
          claimed.indexOf('ann2') < claimed.indexOf('script3'),
          `ann's second job runs before the script's third: ${claimed.join(' ')}`,
        );
        const read = (await backend.store.getSubmission([...ids].find(([, n]) => n === 'ann')![0]))!;
        assert.equal(read.user, 'ann', 'the user is stored');
        assert.equal(read.submitter, 'key:site/user:ann');
      } finally {
        await backend.close();
      }
    });

    // Each job is sent by a submitter of its own, so all are in one fair round.
    const sendAll = async (backend: QueueStoreBackend, jobs: [name: string, language: string][]) => {
      const names = new Map<string, string>();
      const positions = new Map<string, number>();
      for (const [name, language] of jobs) {
        const record = await backend.store.createSubmission(
          { ...submission(1, language), submitter: `session:${name}` },
          Date.now(),
        );
        names.set(record.id, name);
        positions.set(name, (await backend.queue.enqueue(record)).position);
      }
      return { names, positions };
    };
    const claimAll = async (backend: QueueStoreBackend, names: Map<string, string>) => {
      const claimed: string[] = [];
      for (let i = 0; i < names.size; i++) {
        const record = (await backend.queue.claim())!;
        claimed.push(names.get(record.id)!);
        await backend.queue.complete(record.id);
      }
      return claimed;
    };

    test('within a round, cheap jobs go before compiles, each compile passed by at most the limit', async () => {
      const backend = await open();
      try {
        const { names, positions } = await sendAll(backend, [
          ['c1', 'c'],
          ['p1', 'python3'],
          ['p2', 'python3'],
          ['p3', 'python3'],
          ['p4', 'python3'],
          ['j1', 'java'],
          ['p5', 'python3'],
        ]);
        assert.equal(positions.get('p1'), 0, 'a quick run arriving after a compile goes first');
        // c1 arrived first and is passed by 3 (the limit) later quick runs; j1 by only the one
        // quick run after it. The quick runs keep their arrival order.
        assert.deepEqual(await claimAll(backend, names), ['p1', 'p2', 'p3', 'c1', 'p4', 'p5', 'j1']);
      } finally {
        await backend.close();
      }
    });

    test('no job starves: a flood of quick runs passes a compile at most the limit times', async () => {
      const backend = await open();
      try {
        const flood: [string, string][] = [];
        for (let i = 0; i < 12; i++) flood.push([`p${i}`, 'python3']);
        const { names } = await sendAll(backend, [
          ['c-first', 'c'],
          ...flood.slice(0, 6),
          ['j-later', 'java'],
          ...flood.slice(6),
        ]);
        const claimed = await claimAll(backend, names);
        const { overtakeLimit } = CONTRACT_COST_ORDER;
        const passedFirst = claimed.indexOf('c-first');
        assert.ok(passedFirst > 0, `the compile was passed by quick runs: ${claimed.join(' ')}`);
        assert.ok(
          passedFirst <= overtakeLimit,
          `passed by ${passedFirst} > ${overtakeLimit}: ${claimed.join(' ')}`,
        );
        // j-later arrived 7th: at most overtakeLimit of the 12 quick runs after it pass it.
        const passedLater = claimed
          .slice(0, claimed.indexOf('j-later'))
          .filter((n) => Number(n.slice(1)) >= 6);
        assert.ok(
          passedLater.length <= overtakeLimit,
          `passed by ${passedLater.join(' ')}: ${claimed.join(' ')}`,
        );
        assert.equal(claimed.length, 14, 'every job claimed once');
      } finally {
        await backend.close();
      }
    });

    test('of the compiles not due yet, a quick one goes before a slow one that came earlier', async () => {
      const backend = await open();
      try {
        const { names, positions } = await sendAll(backend, [
          ['j1', 'java'],
          ['c1', 'c'],
          ['p1', 'python3'],
          ['c2', 'c'],
        ]);
        assert.equal(positions.get('c1'), 0, 'a quick compile goes before a slow one not yet due');
        assert.equal(positions.get('c2'), 2, 'behind the quick run and the earlier quick compile');
        // j1 is passed by all three later jobs: the limit, no more.
        assert.deepEqual(await claimAll(backend, names), ['p1', 'c1', 'c2', 'j1']);
      } finally {
        await backend.close();
      }
    });

    test("cost order stays within a fair round: a submitter's second quick run waits behind others' compiles", async () => {
      const backend = await open();
      try {
        const names = new Map<string, string>();
        const send = async (name: string, language: string, submitter: string) => {
          const record = await backend.store.createSubmission(
            { ...submission(1, language), submitter },
            Date.now(),
          );
          names.set(record.id, name);
          await backend.queue.enqueue(record);
        };
        await send('ann-python', 'python3', 'session:ann');
        await send('ann-python2', 'python3', 'session:ann');
        await send('bob-c', 'c', 'session:bob');
        await send('cat-java', 'java', 'session:cat');
        await send('dan-python', 'python3', 'session:dan');
        assert.deepEqual(await claimAll(backend, names), [
          'ann-python',
          'dan-python',
          'bob-c',
          'cat-java',
          'ann-python2',
        ]);
      } finally {
        await backend.close();
      }
    });

    test('positions count the jobs ahead; removal takes a job out', async () => {
      const backend = await open();
      try {
        const a = await backend.store.createSubmission(submission(), Date.now());
        const b = await backend.store.createSubmission(submission(), Date.now());
        assert.equal((await backend.queue.enqueue(a)).position, 0);
        assert.equal((await backend.queue.enqueue(b)).position, 1);
        // What the service does on cancel: out of the queue, then final in the store.
        assert.equal(await backend.queue.remove(a.id), true);
        await backend.store.finishSubmission(a.id, 'cancelled', null, Date.now());
        assert.equal(await backend.queue.position(b.id), 0);
        assert.equal(await backend.queue.length(), 1);
        assert.equal((await backend.queue.claim())!.id, b.id);
        await backend.queue.complete(b.id);
      } finally {
        await backend.close();
      }
    });

    test('a final status is written once; later writes change nothing', async () => {
      const backend = await open();
      try {
        const record = await backend.store.createSubmission(submission(), Date.now());
        await backend.queue.enqueue(record);
        await backend.queue.claim();
        assert.equal(await backend.store.finishSubmission(record.id, 'accepted', result, Date.now()), true);
        assert.equal(
          await backend.store.finishSubmission(record.id, 'internal_error', result, Date.now()),
          false,
        );
        assert.equal((await backend.store.getSubmission(record.id))!.status, 'accepted');
      } finally {
        await backend.close();
      }
    });

    test('after a crash, queued jobs are still queued and running ones run again', async () => {
      const backend = await open();
      const queued = await backend.store.createSubmission(submission(), Date.now());
      const running = await backend.store.createSubmission(submission(), Date.now());
      await backend.queue.enqueue(running);
      await backend.queue.enqueue(queued);
      assert.equal((await backend.queue.claim())!.id, running.id);
      const restarted = await backend.restart();
      try {
        const again = [(await restarted.queue.claim())!.id, (await restarted.queue.claim())!.id].sort();
        assert.deepEqual(again, [queued.id, running.id].sort(), 'nothing lost, nothing twice');
        assert.equal((await restarted.store.getSubmission(running.id))!.attempts, 2);
        assert.equal((await restarted.store.getSubmission(queued.id))!.attempts, 1);
      } finally {
        await restarted.close();
      }
    });

    test('counts by status and language', async () => {
      const backend = await open();
      try {
        const record = await backend.store.createSubmission(submission(1, 'c'), Date.now());
        const counts = await backend.store.countByStatus();
        assert.ok(
          counts.some((c) => c.language === 'c' && c.status === 'queued' && c.count >= 1),
          JSON.stringify(counts),
        );
        assert.ok(record.seq > 0);
      } finally {
        await backend.close();
      }
    });

    test('listings: newest first, by key (anonymous apart), status and language, paged by seq', async () => {
      const backend = await open();
      try {
        const { store } = backend;
        const mine = `key-${randomUUID()}`;
        const other = `key-${randomUUID()}`;
        const made = [];
        for (const [keyId, language] of [
          [mine, 'python3'],
          [other, 'python3'],
          [mine, 'c'],
          [null, 'python3'],
          [mine, 'python3'],
        ] as const) {
          made.push(await store.createSubmission({ ...submission(1, language), keyId }, Date.now()));
        }
        const ids = (records: { id: string }[]) => records.map((r) => r.id);
        const [m1, o1, m2, anon, m3] = made.map((r) => r.id);
        assert.deepEqual(ids(await store.listSubmissions({ keyId: mine, limit: 10 })), [m3, m2, m1]);
        assert.deepEqual(ids(await store.listSubmissions({ keyId: null, limit: 10 })), [anon]);
        assert.deepEqual(ids(await store.listSubmissions({ keyId: mine, language: 'c', limit: 10 })), [m2]);
        const page1 = await store.listSubmissions({ keyId: mine, limit: 2 });
        assert.deepEqual(ids(page1), [m3, m2]);
        const page2 = await store.listSubmissions({ keyId: mine, limit: 2, beforeSeq: page1.at(-1)!.seq });
        assert.deepEqual(ids(page2), [m1]);
        await store.finishSubmission(m1!, 'accepted', result, Date.now());
        assert.deepEqual(ids(await store.listSubmissions({ keyId: mine, status: 'accepted', limit: 10 })), [
          m1,
        ]);
        const everyone = ids(await store.listSubmissions({ limit: 100 }));
        for (const id of [m1, o1, m2, anon, m3])
          assert.ok(everyone.includes(id!), `${id} listed for an admin`);
        assert.deepEqual(everyone.slice(0, 5), [m3, anon, m2, o1, m1], 'newest first');
      } finally {
        await backend.close();
      }
    });

    test('numbered pages: oldest first with an offset, and the count of what a filter takes', async () => {
      const backend = await open();
      try {
        const { store } = backend;
        const keyId = `key-${randomUUID()}`;
        const made: string[] = [];
        for (let i = 0; i < 5; i++)
          made.push((await store.createSubmission({ ...submission(), keyId }, Date.now())).id);
        await store.createSubmission(submission(), Date.now()); // another key's: never counted below
        await store.finishSubmission(made[1]!, 'accepted', result, Date.now());
        const ids = (records: { id: string }[]) => records.map((r) => r.id);
        const page = (offset: number, limit: number) =>
          store.listSubmissions({ keyId, oldestFirst: true, offset, limit });
        assert.deepEqual(ids(await page(0, 2)), made.slice(0, 2));
        assert.deepEqual(ids(await page(2, 2)), made.slice(2, 4));
        assert.deepEqual(ids(await page(4, 2)), made.slice(4));
        assert.deepEqual(await page(6, 2), []);
        assert.deepEqual(
          ids(await store.listSubmissions({ keyId, offset: 1, limit: 2 })),
          [made[3], made[2]],
          'newest first by default, offset too',
        );
        assert.equal(await store.countSubmissions({ keyId }), 5);
        assert.equal(await store.countSubmissions({ keyId, status: 'accepted' }), 1);
        assert.equal(await store.countSubmissions({ keyId, status: 'queued', language: 'python3' }), 4);
        assert.equal(await store.countSubmissions({ keyId: `key-${randomUUID()}` }), 0);
        assert.ok((await store.countSubmissions({})) >= 6, 'no filter: every key');
      } finally {
        await backend.close();
      }
    });

    test('listFinishedAmong: of the ids asked, exactly the final ones, with what a finished event carries', async () => {
      const backend = await open();
      try {
        const { store } = backend;
        const keyId = `key-${randomUUID()}`;
        const queued = await store.createSubmission(submission(), Date.now());
        const running = await store.createSubmission(submission(), Date.now());
        const accepted = await store.createSubmission({ ...submission(), keyId }, Date.now());
        const cancelled = await store.createSubmission(submission(), Date.now());
        const elsewhere = await store.createSubmission(submission(), Date.now());
        await store.markRunning(running.id, Date.now());
        await store.finishSubmission(accepted.id, 'accepted', result, 1_700_000_000_123);
        await store.finishSubmission(
          cancelled.id,
          'cancelled',
          { ...result, status: 'cancelled' },
          1_700_000_000_456,
        );
        await store.finishSubmission(elsewhere.id, 'accepted', result, Date.now());
        const asked = [queued.id, running.id, accepted.id, cancelled.id, `unknown-${randomUUID()}`];
        const found = (await store.listFinishedAmong(asked)).sort((a, b) => a.finishedAt - b.finishedAt);
        assert.deepEqual(found, [
          { id: accepted.id, keyId, status: 'accepted', finishedAt: 1_700_000_000_123 },
          { id: cancelled.id, keyId: null, status: 'cancelled', finishedAt: 1_700_000_000_456 },
        ]);
        assert.deepEqual(await store.listFinishedAmong([]), []);
        // A sweep may ask about thousands of ids at once.
        const many: string[] = Array.from({ length: 5_000 }, () => randomUUID());
        many[4_321] = accepted.id;
        assert.deepEqual(
          (await store.listFinishedAmong(many)).map((f) => f.id),
          [accepted.id],
        );
      } finally {
        await backend.close();
      }
    });
    test('gradebook: best and latest per key and user, in code-point order, paged', async () => {
      const backend = await open();
      try {
        const { store } = backend;
        const problemId = `problem-${randomUUID()}`;
        const base = `key-${randomUUID()}`;
        const [keyA, keyB] = [`${base}-a`, `${base}-b`];
        let now = 1_700_000_000_000;
        const make = async (keyId: string | null, user: string | null, onProblem = problemId) =>
          (await store.createSubmission({ ...submission(), keyId, user, problemId: onProblem }, ++now)).id;
        const scored = (id: string, status: 'accepted' | 'wrong_answer', score: number) =>
          store.finishSubmission(id, status, { ...result, status, score, maxScore: 10 }, ++now);

        const ann1 = await make(keyA, 'ann');
        const ann2 = await make(keyA, 'ann');
        const ann3 = await make(keyA, 'ann');
        const ann4 = await make(keyA, 'ann');
        await scored(ann1, 'wrong_answer', 2);
        await scored(ann2, 'wrong_answer', 7.5);
        await scored(ann3, 'wrong_answer', 7.5); // a tie: the earlier one stays best
        await make(keyA, 'ann', `other-${randomUUID()}`); // another problem's: not counted
        const quoted = await make(keyA, 'a,"b"');
        await scored(quoted, 'accepted', 10);
        const zed = await make(keyA, 'Zed');
        await scored(zed, 'wrong_answer', 0);
        const nobody = await make(keyA, null);
        const bobB = await make(keyB, 'ann');
        await store.finishSubmission(bobB, 'cancelled', null, ++now);
        const anon = await make(null, null);
        await scored(anon, 'accepted', 10);

        const rows = await store.gradebook({ problemId, limit: 100 });
        const at = (id: string) => 1_700_000_000_000 + [ann1, ann2, ann3, ann4].indexOf(id) + 1;
        // Anonymous first (no key), then by key id, then by user: '' < 'Zed' < 'a,"b"' < 'ann' by
        // code point, whatever the database's locale would say.
        assert.deepEqual(
          rows.map((r) => [r.keyId, r.user, r.submissions]),
          [
            [null, null, 1],
            [keyA, null, 1],
            [keyA, 'Zed', 1],
            [keyA, 'a,"b"', 1],
            [keyA, 'ann', 4],
            [keyB, 'ann', 1],
          ],
        );
        assert.deepEqual(rows[4], {
          keyId: keyA,
          user: 'ann',
          submissions: 4,
          best: { score: 7.5, maxScore: 10, submissionId: ann2, at: at(ann2) },
          latest: { score: null, status: 'queued', submissionId: ann4, at: at(ann4) },
        });
        assert.deepEqual(rows[2]!.best, {
          score: 0,
          maxScore: 10,
          submissionId: zed,
          at: rows[2]!.latest.at,
        });
        assert.equal(rows[1]!.best, null, 'never judged: no best');
        assert.deepEqual(rows[1]!.latest.submissionId, nobody);
        assert.equal(rows[5]!.best, null, 'cancelled: no best');
        assert.equal(rows[5]!.latest.status, 'cancelled');

        const keyed = await store.gradebook({ problemId, keyId: keyA, limit: 100 });
        assert.deepEqual(
          keyed.map((r) => r.user),
          [null, 'Zed', 'a,"b"', 'ann'],
          "a key's own rows only",
        );
        assert.deepEqual(
          (await store.gradebook({ problemId, keyId: null, limit: 100 })).map((r) => r.latest.submissionId),
          [anon],
        );
        assert.deepEqual(
          await store.gradebook({ problemId, keyId: keyA, limit: 2, offset: 1 }),
          keyed.slice(1, 3),
        );
        assert.deepEqual(
          (await store.gradebook({ problemId, user: 'ann', limit: 100 })).map((r) => [
            r.keyId,
            r.submissions,
          ]),
          [
            [keyA, 4],
            [keyB, 1],
          ],
          'one user, under each key that named them',
        );
        assert.deepEqual(await store.gradebook({ problemId: `none-${randomUUID()}`, limit: 100 }), []);
      } finally {
        await backend.close();
      }
    });
  });
}
