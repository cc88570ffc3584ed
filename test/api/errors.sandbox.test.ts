// One error format everywhere, with the right status and code, against real `arbiter serve`
// processes (real sandbox: needs root, bubblewrap, toolchains); then ~300 random malformed requests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  assertErrorBody,
  cleanup,
  createKey,
  request,
  revokeKey,
  startServer,
  tempDir,
  type ApiResponse,
  type TestServer,
} from './helpers.js';

/** Small, so that a 413 needs no big upload. */
const BODY_LIMIT_BYTES = 8192;

let server: TestServer;
let closed: TestServer;
let userKey: string;
let revokedKey: string;
let closedKey: string;

before(async () => {
  const dataDir = join(tempDir(), 'data');
  userKey = createKey(dataDir, { name: 'student' }).key;
  const revoked = createKey(dataDir, { name: 'former student' });
  revokedKey = revoked.key;
  revokeKey(dataDir, revoked.id);
  const closedDir = join(tempDir(), 'data');
  closedKey = createKey(closedDir, { name: 'member' }).key;
  [server, closed] = await Promise.all([
    startServer({ bodyLimitBytes: BODY_LIMIT_BYTES }, { dataDir }),
    startServer({ anonymous: false }, { dataDir: closedDir }),
  ]);
});

after(cleanup);

