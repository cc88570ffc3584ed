// Issue 13 [G], the HTTP boundary, attacked through the real API: a real `arbiter serve` with the
// real sandbox (needs root, bubblewrap and the toolchains). Each attack asserts the safe outcome
// (a clear 4xx, nothing run, nothing hidden shown, the connection closed) and, where it could freeze
// the server, that /health keeps answering within HEALTH_BOUND_MS while it runs.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';
import {
  assertErrorBody,
  cleanup,
  createKey,
  pollUntil,
  request,
  startServer,
  tempDir,
  type ApiResponse,
  type ErrorBody,
  type TestServer,
} from '../api/helpers.js';

/** /health must answer within this while an attack runs (the freezes measured were 9-17 s). */
const HEALTH_BOUND_MS = 3_000;
/** The short timeouts of the server the slow-client attacks run against. */
const REQUEST_TIMEOUT_MS = 2_000;
const HEADERS_TIMEOUT_MS = 1_000;
/** How late past its timeout the server may close a slow connection (it checks about once a second). */
const CLOSE_SLACK_MS = 3_000;
/** The hidden test's expected output: it must never reach a caller who is not the operator. */
const SECRET = 'hidden-expected-7f3a9c';
const PROBLEM_ID = 'boundary-problem';
/** A name a DNS-rebinding page would reach the loopback server by. */
const EVIL_ORIGIN = 'http://evil.example';

/** Loopback-bound, anonymous use on (the default): the local user is the operator. */
let local: TestServer;
/** Loopback-bound with short request timeouts and a reverse proxy's name allowed. */
let proxied: TestServer;
let userKey: string;

