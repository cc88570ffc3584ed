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

/** A fetch that logs each answered request as "GET /path?query 429" in `events`. */
function loggingFetch(events: string[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const response = await fetch(input, init);
    events.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search} ${response.status}`);
    return response;
  };
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
  const events: string[] = [];
  const patient = new ArbiterClient({
    baseUrl: server.url,
    maxRetries: 3,
    fetch: loggingFetch(events),
    onRetry: (r) => {
      retries.push(r);
      events.push(`retry ${r.method} ${r.path}`);
    },
  });
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
  // The server is the clock: its bucket refuses a request that comes back before the token it
  // promised is due. So each 429 followed by the retry and then an answer shows the wait was kept.
  for (const [i, event] of events.entries()) {
    if (!event.endsWith(' 429')) continue;
    const request = event.slice(0, -' 429'.length);
    assert.deepEqual(events.slice(i + 1, i + 3), [`retry ${request}`, `${request} 200`], events.join('\n'));
  }
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
  const sent: string[] = [];
  const hurried = new ArbiterClient({
    baseUrl: server.url,
    maxRetries: 5,
    timeoutMs: 300,
    fetch: loggingFetch(sent),
    onRetry: (r) => sent.push(`retry ${r.method} ${r.path}`),
  });
  // The server's answer, not a timeout: the client neither planned nor waited for a retry.
  await assert.rejects(hurried.queue(), { name: 'ArbiterApiError', status: 429 });
  assert.deepEqual(sent, ['GET /api/v1/queue 429']);
});