const post = (body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
  request(server, 'POST', '/api/v1/submissions', { body, ...options });

const VALID = { language: 'python3', source: 'print(1)' };

test('malformed JSON is 400 in the error format', async () => {
  const r = await post('{"language": "python3", "source": ');
  assertErrorBody(r, { status: 400, code: 'ARB_ERR_INPUT_INVALID', path: '/api/v1/submissions' });
});

test('a body of the wrong shape is 400 naming the field', async () => {
  const r = await post({ language: { name: 'python3' }, source: 'x' });
  const body = assertErrorBody(r, { status: 400, code: 'ARB_ERR_INPUT_VALIDATION' });
  assert.match(body.message, /language/);
  assertErrorBody(await post({ ...VALID, unexpected: true }), {
    status: 400,
    code: 'ARB_ERR_INPUT_VALIDATION',
  });
  assertErrorBody(await post([VALID]), { status: 400 });
});

test('an unknown language is 400 ARB_ERR_LANGUAGE_UNKNOWN', async () => {
  const r = await post({ language: 'cobol-9000', source: 'x' });
  assertErrorBody(r, { status: 400, code: 'ARB_ERR_LANGUAGE_UNKNOWN' });
});

test('a missing or empty source is 400', async () => {
  assertErrorBody(await post({ language: 'python3' }), { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
  assertErrorBody(await post({ language: 'python3', source: '' }), {
    status: 400,
    code: 'ARB_ERR_INPUT_INVALID',
  });
});

test('limits above the server maximum are 400 ARB_ERR_LIMIT_INVALID', async () => {
  const r = await post({ ...VALID, limits: { cpuMs: 10_000_000 } });
  const body = assertErrorBody(r, { status: 400, code: 'ARB_ERR_LIMIT_INVALID' });
  assert.match(body.message, /cpuMs/);
  assertErrorBody(await post({ ...VALID, limits: { memoryKb: -1 } }), { status: 400 });
});

test('invalid base64 file content is 400', async () => {
  const r = await post({
    language: 'python3',
    files: [{ name: 'main.py', content: 'this is not base64!', encoding: 'base64' }],
  });
  const body = assertErrorBody(r, { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
  assert.match(body.message, /base64/);
});

test('an unknown problem is 404 ARB_ERR_PROBLEM_NOT_FOUND', async () => {
  assertErrorBody(await post({ ...VALID, problemId: 'no-such-problem' }), {
    status: 404,
    code: 'ARB_ERR_PROBLEM_NOT_FOUND',
  });
  assertErrorBody(await request(server, 'GET', '/api/v1/problems/no-such-problem'), {
    status: 404,
    code: 'ARB_ERR_PROBLEM_NOT_FOUND',
  });
});

test('an unknown submission is 404 ARB_ERR_SUBMISSION_NOT_FOUND on every route that takes an id', async () => {
  const id = '00000000-0000-4000-8000-000000000000';
  for (const [method, path] of [
    ['GET', `/api/v1/submissions/${id}`],
    ['DELETE', `/api/v1/submissions/${id}`],
    ['GET', `/api/v1/submissions/${id}/events`],
    ['GET', `/queue/job/${id}`],
    ['DELETE', `/queue/job/${id}`],
  ] as const) {
    assertErrorBody(await request(server, method, path), {
      status: 404,
      code: 'ARB_ERR_SUBMISSION_NOT_FOUND',
      path,
    });
  }
});

test("another key's submission is 404 to a user key", async () => {
  const response = await request<{ id: string }>(server, 'POST', '/api/v1/submissions', { body: VALID });
  assert.equal(response.status, 202, response.text);
  assertErrorBody(await request(server, 'GET', `/api/v1/submissions/${response.body.id}`, { key: userKey }), {
    status: 404,
    code: 'ARB_ERR_SUBMISSION_NOT_FOUND',
  });
});

test('an unknown route is 404 ARB_ERR_ROUTE_NOT_FOUND', async () => {
  assertErrorBody(await request(server, 'GET', '/api/v1/nothing-here'), {
    status: 404,
    code: 'ARB_ERR_ROUTE_NOT_FOUND',
    path: '/api/v1/nothing-here',
  });
  assertErrorBody(await request(server, 'PATCH', '/api/v1/submissions'), {
    status: 404,
    code: 'ARB_ERR_ROUTE_NOT_FOUND',
  });
});

test('a body over bodyLimitBytes is 413 ARB_ERR_INPUT_TOO_LARGE', async () => {
  const r = await post({ language: 'python3', source: `print(${'1+'.repeat(BODY_LIMIT_BYTES)}1)` });
  assertErrorBody(r, { status: 413, code: 'ARB_ERR_INPUT_TOO_LARGE' });
});

test('without a key, a server with anonymous use off answers 401 everywhere but probes', async () => {
  assertErrorBody(await request(closed, 'POST', '/api/v1/submissions', { body: VALID }), {
    status: 401,
    code: 'ARB_ERR_AUTH_REQUIRED',
  });
  assertErrorBody(await request(closed, 'GET', '/api/v1/languages'), {
    status: 401,
    code: 'ARB_ERR_AUTH_REQUIRED',
  });
  assertErrorBody(
    await request(closed, 'POST', '/run', { body: { language: 'python3', code: 'print(1)' } }),
    {
      status: 401,
      code: 'ARB_ERR_AUTH_REQUIRED',
    },
  );
  assert.equal((await request(closed, 'GET', '/health')).status, 200);
  const withKey = await request(closed, 'GET', '/api/v1/languages', { key: closedKey });
  assert.equal(withKey.status, 200, withKey.text);
  const otherHeader = await request(closed, 'GET', '/api/v1/languages', {
    headers: { 'x-api-key': closedKey },
  });
  assert.equal(otherHeader.status, 200, otherHeader.text);
});

test('an unknown key is 401 even where anonymous use is on', async () => {
  assertErrorBody(await request(server, 'GET', '/api/v1/languages', { key: 'arb_not-a-real-key' }), {
    status: 401,
    code: 'ARB_ERR_AUTH_REQUIRED',
  });
});

test('a user key on an admin route is 403 ARB_ERR_AUTH_FORBIDDEN', async () => {
  const problem = { id: 'p-forbidden', title: 'x', tests: [{ stdin: '', expected: '' }] };
  assertErrorBody(await request(server, 'POST', '/api/v1/problems', { key: userKey, body: problem }), {
    status: 403,
    code: 'ARB_ERR_AUTH_FORBIDDEN',
  });
  assertErrorBody(await request(server, 'DELETE', '/api/v1/problems/p-forbidden', { key: userKey }), {
    status: 403,
    code: 'ARB_ERR_AUTH_FORBIDDEN',
  });
});

test('a revoked key is 401', async () => {
  assertErrorBody(await request(server, 'GET', '/api/v1/languages', { key: revokedKey }), {
    status: 401,
    code: 'ARB_ERR_AUTH_REQUIRED',
  });
});

test('X-Request-Id is echoed, also in the error body; without one the server makes one', async () => {
  const r = await post('{nope', { headers: { 'x-request-id': 'client-req.42' } });
  assert.equal(r.headers.get('x-request-id'), 'client-req.42');
  assert.equal(assertErrorBody(r, { status: 400 }).requestId, 'client-req.42');
  const ok = await request(server, 'GET', '/api/v1/languages', { headers: { 'x-request-id': 'ok-1' } });
  assert.equal(ok.headers.get('x-request-id'), 'ok-1');
  const made = await request(server, 'GET', '/api/v1/nothing');
  assert.match(made.headers.get('x-request-id') ?? '', /^[\w.-]{8,}$/);
  const unsafe = await request(server, 'GET', '/api/v1/nothing', {
    headers: { 'x-request-id': 'a b<script>' },
  });
  assert.notEqual(unsafe.headers.get('x-request-id'), 'a b<script>');
  assertErrorBody(unsafe, { status: 404 });
});

test('a URL with a broken percent-escape is 400 in the error format', async () => {
  assertErrorBody(await request(server, 'GET', '/api/v1/submissions/%zz'), { status: 400 });
});

test('an over-long id is a 4xx in the error format', async () => {
  const r = await request(server, 'GET', `/api/v1/submissions/${'a'.repeat(300)}`);
  assertErrorBody(r);
  assert.ok(r.status < 500, r.text);
});

test('GET /api/v1/ws without an upgrade is a 4xx in the error format', async () => {
  const r = await request(server, 'GET', '/api/v1/ws');
  assertErrorBody(r);
  assert.ok(r.status < 500, r.text);
});

// ---- Property: whatever arrives, the answer is never a 5xx, and every 4xx is in the error format.

const PATHS = [
  '/api/v1/submissions',
  '/api/v1/submissions/batch',
  '/api/v1/submissions/{id}',
  '/api/v1/submissions/{id}/events',
  '/api/v1/problems',
  '/api/v1/problems/{id}',
  '/api/v1/languages',
  '/api/v1/queue',
  '/api/v1/ws',
  '/run',
  '/queue/status',
  '/queue/job/{id}',
  '/health/detailed',
  '/api/v2/nothing',
  '/',
];

const segment = fc.oneof(
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('%zz', '%', '%00', '..', '.', '%2F', 'a'.repeat(150), '\u00e9', '~', ';x', '00000000-0000'),
);

const pathArb = fc
  .tuple(
    fc.constantFrom(...PATHS),
    segment,
    fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))),
  )
  .map(([path, id, query]) => {
    const withId = path.replace('{id}', id || 'x');
    if (!query) return withId;
    const qs = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    return `${withId}?${qs}`;
  });

/** JSON values that are close to a submission, plus plain junk. */
const submissionLike = fc.record(
  {
    language: fc.oneof(fc.constantFrom('python3', 'c', 'nope', ''), fc.anything()),
    source: fc.oneof(fc.string({ maxLength: 40 }), fc.anything()),
    code: fc.oneof(fc.string({ maxLength: 40 }), fc.anything()),
    files: fc.anything(),
    stdin: fc.anything(),
    limits: fc.oneof(
      fc.dictionary(
        fc.constantFrom('cpuMs', 'wallMs', 'memoryKb', 'pids', 'nope'),
        fc.oneof(fc.double(), fc.anything()),
      ),
      fc.anything(),
    ),
    tests: fc.anything(),
    problemId: fc.anything(),
    checker: fc.anything(),
    priority: fc.anything(),
    callbackUrl: fc.oneof(
      // Loopback only: if the guard ever let one through, no traffic may leave the machine.
      fc.constantFrom('http://127.0.0.1:9/', 'ftp://x', 'http://[::1]/', '::'),
      fc.anything(),
    ),
    cache: fc.anything(),
    submissions: fc.anything(),
    title: fc.anything(),
    id: fc.anything(),
  },
  { requiredKeys: [] },
);

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 60 }),
  fc.json({ maxDepth: 3 }),
  submissionLike.map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom(
    '{',
    '[',
    '{"language":',
    '\u0000',
    'null',
    '""',
    '{"__proto__":{"a":1}}',
    '{"constructor":{}}',
  ),
);

