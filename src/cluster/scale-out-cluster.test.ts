import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { aSubmissionRecord } from '../../test/helpers/submission.js';
import type { BullmqQueue } from '../queue/bullmq-queue.js';
import { SubmissionEvents } from '../service/events.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import type { FinishSubmission } from './cluster.js';
import { ScaleOutCluster } from './scale-out-cluster.js';

/**
 * The reconciler's decisions over stand-ins for Redis, the queue and the store (the whole path over
 * real ones is test/cluster/cluster.sandbox.test.ts's Redis wipe).
 */
async function openCluster(options: {
  lockFree: boolean;
  unfinished: SubmissionRecord[];
  inQueue: string[];
}) {
  const requeued: string[] = [];
  const locks: unknown[][] = [];
  const commands = {
    defineCommand: () => undefined,
    publish: () => Promise.resolve(0),
    set: (...args: unknown[]) => {
      locks.push(args);
      return Promise.resolve(options.lockFree ? 'OK' : null);
    },
  };
  const subscriber = {
    on: () => subscriber,
    subscribe: () => Promise.resolve(1),
    unsubscribe: () => Promise.resolve(0),
  };
  const store = { listUnfinished: () => Promise.resolve(options.unfinished) };
  const queue = {
    has: (id: string) => Promise.resolve(options.inQueue.includes(id)),
    requeue: (record: SubmissionRecord) => {
      requeued.push(record.id);
      return Promise.resolve();
    },
  };
  const cluster = await ScaleOutCluster.open({
    store: store as unknown as Store,
    queue: queue as unknown as BullmqQueue,
    events: new SubmissionEvents(),
    commands: commands as unknown as Redis,
    subscriber: subscriber as unknown as Redis,
    prefix: 'test',
  });
  return { cluster, requeued, locks };
}

test('the reconciler re-queues what the queue lost and gives up, through finish, a job whose workers kept dying', async () => {
  const lost = aSubmissionRecord({ id: 'lost', attempts: 1 });
  const queued = aSubmissionRecord({ id: 'queued', attempts: 0 });
  const doomed = aSubmissionRecord({ id: 'doomed', status: 'running', attempts: 5 });
  const { cluster, requeued, locks } = await openCluster({
    lockFree: true,
    unfinished: [lost, queued, doomed],
    inQueue: ['queued'],
  });
  const finished: Parameters<FinishSubmission>[] = [];
  const finish: FinishSubmission = (...args) => {
    finished.push(args);
    return Promise.resolve(true);
  };
  assert.equal(await cluster.reconcile(finish), 1);
  assert.deepEqual(requeued, ['lost']);
  assert.equal(finished.length, 1);
  const [record, status, result] = finished[0]!;
  assert.equal(record, doomed, 'the row as read, so finish publishes its key');
  assert.equal(status, 'internal_error');
  assert.deepEqual(result, {
    status: 'internal_error',
    tests: [],
    score: null,
    maxScore: null,
    compileCached: false,
    message: 'gave up after 5 attempts: its workers kept dying',
  });
  assert.equal(locks[0]![0], 'test:reconciler', 'one reconciler at a time, across the cluster');
  await cluster.close();
});

test('while another node holds the lock, the reconciler does nothing', async () => {
  const { cluster, requeued } = await openCluster({
    lockFree: false,
    unfinished: [aSubmissionRecord({ id: 'lost', attempts: 9 })],
    inQueue: [],
  });
  let finishes = 0;
  const finish: FinishSubmission = () => {
    finishes++;
    return Promise.resolve(true);
  };
  assert.equal(await cluster.reconcile(finish), 0);
  assert.deepEqual(requeued, []);
  assert.equal(finishes, 0);
  await cluster.close();
});
