// How a submission ends: once, announced, and with its final row handed to listeners while the
// event is delivered. A real SQLite store and queue.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../config.js';
import { EmbeddedQueue } from '../queue/embedded-queue.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { SubmissionRecord } from '../store/types.js';
import { SubmissionEvents, type SubmissionEvent } from './events.js';
import { SubmissionFinisher } from './submission-finisher.js';
import { aResult, aRunningSubmission, aSubmission } from '../../test/helpers/submission.js';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-finisher-'));
const store = new SqliteStore(join(dir, 'arbiter.db'));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const QUEUE_TIMEOUT_MS = 60_000;
const config = loadConfig({ flags: { queueTimeoutMs: QUEUE_TIMEOUT_MS } });
const queue = new EmbeddedQueue(store);
const events = new SubmissionEvents();
const finisher = new SubmissionFinisher({ config, store, queue, events });
const result = aResult();

test('a final status is recorded once and announced once', async () => {
  const record = await aRunningSubmission(store);
  const heard: SubmissionEvent[] = [];
  const off = events.onSubmission(record.id, (event) => heard.push(event));
  assert.equal(await finisher.finish(record, 'cancelled', { ...result, status: 'cancelled' }), true);
  assert.equal(await finisher.finish(record, 'accepted', result, { current: true }), false);
  off();
  assert.deepEqual(
    heard.map((e) => [e.type, e.status]),
    [['finished', 'cancelled']],
  );
  assert.equal((await store.getSubmission(record.id))!.status, 'cancelled');
});

test('peekFinished shows the final row to listeners of the finished event, and only then', async () => {
  const record = await aRunningSubmission(store);
  let seen: SubmissionRecord | undefined;
  const off = events.onSubmission(record.id, (event) => {
    if (event.type === 'finished') seen = finisher.peekFinished(record.id);
  });
  await finisher.finish(record, 'accepted', result, { current: true });
  off();
  assert.equal(seen?.status, 'accepted');
  assert.deepEqual(seen?.result, result);
  assert.equal(finisher.peekFinished(record.id), undefined, 'gone once delivered');
});

test('a submission that waited past the queue timeout is cancelled and counted; a younger one waits on', async () => {
  const now = Date.now();
  const old = await store.createSubmission(aSubmission(), now - QUEUE_TIMEOUT_MS - 1);
  const young = await store.createSubmission(aSubmission(), now);
  await queue.enqueue(old);
  await queue.enqueue(young);
  const before = finisher.timedOut;
  assert.equal(await finisher.expireWaiting(now), 1);
  assert.equal(finisher.timedOut, before + 1);
  const expired = (await store.getSubmission(old.id))!;
  assert.equal(expired.status, 'cancelled');
  assert.match(expired.result!.message!, /waited longer than 60 s in the queue/);
  assert.equal((await store.getSubmission(young.id))!.status, 'queued');
  assert.equal(await queue.remove(young.id), true, 'the younger one is still queued');
});