before(async () => {
  const dataDir = join(tempDir(), 'data');
  userKey = createKey(dataDir, { name: 'student', role: 'user' }).key;
  [local, proxied] = await Promise.all([
    startServer({ workers: 2 }, { dataDir }),
    startServer({
      workers: 1,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      allowedHosts: ['arbiter.example'],
    }),
  ]);
  const created = await request(local, 'POST', '/api/v1/problems', {
    body: {
      id: PROBLEM_ID,
      title: 'Echo',
      tests: [
        { stdin: 'visible\n', expected: 'visible\n' },
        { stdin: 'secret\n', expected: `${SECRET}\n`, hidden: true },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
});

after(cleanup);

/** One request with exactly these headers to `server` (see rawRequest). */
const raw = (
  server: TestServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> => rawRequest(server.port, method, path, headers, body);

/** The error body, checked as assertErrorBody does, from a raw response. */
/** Opens a WebSocket to /api/v1/ws; resolves with 101 if it opened, else the refusal's HTTP status. */
function upgradeStatus(server: TestServer, options: WebSocket.ClientOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/ws`, options);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

function errorOf(response: RawResponse, status?: number): ErrorBody {
  const context = `${response.status} ${response.text.slice(0, 500)}`;
  if (status !== undefined) assert.equal(response.status, status, context);
  assert.ok(response.status >= 400 && response.status < 500, context);
  const body = response.body as ErrorBody;
  assert.match(body?.error ?? '', /^ARB_ERR_[A-Z_]+$/, context);
  assert.ok(body.message.length > 0, context);
  return body;
}

/** How many submissions the server holds (the loopback operator sees every key's). */
async function submissionCount(server: TestServer): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page: ApiResponse<{ submissions: unknown[]; nextCursor: string | null }> = await request(
      server,
      'GET',
      `/api/v1/submissions?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    assert.equal(page.status, 200, page.text);
    count += page.body.submissions.length;
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return count;
}

/**
 * Polls /health every 100 ms while `attack` runs and returns the attack's result and the slowest
 * /health answer, so a request that blocks the event loop shows as a slow probe.
 */
async function whileProbingHealth<T>(
  server: TestServer,
  attack: () => Promise<T>,
): Promise<{ result: T; slowestHealthMs: number; probes: number }> {
  let running = true;
  let slowest = 0;
  let probes = 0;
  const prober = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      assert.equal(response.status, 200);
      slowest = Math.max(slowest, performance.now() - started);
      probes += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    const result = await attack();
    return { result, slowestHealthMs: slowest, probes };
  } finally {
    running = false;
    await prober;
  }
}

/** A JSON body of about `bytes` bytes whose stdin is an array nested `bytes / 2` deep. */
function deeplyNested(bytes: number): string {
  const head = '{"language":"python3","source":"print(1)","stdin":';
  const depth = Math.floor((bytes - head.length - 1) / 2);
  return `${head}${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** What a socket received and how long after connecting the server closed it (null: it did not). */
function slowClient(
  server: TestServer,
  write: (socket: Socket) => void,
  giveUpMs: number,
): Promise<{ closedAfterMs: number | null; received: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: server.port });
    let received = '';
    let started = performance.now();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closedAfterMs: null, received });
    }, giveUpMs);
    socket.on('connect', () => {
      started = performance.now();
      write(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    // A reset is a close too ('close' follows); writes after it fail the same way.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedAfterMs: performance.now() - started, received });
    });
  });
}

describe('loopback mode is safe from web pages', () => {
  test('DNS rebinding: Host evil.example on a loopback-bound anonymous server is refused 403 and sees no hidden test', async () => {
    for (const host of [
      `evil.example:${local.port}`,
      'evil.example',
      `127.0.0.1.evil.example:${local.port}`,
      `127.evil.example:${local.port}`,
      `localhost.evil.example:${local.port}`,
    ]) {
      const response = await raw(local, 'GET', `/api/v1/problems/${PROBLEM_ID}`, { host });
      const body = errorOf(response, 403);
      assert.equal(body.error, 'ARB_ERR_AUTH_FORBIDDEN', host);
      assert.match(body.message, /allowedHosts/, 'the message names the setting that allows a name');
      assert.ok(!response.text.includes(SECRET), `Host ${host} read the hidden test: ${response.text}`);
    }
    // Not only reads: the page cannot change anything either (nor reach the probes' data).
    const create = await raw(
      local,
      'POST',
      '/api/v1/problems',
      { host: `evil.example:${local.port}`, 'content-type': 'application/json' },
      JSON.stringify({ id: 'planted', title: 'x', tests: [{ stdin: '', expected: '' }] }),
    );
    errorOf(create, 403);
    assert.equal((await request(local, 'GET', '/api/v1/problems/planted')).status, 404);
    errorOf(await raw(local, 'GET', '/metrics', { host: `evil.example:${local.port}` }), 403);
  });

  test('DNS rebinding: a WebSocket upgrade under a foreign Host is refused', async () => {
    const status = await upgradeStatus(local, { headers: { host: `evil.example:${local.port}` } });
    assert.equal(status, 403);
  });

  test('a foreign Origin is not the operator: no hidden test, no admin action', async () => {
    const asPage = { origin: EVIL_ORIGIN, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' };
    const read = await raw(local, 'GET', `/api/v1/problems/${PROBLEM_ID}`, asPage);
    assert.ok(read.status === 200 || read.status === 403, `${read.status} ${read.text}`);
    assert.ok(!read.text.includes(SECRET), `a page from ${EVIL_ORIGIN} read the hidden test: ${read.text}`);
    // Even without Sec-Fetch-Site (older browsers), the Origin alone decides.
    const bare = await raw(local, 'GET', `/api/v1/problems/${PROBLEM_ID}`, { origin: EVIL_ORIGIN });
    assert.ok(!bare.text.includes(SECRET), bare.text);
    // Another local web app (a different port of localhost) is just as foreign.
    const sibling = await raw(local, 'GET', `/api/v1/problems/${PROBLEM_ID}`, {
      host: `localhost:${local.port}`,
      origin: 'http://localhost:3000',
    });
    assert.ok(!sibling.text.includes(SECRET), sibling.text);

    for (const origin of [EVIL_ORIGIN, 'http://localhost:3000', 'null']) {
      const create = await raw(
        local,
        'POST',
        '/api/v1/problems',
        { origin, 'content-type': 'application/json' },
        JSON.stringify({ id: 'planted', title: 'x', tests: [{ stdin: '', expected: '' }] }),
      );
      const body = errorOf(create, 403);
      assert.equal(body.error, 'ARB_ERR_AUTH_FORBIDDEN', origin);
    }
    assert.equal((await request(local, 'GET', '/api/v1/problems/planted')).status, 404);
  });

  test('a cross-site WebSocket (Origin evil.example) cannot open the admin event stream', async () => {
    assert.equal(await upgradeStatus(local, { origin: EVIL_ORIGIN }), 403);
  });

  test('cross-site simple requests (text/plain, forms, beacons) to code-running routes get 4xx and run nothing', async () => {
    const before = await submissionCount(local);
    const program = { language: 'python3', source: 'print("ran")', code: 'print("ran")' };
    const attacks: Array<{ path: string; type: string; body: string; headers?: Record<string, string> }> = [
      {
        path: '/api/v2/execute',
        type: 'text/plain',
        body: JSON.stringify({ language: 'python', version: '*', files: [{ content: 'print("ran")' }] }),
      },
      {
        path: '/submissions?wait=true',
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ source_code: 'print("ran")', language_id: '71' }).toString(),
      },
      {
        path: '/submissions/batch',
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ source_code: 'print("ran")', language_id: '71' }).toString(),
      },
      { path: '/api/v1/submissions', type: 'text/plain', body: JSON.stringify(program) },
      {
        path: '/api/v1/submissions',
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(program).toString(),
      },
      {
        path: '/run',
        type: 'multipart/form-data; boundary=xx',
        body: '--xx\r\nContent-Disposition: form-data; name="language"\r\n\r\npython3\r\n--xx--\r\n',
      },
      { path: '/run', type: 'text/plain', body: JSON.stringify(program) },
    ];
    for (const attack of attacks) {
      // A form or fetch(no-cors) from another site, as a current browser sends it; then as an older
      // browser does (Origin only); then a form whose page sent no referrer (Origin: null).
      const variants: Array<Record<string, string>> = [
        { origin: EVIL_ORIGIN, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
        { origin: EVIL_ORIGIN },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of variants) {
        const response = await raw(
          local,
          'POST',
          attack.path,
          { 'content-type': attack.type, ...headers },
          attack.body,
        );
        const what = `${attack.type} POST ${attack.path} with ${JSON.stringify(headers)}`;
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${what}: ${response.status} ${response.text}`,
        );
        assert.ok(!response.text.includes('ran\\n'), `${what} ran code: ${response.text}`);
      }
    }
    assert.equal(await submissionCount(local), before, 'a cross-site request queued a submission');
  });

  test('the native API takes only JSON bodies: text/plain and forms without an Origin are 4xx too', async () => {
    const before = await submissionCount(local);
    const program = { language: 'python3', source: 'print(1)', code: 'print(1)' };
    for (const [path, type, body] of [
      ['/api/v1/submissions', 'text/plain', JSON.stringify(program)],
      ['/run', 'text/plain', JSON.stringify(program)],
      ['/api/v1/submissions', 'application/x-www-form-urlencoded', new URLSearchParams(program).toString()],
    ] as const) {
      const response = await raw(local, 'POST', path, { 'content-type': type }, body);
      const error = errorOf(response);
      assert.match(error.message, /application\/json/, `${type} POST ${path}: ${response.text}`);
    }
    assert.equal(await submissionCount(local), before);
  });
});

