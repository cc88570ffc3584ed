// SandboxPool.acquirePair: two slots taken at once for an interactive test, in the same FIFO as
// single leases, never one slot held while waiting for the other, never starved by singles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SandboxLease, SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool } from '../helpers/sandbox.js';

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(2);
});
after(() => pool.close());

/** A promise's outcome, readable without awaiting it. */
function track<T>(promise: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

test('a pair is two different slots, and both come back', async () => {
  const [a, b] = await pool.acquirePair();
  assert.notEqual(a.slot.index, b.slot.index);
  assert.equal(pool.stats().busy, 2);
  a.release();
  b.release();
  // Both are reusable: a second pair can be had once they are wiped.
  const again = await pool.acquirePair();
  for (const lease of again) lease.release();
});

test(
  'a waiting pair is served before a single that came after it, though a slot was idle',
  { timeout: 120_000 },
  async () => {
    const held = await pool.acquire();
    const pair = track(pool.acquirePair());
    const single = track(pool.acquire());
    // With one slot idle, a single queued behind the pair must not take it: if it did, the pair could
    // not be served until that single was released, which this test never does, and it would hang.
    held.release();
    const leases = await pair.promise;
    assert.equal(single.settled, false, 'the single waits: both slots are the pair’s');
    assert.equal(pool.stats().waiting, 1);
    for (const lease of leases) lease.release();
    const late: SandboxLease = await single.promise;
    late.release();
  },
);

test('a pair that gives up lets the singles behind it through', { timeout: 120_000 }, async () => {
  const held = await pool.acquire();
  const controller = new AbortController();
  const pair = pool.acquirePair(controller.signal);
  const single = pool.acquire();
  controller.abort(new Error('gave up'));
  await assert.rejects(pair, /gave up/);
  // The idle slot goes to the single at once, while `held` is still held.
  const lease = await single;
  lease.release();
  held.release();
});

test('a pool of one slot refuses a pair at once instead of waiting forever', async () => {
  const small = await createTestPool(1);
  try {
    await assert.rejects(small.acquirePair(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ARB_ERR_SANDBOX_UNAVAILABLE');
      assert.match(error.message, /two sandbox slots/);
      return true;
    });
  } finally {
    await small.close();
  }
});
