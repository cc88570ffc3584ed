import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ErrorCodes } from '../errors.js';
import { deliverWebhook, type DeliverWebhookOptions, type WebhookAttemptInfo } from './deliver.js';
import { verifyWebhookSignature } from './signature.js';

const SECRET = 'test-secret';
const BODY = { id: 'sub_1', status: 'accepted', score: 100 };

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Responder = (response: ServerResponse, index: number) => void;

/** A real HTTP server on 127.0.0.1 that answers the n-th request with the n-th responder. */
async function withServer(
  responders: Responder[],
  run: (url: string, received: Received[]) => Promise<void>,
): Promise<void> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const index = received.length;
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const respond = responders[Math.min(index, responders.length - 1)] ?? status(200);
      respond(response, index);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await run(`http://127.0.0.1:${port}/hook?src=arbiter`, received);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function status(code: number, headers: Record<string, string> = {}): Responder {
  return (response) => {
    response.writeHead(code, headers);
    response.end(`status ${code}`);
  };
}

/** Never answers (until the server closes): the client must time out. */
const hang: Responder = () => undefined;

/** Options that keep tests fast: a fake sleep that records the waits, loopback allowed. */
/** Delivers the test body, signed with the test secret, to `url`. */
function deliver(url: string, options: DeliverWebhookOptions) {
  return deliverWebhook({ url, body: BODY, secret: SECRET }, options);
}

function fastOptions(extra: DeliverWebhookOptions = {}) {
  const sleeps: number[] = [];
  const attempts: WebhookAttemptInfo[] = [];
  const options: DeliverWebhookOptions = {
    allowlist: ['127.0.0.1'],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onAttempt: (info) => attempts.push(info),
    ...extra,
  };
  return { options, sleeps, attempts };
}

test('a delivery arrives signed, as JSON, with the Arbiter user agent', async () => {
  await withServer([status(204)], async (url, received) => {
    const { options, sleeps } = fastOptions();
    const outcome = await deliver(url, options);
    assert.deepEqual(outcome, { delivered: true, attempts: 1, lastStatus: 204 });
    assert.equal(received.length, 1);
    const [request] = received;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/hook?src=arbiter');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['user-agent'], 'Arbiter-Webhook');
    assert.deepEqual(JSON.parse(request.body), BODY);
    const signature = request.headers['x-arbiter-signature'];
    assert.equal(typeof signature, 'string');
    assert.equal(verifyWebhookSignature(SECRET, signature as string, request.body), true);
    assert.equal(verifyWebhookSignature('wrong-secret', signature as string, request.body), false);
    assert.deepEqual(sleeps, []);
  });
});

test('PUT is used when asked', async () => {
  await withServer([status(200)], async (url, received) => {
    const outcome = await deliverWebhook(
      { url, body: BODY, secret: SECRET, method: 'PUT' },
      fastOptions().options,
    );
    assert.equal(outcome.delivered, true);
    assert.equal(received[0]?.method, 'PUT');
  });
});

test('without the allowlist, loopback is refused and no request reaches the server', async () => {
  await withServer([status(200)], async (url, received) => {
    const { options, sleeps, attempts } = fastOptions({ allowlist: [] });
    const outcome = await deliver(url, options);
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.attempts, 1);
    assert.equal(outcome.lastErrorCode, ErrorCodes.WEBHOOK_TARGET_REFUSED.code);
    assert.match(outcome.lastError ?? '', /loopback/);
    assert.equal(received.length, 0);
    assert.deepEqual(sleeps, [], 'a refusal is final, not retried');
    assert.equal(attempts[0]?.nextDelayMs, undefined);
  });
});

test('500, 500, then 200: delivered on the third attempt after growing backoff', async () => {
  await withServer([status(500), status(502), status(200)], async (url, received) => {
    const { options, sleeps, attempts } = fastOptions({ baseDelayMs: 1_000 });
    const outcome = await deliver(url, options);
    assert.deepEqual(outcome, { delivered: true, attempts: 3, lastStatus: 200 });
    assert.equal(received.length, 3);
    assert.deepEqual(sleeps, [500, 1_000], 'full jitter at 0.5 of 1 s, then of 2 s');
    assert.deepEqual(
      attempts.map((info) => [info.attempt, info.status, info.delivered, info.nextDelayMs]),
      [
        [1, 500, false, 500],
        [2, 502, false, 1_000],
        [3, 200, true, undefined],
      ],
    );
    // Every attempt is signed afresh and verifies.
    for (const request of received) {
      assert.equal(
        verifyWebhookSignature(SECRET, request.headers['x-arbiter-signature'] as string, request.body),
        true,
      );
    }
  });
});

test('a 400 is final: no retry', async () => {
  await withServer([status(400)], async (url, received) => {
    const { options, sleeps } = fastOptions();
    const outcome = await deliver(url, options);
    assert.deepEqual(outcome, { delivered: false, attempts: 1, lastStatus: 400, lastError: 'HTTP 400' });
    assert.equal(received.length, 1);
    assert.deepEqual(sleeps, []);
  });
});