describe('the ordinary paths still work', () => {
  test('the local user (Host 127.0.0.1:port or localhost:port) is the operator', async () => {
    const read = await raw(local, 'GET', `/api/v1/problems/${PROBLEM_ID}`, {});
    assert.equal(read.status, 200, read.text);
    assert.ok(read.text.includes(SECRET), 'the operator sees the hidden test');
    for (const host of [`localhost:${local.port}`, 'localhost', `[::1]:${local.port}`, '127.0.0.2']) {
      const response = await raw(local, 'GET', `/api/v1/problems/${PROBLEM_ID}`, { host });
      assert.equal(response.status, 200, `${host}: ${response.text}`);
      assert.ok(response.text.includes(SECRET), `${host} is a loopback name: the operator`);
    }
    const answer = await raw(
      local,
      'POST',
      '/api/v1/submissions?wait=true',
      { 'content-type': 'application/json' },
      JSON.stringify({ problemId: PROBLEM_ID, language: 'python3', source: 'print(input())' }),
    );
    assert.equal(answer.status, 200, answer.text);
  });

  test('the web editor (same origin, JSON over fetch) submits and reads as before', async () => {
    const sameOrigin = {
      origin: `http://127.0.0.1:${local.port}`,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
      accept: 'application/json',
    };
    const created = await raw(
      local,
      'POST',
      '/api/v1/submissions',
      { ...sameOrigin, 'content-type': 'application/json' },
      JSON.stringify({ language: 'python3', source: 'print("editor")' }),
    );
    assert.equal(created.status, 202, created.text);
    const id = (created.body as { id: string }).id;
    const read = await raw(local, 'GET', `/api/v1/submissions/${id}`, sameOrigin);
    assert.equal(read.status, 200, read.text);
    const cancel = await raw(local, 'DELETE', `/api/v1/submissions/${id}`, sameOrigin);
    assert.ok(cancel.status === 200 || cancel.status === 409, `${cancel.status} ${cancel.text}`);
    // The editor of a server reached as localhost posts with that origin: still the operator.
    const problem = await raw(
      local,
      'POST',
      '/api/v1/problems',
      {
        host: `localhost:${local.port}`,
        origin: `http://localhost:${local.port}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      JSON.stringify({ id: 'from-editor', title: 'x', tests: [{ stdin: '', expected: '' }] }),
    );
    assert.equal(problem.status, 201, problem.text);
  });

  test('clients that are not browsers keep their content types: piston-client text/plain, Judge0 forms', async () => {
    const piston = await raw(
      local,
      'POST',
      '/api/v2/execute',
      { 'content-type': 'text/plain;charset=UTF-8' },
      JSON.stringify({ language: 'python', version: '*', files: [{ content: 'print("piston")' }] }),
    );
    assert.equal(piston.status, 200, piston.text);
    assert.equal((piston.body as { run: { stdout: string } }).run.stdout, 'piston\n');
    const judge0 = await raw(
      local,
      'POST',
      '/submissions?wait=true',
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ source_code: 'print("form")', language_id: '71' }).toString(),
    );
    assert.equal(judge0.status, 201, judge0.text);
    assert.equal((judge0.body as { stdout: string }).stdout, 'form\n');
  });

  test('behind a reverse proxy: a name in allowedHosts is answered, but its callers are not the operator', async () => {
    const asProxied = { host: 'arbiter.example', 'x-forwarded-for': '203.0.113.7' };
    const languages = await raw(proxied, 'GET', '/api/v1/languages', asProxied);
    assert.equal(languages.status, 200, languages.text);
    const create = await raw(
      proxied,
      'POST',
      '/api/v1/problems',
      { ...asProxied, 'content-type': 'application/json', origin: 'https://arbiter.example' },
      JSON.stringify({ id: 'via-proxy', title: 'x', tests: [{ stdin: '', expected: '' }] }),
    );
    const body = errorOf(create, 403);
    assert.doesNotMatch(body.message, /allowedHosts/, 'refused as not an admin, not as a foreign name');
    // A proxy that rewrites Host to the loopback address still says it forwarded: not the operator.
    const rewritten = await raw(
      proxied,
      'POST',
      '/api/v1/problems',
      { 'x-forwarded-for': '203.0.113.7', 'content-type': 'application/json' },
      JSON.stringify({ id: 'via-proxy', title: 'x', tests: [{ stdin: '', expected: '' }] }),
    );
    errorOf(rewritten, 403);
    // Any other name is still refused.
    errorOf(await raw(proxied, 'GET', '/api/v1/languages', { host: 'evil.example' }), 403);
  });
});

describe('bounded requests', () => {
  test('a 16 MB deeply nested JSON body is 400 at once, and /health keeps answering', async () => {
    const body = deeplyNested(16_000_000);
    const { result, slowestHealthMs, probes } = await whileProbingHealth(local, () =>
      raw(local, 'POST', '/api/v1/submissions', { 'content-type': 'application/json' }, body),
    );
    assert.ok(probes > 0);
    assert.ok(slowestHealthMs < HEALTH_BOUND_MS, `/health took ${Math.round(slowestHealthMs)} ms`);
    const error = errorOf(result, 400);
    assert.equal(error.error, 'ARB_ERR_INPUT_INVALID');
    assert.match(error.message, /deeper than \d+ levels/);
  });

  test('the same through the Piston route, which reads any content type as JSON', async () => {
    const body = deeplyNested(16_000_000);
    const { result, slowestHealthMs } = await whileProbingHealth(local, () =>
      raw(local, 'POST', '/api/v2/execute', { 'content-type': 'text/plain' }, body),
    );
    assert.ok(slowestHealthMs < HEALTH_BOUND_MS, `/health took ${Math.round(slowestHealthMs)} ms`);
    assert.equal(result.status, 400, result.text);
    assert.match((result.body as { message: string }).message, /deeper than \d+ levels/);
  });

  test('a user key: a nested body is 400, and a 16 MB one is 413 before it is read', async () => {
    const nested = await raw(
      local,
      'POST',
      '/api/v1/submissions',
      { 'content-type': 'application/json', authorization: `Bearer ${userKey}` },
      deeplyNested(1_000_000),
    );
    assert.match(errorOf(nested, 400).message, /deeper than \d+ levels/);
    const { result, slowestHealthMs } = await whileProbingHealth(local, () =>
      raw(
        local,
        'POST',
        '/api/v1/submissions',
        { 'content-type': 'application/json', authorization: `Bearer ${userKey}` },
        deeplyNested(16_000_000),
      ),
    );
    assert.ok(slowestHealthMs < HEALTH_BOUND_MS, `/health took ${Math.round(slowestHealthMs)} ms`);
    assert.equal(errorOf(result, 413).error, 'ARB_ERR_INPUT_TOO_LARGE');
    // A chunked body (no Content-Length) is cut at the same limit: the server answers 413 and closes
    // the connection, and a client still sending may see the reset before it reads the answer (as
    // with Fastify's own bodyLimit). Either way it is cut long before its 15 MiB were sent.
    const before = await submissionCount(local);
    const total = 15 * 1024 * 1024;
    const chunked = await new Promise<{ status: number | null; sent: number }>((resolve) => {
      let sent = 0;
      let done = false;
      const finish = (status: number | null) => {
        if (done) return;
        done = true;
        resolve({ status, sent });
      };
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: local.port,
          method: 'POST',
          path: '/api/v1/submissions',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${userKey}` },
        },
        (response) => {
          response.resume();
          finish(response.statusCode ?? 0);
        },
      );
      req.on('error', () => setTimeout(() => finish(null), 200));
      const piece = 'x'.repeat(64 * 1024);
      const send = (): void => {
        while (!done && sent < total) {
          sent += piece.length;
          if (!req.write(piece)) {
            req.once('drain', send);
            return;
          }
        }
        if (!done) req.end('"}');
      };
      req.write('{"language":"python3","source":"print(1)","stdin":"');
      send();
    });
    assert.ok(chunked.status === 413 || chunked.status === null, `chunked: ${chunked.status}`);
    assert.ok(chunked.sent < total, 'the server read the whole chunked body');
    assert.equal(await submissionCount(local), before);
  });

  // Not an attack: legitimate large work, which takes what it takes on a loaded machine. The depth
  // check in front of the parser must not refuse it.
  test('a large but flat 16 MB JSON body from the operator still parses and runs', async () => {
    const stdin = 'a'.repeat(15_000_000);
    const result = await raw(
      local,
      'POST',
      '/api/v1/submissions?wait=true',
      { 'content-type': 'application/json' },
      JSON.stringify({
        language: 'python3',
        source: 'import sys\nprint(len(sys.stdin.read()))',
        stdin,
      }),
    );
    assert.equal(result.status, 200, result.text.slice(0, 500));
    assert.equal((result.body as { run: { stdout: string } }).run.stdout, '15000000\n');
  });

  test('a trickled body (a byte every 200 ms) is closed by the server within requestTimeoutMs', async () => {
    let drip: NodeJS.Timeout | undefined;
    const outcome = await slowClient(
      proxied,
      (socket) => {
        socket.write(
          `POST /api/v1/submissions HTTP/1.1\r\nHost: 127.0.0.1:${proxied.port}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"language":',
        );
        drip = setInterval(() => socket.write(' '), 200);
      },
      REQUEST_TIMEOUT_MS + CLOSE_SLACK_MS + 5_000,
    );
    clearInterval(drip);
    assert.ok(outcome.closedAfterMs !== null, 'the server kept the trickling request open');
    assert.ok(
      outcome.closedAfterMs < REQUEST_TIMEOUT_MS + CLOSE_SLACK_MS,
      `closed after ${Math.round(outcome.closedAfterMs)} ms`,
    );
    assert.match(outcome.received, /^HTTP\/1\.1 408 /, 'the client is told why');
  });

  test('headers sent a line at a time are cut off at headersTimeoutMs', async () => {
    let drip: NodeJS.Timeout | undefined;
    const outcome = await slowClient(
      proxied,
      (socket) => {
        socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${proxied.port}\r\n`);
        let n = 0;
        drip = setInterval(() => socket.write(`X-Slow-${(n += 1)}: 1\r\n`), 200);
      },
      HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS + 5_000,
    );
    clearInterval(drip);
    assert.ok(outcome.closedAfterMs !== null, 'the server waited for the headers for ever');
    assert.ok(
      outcome.closedAfterMs < HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS,
      `closed after ${Math.round(outcome.closedAfterMs)} ms`,
    );
  });

  test('an idle keep-alive connection is not cut by the request timeouts: a client reuses it', async () => {
    const socket = connect({ host: '127.0.0.1', port: proxied.port });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const ask = `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${proxied.port}\r\n\r\n`;
    const answers = (n: number) =>
      pollUntil(
        async () => (received.match(/HTTP\/1\.1 200 /g) ?? []).length,
        (count) => count >= n,
        { timeoutMs: 5_000, what: `${n} answers on one connection` },
      );
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(ask);
    await answers(1);
    // Idle for longer than requestTimeoutMs, well within keepAliveTimeoutMs.
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 1_500));
    assert.ok(!socket.destroyed && socket.readyState === 'open', 'the idle connection was closed');
    socket.write(ask);
    await answers(2);
    socket.destroy();
  });

  test('200 stalled uploads are all closed, and /health answers meanwhile', async () => {
    const { result, slowestHealthMs } = await whileProbingHealth(proxied, () =>
      Promise.all(
        Array.from({ length: 200 }, () =>
          slowClient(
            proxied,
            (socket) =>
              socket.write(
                `POST /run HTTP/1.1\r\nHost: 127.0.0.1:${proxied.port}\r\n` +
                  'Content-Type: application/json\r\nContent-Length: 16000000\r\n\r\n{"language":"python3"',
              ),
            REQUEST_TIMEOUT_MS + CLOSE_SLACK_MS + 5_000,
          ),
        ),
      ),
    );
    const open = result.filter((r) => r.closedAfterMs === null).length;
    assert.equal(open, 0, `${open} of 200 stalled uploads were still open`);
    assert.ok(slowestHealthMs < HEALTH_BOUND_MS, `/health took ${Math.round(slowestHealthMs)} ms`);
    // A normal request right after: the server is fine.
    assert.equal((await request(proxied, 'GET', '/health')).status, 200);
    assertErrorBody(await request(proxied, 'GET', '/api/v1/nothing-here'), { status: 404 });
  });
});
