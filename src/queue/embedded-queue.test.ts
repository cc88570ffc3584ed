// The embedded queue asks again for the class of every waiting job when its estimates change: a
// class's first judges of an exercise reclass the rest of the burst, already queued behind them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../store/sqlite-store.js';
import { aSubmission } from '../../test/helpers/submission.js';
import { scratchDir } from '../../test/helpers/scratch-dir.js';
import { EmbeddedQueue } from './embedded-queue.js';
import type { CostFacts, RunCost } from './run-cost.js';

test('jobs queued before their exercise turned slow are reclassed when the estimate changes', async (t) => {
  const dir = scratchDir('arbiter-embedded-queue-');
  const store = new SqliteStore(`${dir}/arbiter.db`);
  t.after(() => store.close());
  const slow = new Set<string>();
  let version = 0;
  const queue = new EmbeddedQueue(store, {
    costOf: (job: CostFacts): RunCost => (slow.has(job.language) ? 'costly' : 'cheap'),
    costVersion: () => version,
    overtakeLimit: 100,
  });
  const names = new Map<string, string>();
  for (const [name, language] of [
    ['loop1', 'loopy'],
    ['py1', 'python3'],
    ['loop2', 'loopy'],
    ['py2', 'python3'],
  ]) {
    const record = await store.createSubmission(
      aSubmission({ language, submitter: `session:${name}` }),
      Date.now(),
    );
    names.set(record.id, name!);
    await queue.enqueue(record);
  }
  const claim = async () => names.get((await queue.claim())!.id);
  assert.equal(await claim(), 'loop1', 'all cheap so far: arrival order');
  // loop1's judge shows the kind slow: the waiting loop2 goes behind the quick runs.
  slow.add('loopy');
  version++;
  assert.deepEqual([await claim(), await claim(), await claim()], ['py1', 'py2', 'loop2']);
  await queue.close();
});
