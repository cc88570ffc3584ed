// BullmqQueue.enqueue in groups (issue [M]): enqueues that arrive within one turn of the event loop
// share one MULTI of fairness counters, one addBulk and one pipeline of ZRANKs, and each caller still
// gets its own position, or its own error. Against the Redis this machine runs (127.0.0.1:6379),
// under a key prefix of each test's own; fails, naming it, when Redis is missing. The submissions
// come from an in-memory SQLite store: the queue only reads them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Job } from 'bullmq';
import { connectTestRedis, deleteKeys, TEST_REDIS_URL } from '../../test/helpers/redis.js';
import { isArbiterError } from '../errors.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { NewSubmission, SubmissionRecord } from '../store/types.js';
import { BullmqQueue, type BullmqQueueOptions } from './bullmq-queue.js';
import { aSubmission } from '../../test/helpers/submission.js';
import { costByCatalog, type CostOrderOptions } from './run-cost.js';

const submission = (submitter: string, id: string = randomUUID()): NewSubmission =>
  aSubmission({ id, submitter });

/** Counts calls of one method of an object, still calling it. */
function countCalls<T extends object>(target: T, method: keyof T & string): { readonly count: number } {
  const counter = { count: 0 };
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  (target as Record<string, unknown>)[method] = (...args: unknown[]) => {
    counter.count++;
    return original(...args);
  };
  return counter;
}

async function withQueue(
  body: (queue: BullmqQueue, store: SqliteStore) => Promise<void>,
  costOrder: CostOrderOptions & Pick<BullmqQueueOptions, 'promotionLeaseMs'> = {},
): Promise<void> {
  const redis = await connectTestRedis(); // fails loudly, naming Redis, when it is missing
  const prefix = `arbiter-test-groups-${randomUUID()}`;
  const store = new SqliteStore(':memory:');
  const queue = await BullmqQueue.open(store, {
    connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null },
    prefix,
    consumer: true,
    ...costOrder,
  });
  try {
    await body(queue, store);
  } finally {
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    store.db.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
}

const create = (store: SqliteStore, submissions: NewSubmission[]): Promise<SubmissionRecord[]> =>
  Promise.all(submissions.map((s) => store.createSubmission(s, Date.now())));

test('enqueues in one turn share one addBulk; each caller gets its position, fair ranks as one by one', async () => {
  await withQueue(async (queue, store) => {
    const names = ['a1', 'a2', 'a3', 'b1', 'c1'];
    const records = await create(
      store,
      names.map((name) => submission(`student-${name[0]}`)),
    );
    const bulks = countCalls(queue.queue, 'addBulk');
    const adds = countCalls(queue.queue, 'add');
    const placed = await Promise.all(records.map((r) => queue.enqueue(r)));
    assert.equal(bulks.count, 1, 'one addBulk for the group');
    assert.equal(adds.count, 0);
    // a's second and third jobs rank behind everyone's first, as if each had been enqueued alone.
    assert.deepEqual(
      placed.map((p) => p.position),
      [0, 3, 4, 1, 2],
    );
    const claimed: string[] = [];
    for (let i = 0; i < names.length; i++) {
      const record = (await queue.claim())!;
      claimed.push(names[records.findIndex((r) => r.id === record.id)]!);
      await queue.complete(record.id);
    }
    assert.deepEqual(claimed, ['a1', 'b1', 'c1', 'a2', 'a3']);
  });
});

test('a larger group: every caller its own place, in call order', async () => {
  await withQueue(async (queue, store) => {
    const records = await create(
      store,
      Array.from({ length: 300 }, (_, i) => submission(`student-${i}`)),
    );
    const bulks = countCalls(queue.queue, 'addBulk');
    const placed = await Promise.all(records.map((r) => queue.enqueue(r)));
    assert.equal(bulks.count, 2, '300 jobs in groups of at most 256');
    // Within the first group each sees the whole group ahead of the later ones; the second group's
    // positions come after all of the first's.
    for (const [i, p] of placed.entries()) assert.equal(p.position, i, `caller ${i}`);
    assert.equal(await queue.length(), 300);
  });
});

test('one bad job in a group fails only its own caller; the others are queued', async () => {
  await withQueue(async (queue, store) => {
    // BullMQ refuses a job id that is an integer: this job, and only this one, cannot be added.
    const records = await create(store, [submission('s1'), submission('s2', '12345'), submission('s3')]);
    const outcomes = await Promise.allSettled(records.map((r) => queue.enqueue(r)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const { reason } = outcomes[1] as PromiseRejectedResult;
    assert.ok(isArbiterError(reason, 'DEPENDENCY_UNAVAILABLE'), String(reason));
    assert.match((reason as Error).message, /integer/);
    assert.deepEqual(
      outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.position] : [])),
      [0, 1],
    );
    assert.equal(await queue.length(), 2);
    assert.equal(await queue.position(records[2]!.id), 1);
  });
});