/** Mostly well-formed JSON requests, so that most reach validation; sometimes odd types and keys. */
const headersArb = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'application/json; charset=utf-16',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          '*/*',
          'nonsense',
        ),
      },
    ),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant({}) },
      {
        weight: 1,
        arbitrary: fc.record({
          authorization: fc.oneof(
            fc.constantFrom('Bearer ', 'Basic abc', 'Bearer arb_fake'),
            fc.string({ maxLength: 20 }),
          ),
        }),
      },
      { weight: 1, arbitrary: fc.record({ 'x-api-key': fc.string({ maxLength: 30 }) }) },
    ),
    fc.record(
      {
        'x-request-id': fc.string({ maxLength: 120 }),
        accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'nonsense'),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([contentType, auth, rest]): Record<string, string> => ({
    'content-type': contentType,
    ...auth,
    ...rest,
  }));

/** Header values fetch can send (visible ASCII and spaces, no leading or trailing blanks). */
const sendable = (value: string) => value.replace(/[^\x21-\x7e ]/g, '').trim();

test('property: ~300 random malformed requests never get a 5xx, and every 4xx is in the error format', async () => {
  const seen: Record<number, number> = {};
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      pathArb,
      bodyArb,
      headersArb,
      async (method, path, body, rawHeaders) => {
        const headers = Object.fromEntries(Object.entries(rawHeaders).map(([k, v]) => [k, sendable(v)]));
        const canHaveBody = method !== 'GET' && method !== 'HEAD';
        let response: ApiResponse<unknown>;
        try {
          response = await request(server, method, path, {
            body: canHaveBody ? body : undefined,
            headers,
            timeoutMs: 10_000,
          });
        } catch (error) {
          // An event stream of a real submission would stay open; ids here are random, so none does.
          throw new Error(`${method} ${path} failed: ${(error as Error).message}`);
        }
        seen[response.status] = (seen[response.status] ?? 0) + 1;
        const what = `${method} ${path} body=${JSON.stringify(body)?.slice(0, 200)} headers=${JSON.stringify(headers)}`;
        assert.ok(response.status < 500, `${what} → ${response.status} ${response.text.slice(0, 300)}`);
        if (response.status >= 400 && method !== 'HEAD') {
          try {
            assertErrorBody(response);
          } catch (error) {
            throw new Error(`${what} → ${(error as Error).message}`);
          }
        }
      },
    ),
    {
      numRuns: Number(process.env.FC_RUNS ?? 300),
      seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31),
    },
  );
  // The generators must reach the validators, not stop at authentication.
  assert.ok(
    (seen[400] ?? 0) >= 50 && (seen[404] ?? 0) >= 20,
    `too few validation answers: ${JSON.stringify(seen)}`,
  );
});
