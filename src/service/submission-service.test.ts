// How waiting for a result behaves around a finish, and what the service admits: with a real
// SQLite store and queue. The finisher's own rules are in submission-finisher.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../config.js';
import { LanguageRegistry } from '../languages/registry.js';
import { EmbeddedQueue } from '../queue/embedded-queue.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Caller } from './caller.js';
import { SubmissionEvents } from './events.js';
import { SubmissionFinisher } from './submission-finisher.js';
import { SubmissionService } from './submission-service.js';
import { aResult, aRunningSubmission } from '../../test/helpers/submission.js';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-service-'));
const store = new SqliteStore(join(dir, 'arbiter.db'));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Counts reads, so a test can tell a result that came from memory from one read back. */
let reads = 0;
const counted = new Proxy(store, {
  get(target, name, receiver) {
    if (name === 'getSubmission')
      return (id: string) => {
        reads++;
        return target.getSubmission(id);
      };
    const value = Reflect.get(target, name, receiver) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});
/** A service over `over` (the store), with its own queue, events and finisher. */
function serviceOver(over: typeof store, config = loadConfig({})): SubmissionService {
  const queue = new EmbeddedQueue(over);
  const events = new SubmissionEvents();
  const finisher = new SubmissionFinisher({ config, store: over, queue, events });
  return new SubmissionService(config, over, queue, new LanguageRegistry(), events, finisher);
}
const service = serviceOver(counted);
const { finisher } = service;

const OPERATOR: Caller = { keyId: null, role: 'admin', priority: 10 };
const result = aResult();

test("a worker's own finish hands waiters the final row without reading it back, equal to the stored one", async () => {
  const record = await aRunningSubmission(store);
  const waiting = service.waitForFinal(record.id, 5_000, OPERATOR);
  await new Promise((resolve) => setImmediate(resolve)); // the waiter's first look is done
  reads = 0;
  assert.equal(await finisher.finish(record, 'accepted', result, { current: true }), true);
  const final = await waiting;
  assert.equal(reads, 0, 'no read after the finish');
  assert.deepEqual(final, await store.getSubmission(record.id));
});

test('any other finish is read back; a second finish changes nothing and wakes nobody', async () => {
  const record = await aRunningSubmission(store);
  const waiting = service.waitForFinal(record.id, 5_000, OPERATOR);
  await new Promise((resolve) => setImmediate(resolve));
  reads = 0;
  assert.equal(await finisher.finish(record, 'cancelled', { ...result, status: 'cancelled' }), true);
  const final = await waiting;
  assert.equal(reads, 1);
  assert.equal(final.status, 'cancelled');
  assert.equal(await finisher.finish(record, 'accepted', result, { current: true }), false);
  assert.equal((await store.getSubmission(record.id))!.status, 'cancelled');
});

test('once shutting down, new work is refused with SHUTTING_DOWN and a Retry-After, before anything is read', async () => {
  const closing = serviceOver(store);
  assert.doesNotThrow(() => closing.assertAccepting());
  closing.stopAccepting();
  const refusal = { code: 'ARB_ERR_SHUTTING_DOWN', status: 503, retryAfter: 10 };
  assert.throws(() => closing.assertAccepting(), refusal);
  // Even a request that names no installed language hears the shutdown, not a validation error.
  await assert.rejects(closing.submit({ language: 'no-such-language', source: 'x' }, OPERATOR), refusal);
});

test('a callback is stored typed, with the format the API asked for; a bad format or an overlong URL is refused', async () => {
  const allowing = serviceOver(store, loadConfig({ flags: { webhookAllowlist: ['127.0.0.1'] } }));
  const base = { language: 'python3', source: 'print(1)' };
  const url = 'http://127.0.0.1:9/hook';
  const judge0 = await allowing.submit({ ...base, callbackUrl: url, callbackFormat: 'judge0' }, OPERATOR);
  assert.deepEqual((await store.getSubmission(judge0.record.id))!.callback, { url, format: 'judge0' });
  const native = await allowing.submit({ ...base, callbackUrl: url }, OPERATOR);
  assert.deepEqual((await store.getSubmission(native.record.id))!.callback, { url, format: 'arbiter' });
  const none = await allowing.submit(base, OPERATOR);
  assert.equal((await store.getSubmission(none.record.id))!.callback, null);

  const invalid = { code: 'ARB_ERR_INPUT_INVALID', status: 400 };
  await assert.rejects(
    allowing.submit({ ...base, callbackUrl: url, callbackFormat: 'piston' as never }, OPERATOR),
    invalid,
  );
  await assert.rejects(
    allowing.submit({ ...base, callbackUrl: `http://127.0.0.1/${'a'.repeat(2048)}` }, OPERATOR),
    invalid,
  );
  // The SSRF guard still decides: without the allowlist, loopback is refused.
  await assert.rejects(service.submit({ ...base, callbackUrl: url }, OPERATOR), {
    code: 'ARB_ERR_WEBHOOK_TARGET_REFUSED',
  });
});
