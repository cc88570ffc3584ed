// The SDK's pure parts and its HTTP conventions, against a scripted fetch (no server needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ArbiterApiError,
  ArbiterClient,
  ArbiterClientError,
  ArbiterNetworkError,
  backoffDelay,
  parseRetryAfter,
  readSse,
  SseParser,
  type RetryInfo,
} from '../../packages/client/src/index.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A fetch that answers from a script, one entry per call, and records what it was asked. */
function scripted(...answers: (Response | Error)[]) {
  const requests: { method: string; url: string; headers: Headers; body: string | null }[] = [];
  const fetchStub: typeof fetch = async (input, init) => {
    requests.push({
      method: init?.method ?? 'GET',
      url: String(input),
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : null,
    });
    const next = answers.shift();
    if (!next) throw new Error('the script ran out of answers');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch: fetchStub, requests };
}

test('the SSE parser handles chunk boundaries, CRLF, comments and multi-line data', () => {
  const parser = new SseParser();
  const events = [
    ...parser.push(': keep-alive\n\nevent: sta'),
    ...parser.push('tus\r\ndata: {"a":\r'),
    ...parser.push('\ndata: 1}\r\n\r\n'),
    ...parser.push('data: plain\n\nevent: finished\nid: 7\ndata:x\n\n'),
  ];
  assert.deepEqual(events, [
    { event: 'status', data: '{"a":\n1}' },
    { event: 'message', data: 'plain' },
    { event: 'finished', data: 'x', id: '7' },
  ]);
});

test('readSse reads a byte stream whose UTF-8 is split between chunks', async () => {
  const bytes = new TextEncoder().encode('event: status\ndata: "héllo"\n\n');
  const split = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, split));
      controller.enqueue(bytes.slice(split));
      controller.close();
    },
  });
  const events = [];
  for await (const event of readSse(stream)) events.push(event);
  assert.deepEqual(events, [{ event: 'status', data: '"héllo"' }]);
});

test('Retry-After in seconds or as an HTTP date; backoff grows, is capped and jittered', () => {
  assert.equal(parseRetryAfter('5'), 5);
  assert.equal(parseRetryAfter(' 0 '), 0);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter(null), null);

  const policy = { initialMs: 100, maxMs: 1000, factor: 2 };
  assert.equal(
    backoffDelay(0, policy, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(0, policy, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(3, policy, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(10, policy, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(10, policy, () => 0),
    500,
  );
});

test('options are checked at construction, naming the bad one', () => {
  const bad = (options: object) => () => new ArbiterClient(options as never);
  assert.throws(bad({}), { code: 'ARB_ERR_CLIENT_OPTION_INVALID', message: /baseUrl/ });
  assert.throws(bad({ baseUrl: 'not a url' }), { code: 'ARB_ERR_CLIENT_OPTION_INVALID' });
  assert.throws(bad({ baseUrl: 'ftp://x' }), /http/);
  assert.throws(bad({ baseUrl: 'http://x', timeoutMs: 0 }), /timeoutMs/);
  assert.throws(bad({ baseUrl: 'http://x', maxRetries: 1.5 }), /maxRetries/);
  assert.throws(bad({ baseUrl: 'http://x', apiKey: '' }), ArbiterClientError);
  const client = new ArbiterClient({ baseUrl: 'http://example.test/arbiter///' });
  assert.equal(client.options.baseUrl, 'http://example.test/arbiter');
  assert.equal(client.options.maxRetries, 3);
});

test('requests carry the key and JSON; a 503 with an HTTP-date Retry-After is retried', async () => {
  // An HTTP date has whole seconds: 1.5 s ahead is at least half a second ahead once truncated.
  const soon = new Date(Date.now() + 1500).toUTCString();
  const { fetch, requests } = scripted(
    json(
      503,
      { error: 'ARB_ERR_QUEUE_FULL', message: 'the queue is full', status: 503, requestId: 'r1' },
      {
        'retry-after': soon,
      },
    ),
    json(202, { id: 'abc', status: 'queued', position: 4 }),
  );
  const retries: RetryInfo[] = [];
  const client = new ArbiterClient({
    baseUrl: 'http://x.test',
    apiKey: 'k1',
    fetch,
    onRetry: (r) => retries.push(r),
  });
  const answer = await client.submit({ language: 'python3', source: 'print(1)' });
  assert.deepEqual(answer, { id: 'abc', status: 'queued', position: 4 });
  assert.equal(requests.length, 2);
  assert.equal(requests[0]!.url, 'http://x.test/api/v1/submissions');
  assert.equal(requests[0]!.headers.get('authorization'), 'Bearer k1');
  assert.equal(requests[0]!.headers.get('content-type'), 'application/json');
  assert.deepEqual(JSON.parse(requests[0]!.body!), { language: 'python3', source: 'print(1)' });
  assert.equal(retries.length, 1);
  assert.equal(retries[0]!.status, 503);
  assert.ok(retries[0]!.delayMs > 0 && retries[0]!.delayMs <= 1500, String(retries[0]!.delayMs));
});

test('a cached result that comes back finished is returned with the submit', async () => {
  const finished = { id: 'c', status: 'accepted', tests: [], run: { stdout: '1\n' } };
  const { fetch } = scripted(json(200, finished));
  const client = new ArbiterClient({ baseUrl: 'http://x.test', fetch });
  const result = await client.run({ language: 'python3', source: 'print(1)', cache: true });
  assert.equal(result.status, 'accepted');
});

test('an error page that is not the server JSON is still an ArbiterApiError', async () => {
  const { fetch } = scripted(
    new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
  );
  const client = new ArbiterClient({ baseUrl: 'http://x.test', fetch });
  await assert.rejects(client.queue(), (error: unknown) => {
    assert.ok(error instanceof ArbiterApiError);
    assert.equal(error.code, 'ARB_ERR_CLIENT_UNEXPECTED_RESPONSE');
    assert.equal(error.status, 502);
    assert.match(error.message, /502 Bad Gateway.*html/);
    assert.equal(error.body, null);
    return true;
  });
});

test('network errors: a GET is retried, a POST (maybe received) is not', async () => {
  const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  const get = scripted(refused(), json(200, { languages: [] }));
  const getter = new ArbiterClient({ baseUrl: 'http://x.test', fetch: get.fetch });
  assert.deepEqual(await getter.languages(), []);
  assert.equal(get.requests.length, 2);

  const post = scripted(refused(), json(202, { id: 'x', status: 'queued', position: 0 }));
  const poster = new ArbiterClient({ baseUrl: 'http://x.test', fetch: post.fetch });
  await assert.rejects(poster.submit({ language: 'c', source: '' }), ArbiterNetworkError);
  assert.equal(post.requests.length, 1);
});