test('a persistent 503 gives up after maxAttempts, reporting the last status', async () => {
  await withServer([status(503)], async (url, received) => {
    const { options, sleeps } = fastOptions({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 150 });
    const outcome = await deliver(url, options);
    assert.deepEqual(outcome, { delivered: false, attempts: 3, lastStatus: 503, lastError: 'HTTP 503' });
    assert.equal(received.length, 3);
    assert.deepEqual(sleeps, [50, 75], 'the jitter ceiling is capped at maxDelayMs');
  });
});

test('Retry-After on 429 is honoured, and capped at maxDelayMs', async () => {
  await withServer(
    [status(429, { 'Retry-After': '7' }), status(429, { 'Retry-After': '3600' }), status(201)],
    async (url) => {
      const { options, sleeps } = fastOptions({ maxDelayMs: 60_000 });
      const outcome = await deliver(url, options);
      assert.equal(outcome.delivered, true);
      assert.equal(outcome.attempts, 3);
      assert.deepEqual(sleeps, [7_000, 60_000]);
    },
  );
});

test('a timeout is retried', async () => {
  await withServer([hang, status(200)], async (url, received) => {
    const { options, attempts } = fastOptions({ timeoutMs: 150 });
    const started = Date.now();
    const outcome = await deliver(url, options);
    assert.deepEqual(outcome, { delivered: true, attempts: 2, lastStatus: 200 });
    assert.equal(received.length, 2);
    assert.match(attempts[0]?.error ?? '', /no response within 150 ms/);
    assert.ok(Date.now() - started < 5_000);
  });
});

test('a redirect is not followed, and not retried', async () => {
  await withServer([status(302, { Location: '/elsewhere' }), status(200)], async (url, received) => {
    const { options, sleeps } = fastOptions();
    const outcome = await deliver(url, options);
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.attempts, 1);
    assert.equal(outcome.lastStatus, 302);
    assert.match(outcome.lastError ?? '', /redirects are not followed/);
    assert.deepEqual(
      received.map((request) => request.url),
      ['/hook?src=arbiter'],
    );
    assert.deepEqual(sleeps, []);
  });
});

test('a refused connection is retried and reported', async () => {
  // Take a port, then close the server, so nothing listens there.
  let closedUrl = '';
  await withServer([status(200)], async (url) => {
    closedUrl = url;
  });
  const { options, sleeps } = fastOptions({ maxAttempts: 2 });
  const outcome = await deliver(closedUrl, options);
  assert.equal(outcome.delivered, false);
  assert.equal(outcome.attempts, 2);
  assert.equal(outcome.lastStatus, undefined);
  assert.match(outcome.lastError ?? '', /ECONNREFUSED/);
  assert.equal(sleeps.length, 1);
});

test('the built-in transport connects to the checked address, not a fresh DNS answer', async () => {
  await withServer([status(200)], async (url, received) => {
    const port = new URL(url).port;
    // No real DNS knows this name; only the guard's resolver does.
    const resolve = async (host: string) => (host === 'hooks.arbiter.test' ? ['127.0.0.1'] : []);
    const { options } = fastOptions({ resolve });
    const outcome = await deliver(`http://hooks.arbiter.test:${port}/x`, options);
    assert.equal(outcome.delivered, true);
    assert.equal(received[0]?.headers.host, `hooks.arbiter.test:${port}`);
  });
});

test('the guard runs before every attempt: a host that turns private is refused mid-way', async () => {
  const answers = [['93.184.216.34'], ['10.0.0.7']];
  const resolve = async () => answers.shift() ?? [];
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fakeFetch: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init });
    return new Response('busy', { status: 500 });
  };
  const { options, sleeps } = fastOptions({ resolve, fetch: fakeFetch, allowlist: [] });
  const outcome = await deliver('https://hooks.example.com/a', options);
  assert.equal(outcome.delivered, false);
  assert.equal(outcome.attempts, 2);
  assert.equal(outcome.lastErrorCode, ErrorCodes.WEBHOOK_TARGET_REFUSED.code);
  assert.match(outcome.lastError ?? '', /10\.0\.0\.7/);
  assert.equal(calls.length, 1, 'the second attempt never left');
  assert.equal(calls[0]?.init?.redirect, 'manual');
  assert.equal(sleeps.length, 1);
});

test('an unresolvable host is retried (DNS may come back)', async () => {
  const resolve = async (): Promise<string[]> => {
    throw Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
  };
  const { options, sleeps } = fastOptions({ resolve, maxAttempts: 3 });
  const outcome = await deliver('https://flaky.example.com/', options);
  assert.equal(outcome.attempts, 3);
  assert.equal(outcome.lastErrorCode, ErrorCodes.WEBHOOK_TARGET_UNRESOLVED.code);
  assert.equal(sleeps.length, 2);
});

test('bad options give a failed outcome naming the key, never a rejection', async () => {
  const cases: [DeliverWebhookOptions, string][] = [
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ baseDelayMs: -1 }, 'baseDelayMs'],
    [{ allowlist: ['10.0.0.0/40'] }, '10.0.0.0/40'],
  ];
  for (const [options, key] of cases) {
    const outcome = await deliver('https://hooks.example.com/', options);
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.attempts, 0);
    assert.equal(outcome.lastErrorCode, ErrorCodes.INVALID_INPUT.code);
    assert.match(outcome.lastError ?? '', new RegExp(key.replace(/[./]/g, '\\$&')));
  }
});