test('Redis gone: every caller of the group hears DEPENDENCY_UNAVAILABLE', async () => {
  await withQueue(async (queue, store) => {
    const records = await create(store, [submission('s1'), submission('s2'), submission('s3')]);
    (await queue.queue.client).disconnect(); // offline queue off: commands fail, never wait
    const outcomes = await Promise.allSettled([...records.map((r) => queue.enqueue(r)), queue.length()]);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      const { reason } = outcome as PromiseRejectedResult;
      assert.ok(isArbiterError(reason, 'DEPENDENCY_UNAVAILABLE'), String(reason));
    }
  });
});

test('length() calls in one turn share one count', async () => {
  await withQueue(async (queue, store) => {
    const records = await create(store, [submission('s1'), submission('s2')]);
    for (const record of records) await queue.enqueue(record);
    const counts = countCalls(queue.queue, 'getJobCounts');
    assert.deepEqual(await Promise.all([queue.length(), queue.length(), queue.length()]), [2, 2, 2]);
    assert.equal(counts.count, 1);
    await queue.enqueue((await create(store, [submission('s3')]))[0]!);
    assert.equal(await queue.length(), 3, 'a later call counts again');
    assert.equal(counts.count, 2);
  });
});

test('a group is added in the cost order one by one would give: a compile passed by at most the limit', async () => {
  await withQueue(
    async (queue, store) => {
      const names = ['c1', 'p1', 'p2', 'p3', 'p4', 'j1', 'p5'];
      const records = await create(
        store,
        names.map((name) => ({
          ...submission(`student-${name}`),
          language: name[0] === 'p' ? 'python3' : 'c',
        })),
      );
      const bulks = countCalls(queue.queue, 'addBulk');
      const placed = await Promise.all(records.map((r) => queue.enqueue(r)));
      assert.equal(bulks.count, 1, 'one addBulk for the group');
      const claimed: string[] = [];
      for (let i = 0; i < names.length; i++) {
        const record = (await queue.claim())!;
        claimed.push(names[records.findIndex((r) => r.id === record.id)]!);
        await queue.complete(record.id);
      }
      // As the contract's one-by-one test: c1 passed by 2 (the limit), j1 by the one after it.
      assert.deepEqual(claimed, ['p1', 'p2', 'c1', 'p3', 'p4', 'p5', 'j1']);
      assert.deepEqual(
        names.map((name) => placed[names.indexOf(name)]!.position),
        names.map((name) => claimed.indexOf(name)),
        'each caller is told its place in that order',
      );
    },
    { costOf: costByCatalog([{ id: 'c', compile: ['cc'] }, { id: 'python3' }]), overtakeLimit: 2 },
  );
});

test('a promotion that fails (Redis gone a moment) is retried once its lease lapses: the compile keeps its bound', async () => {
  await withQueue(
    async (queue, store) => {
      const names = ['c1', 'p1', 'p2', 'p3'];
      const records = await create(
        store,
        names.map((name) => ({
          ...submission(`student-${name}`),
          language: name[0] === 'p' ? 'python3' : 'c',
        })),
      );
      const [c1, p1, p2, p3] = records as [
        SubmissionRecord,
        SubmissionRecord,
        SubmissionRecord,
        SubmissionRecord,
      ];
      await queue.enqueue(c1);
      await queue.enqueue(p1); // passes c1: the one job the limit allows
      const changePriority = Job.prototype.changePriority;
      Job.prototype.changePriority = () => Promise.reject(new Error('Connection is closed.'));
      try {
        await assert.rejects(queue.enqueue(p2), (error) => isArbiterError(error, 'DEPENDENCY_UNAVAILABLE'));
      } finally {
        Job.prototype.changePriority = changePriority;
      }
      await new Promise((resolve) => setTimeout(resolve, 300)); // the lease lapses
      await queue.enqueue(p3);
      const claimed: string[] = [];
      for (let i = 0; i < 3; i++) {
        const record = (await queue.claim())!;
        claimed.push(names[records.findIndex((r) => r.id === record.id)]!);
        await queue.complete(record.id);
      }
      assert.deepEqual(claimed, ['p1', 'c1', 'p3'], "p3 arrived past c1's limit: c1 was promoted after all");
      assert.equal(await queue.length(), 0);
    },
    {
      costOf: costByCatalog([{ id: 'c', compile: ['cc'] }, { id: 'python3' }]),
      overtakeLimit: 1,
      promotionLeaseMs: 200,
    },
  );
});
