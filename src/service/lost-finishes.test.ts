// The sweep over a real SQLite store: listeners waiting on submissions the store holds as final get
// their `finished` event, built from the stored row; the rest keep waiting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../store/sqlite-store.js';
import { SubmissionEvents, type SubmissionEvent } from './events.js';
import { recoverLostFinishes } from './lost-finishes.js';
import { aSubmission } from '../../test/helpers/submission.js';

const newSubmission = (id: string, keyId: string | null) =>
  aSubmission({ id, priority: 0, keyId, submitter: keyId ? `key:${keyId}` : 'anonymous', version: '3' });

test('finishes the store holds but the listeners never heard of are delivered, in batches', async () => {
  const store = new SqliteStore(':memory:');
  try {
    const events = new SubmissionEvents();
    const heard = new Map<string, SubmissionEvent[]>();
    for (const id of ['done-1', 'done-2', 'waiting', 'done-3']) {
      await store.createSubmission(newSubmission(id, id === 'done-2' ? 'key-2' : null), Date.now());
      heard.set(id, []);
      events.onSubmission(id, (event) => heard.get(id)!.push(event));
    }
    const result = {
      status: 'accepted' as const,
      tests: [],
      score: null,
      maxScore: null,
      compileCached: false,
    };
    await store.finishSubmission('done-1', 'accepted', result, 1_000);
    await store.finishSubmission('done-2', 'runtime_error', { ...result, status: 'runtime_error' }, 2_000);
    await store.finishSubmission('done-3', 'cancelled', { ...result, status: 'cancelled' }, 3_000);

    assert.equal(await recoverLostFinishes(events, store, { minAgeMs: 60_000 }), 0, 'too fresh to ask');
    assert.equal(await recoverLostFinishes(events, store, { minAgeMs: 0, batchSize: 2 }), 3);
    assert.deepEqual(heard.get('done-1'), [
      { type: 'finished', id: 'done-1', keyId: null, status: 'accepted', at: 1_000 },
    ]);
    assert.deepEqual(heard.get('done-2'), [
      { type: 'finished', id: 'done-2', keyId: 'key-2', status: 'runtime_error', at: 2_000 },
    ]);
    assert.deepEqual(
      heard.get('done-3')?.map((e) => e.status),
      ['cancelled'],
    );
    assert.deepEqual(heard.get('waiting'), []);
    assert.equal(await recoverLostFinishes(events, store, { minAgeMs: 0 }), 0, 'each once');
    assert.deepEqual(events.awaitingFinish(0), ['waiting']);
  } finally {
    await store.close();
  }
});
