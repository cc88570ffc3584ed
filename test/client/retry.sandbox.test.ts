// 429 handling against a real server whose per-IP rate is one request a second (burst two).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ArbiterApiError, ArbiterClient, type RetryInfo } from '../../packages/client/src/index.js';
import { startServer, type RunningServer } from './server.js';

let server: RunningServer;

before(async () => {
  // queue() is a GET: following pays from the address's read bucket, here 1 a second.
  server = await startServer({ ipReadRatePerSec: 1 });
});
after(() => server?.stop());

/** Spends the IP's tokens until the server refuses, so each test starts from an empty bucket. */
async function drain(): Promise<ArbiterApiError> {
  const strict = new ArbiterClient({ baseUrl: server.url, maxRetries: 0 });
  for (let i = 0; i < 10; i++) {
    const error = await strict.queue().then(
      () => null,
      (e: unknown) => e,
    );
    if (error instanceof ArbiterApiError) return error;
    if (error) throw error;
  }
  assert.fail('the server never refused: is ipReadRatePerSec applied?');
}

test('without retries a 429 is an ArbiterApiError with the code and Retry-After', async () => {
  const refused = await drain();
  assert.equal(refused.status, 429);
  assert.equal(refused.code, 'ARB_ERR_RATELIMIT_EXCEEDED');
  assert.ok(refused.retryAfter !== null && refused.retryAfter >= 1, String(refused.retryAfter));
  assert.equal(refused.body?.retryAfter, refused.retryAfter);
  assert.match(refused.requestId ?? '', /\S+/);
});

test('a 429 is retried after the Retry-After the server gave, never sooner', async () => {
  await drain();
  const retries: RetryInfo[] = [];
  const patient = new ArbiterClient({ baseUrl: server.url, maxRetries: 3, onRetry: (r) => retries.push(r) });
  const started = Date.now();
  const result = await patient.run(
    { language: 'python3', source: 'print("through")\n' },
    { transport: 'poll' },
  );
  assert.equal(result.run?.stdout, 'through\n');
  assert.ok(retries.length >= 1, 'expected at least one retry');
  for (const retry of retries) {
    assert.equal(retry.status, 429);
    assert.ok(retry.retryAfter !== null && retry.retryAfter >= 1);
    assert.equal(retry.delayMs, retry.retryAfter * 1000);
  }
  // The drain emptied the read bucket: the submission itself goes through, and waiting for it (a
  // poll, which pays from the read bucket) meets the 429.
  assert.match(retries[0]!.path, /^\/api\/v1\/submissions\//);
  assert.equal(retries[0]!.method, 'GET');
  assert.ok(Date.now() - started >= retries[0]!.delayMs, `took ${Date.now() - started} ms`);
});

test('gives up after maxRetries, and at once when Retry-After exceeds the time budget', async () => {
  await drain();
  const retries: RetryInfo[] = [];
  const once = new ArbiterClient({ baseUrl: server.url, maxRetries: 1, onRetry: (r) => retries.push(r) });
  // Three calls at once on an empty bucket: one token arrives in the second they all wait.
  const outcomes = await Promise.allSettled([once.queue(), once.queue(), once.queue()]);
  assert.ok(
    outcomes.some(
      (o) => o.status === 'rejected' && o.reason instanceof ArbiterApiError && o.reason.status === 429,
    ),
    JSON.stringify(outcomes.map((o) => o.status)),
  );
  assert.ok(retries.every((r) => r.attempt === 1));

  await drain();
  const hurried = new ArbiterClient({ baseUrl: server.url, maxRetries: 5, timeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(hurried.queue(), { name: 'ArbiterApiError', status: 429 });
  assert.ok(Date.now() - started < 300, `waited ${Date.now() - started} ms for a retry it could not afford`);
});
