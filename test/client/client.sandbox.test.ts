// The SDK against a real `arbiter serve` (the real sandbox: root, bubblewrap and the toolchains).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  ArbiterApiError,
  ArbiterClient,
  ArbiterNetworkError,
  ArbiterTimeoutError,
  isAbortError,
  isBatchItemError,
  isFinalStatus,
  type StatusUpdate,
  type Submission,
} from '../../packages/client/src/index.js';
import { sleepyPython, startServer, type RunningServer } from './server.js';

let server: RunningServer;
let client: ArbiterClient;

before(async () => {
  server = await startServer();
  client = new ArbiterClient({ baseUrl: server.url });
});
after(() => server?.stop());

/** A fetch that counts requests by path and can stand in for some of them. */
function countingFetch(replace?: (url: string) => Response | undefined) {
  const calls: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    return replace?.(url) ?? fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

/** Asserts the submission is not final yet: whatever ended a wait on it, the program did not. */
async function assertStillRunning(id: string, why: string): Promise<void> {
  const { status } = await client.get(id);
  assert.ok(!isFinalStatus(status), `${why}; status ${status}`);
}

/** A long sleeper, cancelled by the test once it has served its purpose. */
const sleeper = { language: 'python3', source: sleepyPython(30), limits: { wallMs: 40_000 } };

test('run() submits and waits: the output, the verdict and the timings come back', async () => {
  const result = await client.run({ language: 'python3', source: 'print(6 * 7)\n' });
  assert.equal(result.status, 'accepted', JSON.stringify(result));
  assert.equal(result.run?.stdout, '42\n');
  assert.equal(typeof result.queueMs, 'number');
  assert.ok(result.finishedAt);

  const judged = await client.run({
    language: 'c',
    source: '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n',
    tests: [
      { stdin: '1 2', expected: '3' },
      { stdin: '5 5', expected: '11', weight: 2 },
    ],
  });
  assert.equal(judged.status, 'wrong_answer', JSON.stringify(judged));
  assert.equal(judged.score, 1);
  assert.equal(judged.maxScore, 3);
  assert.deepEqual(
    judged.tests.map((t) => t.status),
    ['accepted', 'wrong_answer'],
  );
});

test('submit() answers at once with the id, status queued and a position', async () => {
  const submitted = await client.submit({ language: 'python3', source: 'print(1)\n' });
  assert.match(submitted.id, /^[0-9a-f-]{36}$/);
  assert.equal(submitted.status, 'queued');
  assert.equal(typeof submitted.position, 'number');
  const done = await client.wait(submitted.id);
  assert.equal(done.status, 'accepted');
  assert.deepEqual((await client.get(submitted.id)).run?.stdout, '1\n');
});

test('wait() over SSE follows the event stream and makes no polls', async () => {
  const { fetch, calls } = countingFetch();
  const sse = new ArbiterClient({ baseUrl: server.url, fetch });
  const { id } = await sse.submit({ language: 'python3', source: sleepyPython(0.5, 'sse') });
  const updates: StatusUpdate[] = [];
  const result = await sse.wait(id, { transport: 'sse', onStatus: (u) => updates.push(u) });
  assert.equal(result.status, 'accepted');
  assert.equal(result.run?.stdout, 'sse\n');
  assert.deepEqual(calls, ['POST /api/v1/submissions', `GET /api/v1/submissions/${id}/events`]);
  assert.ok(
    updates.some((u) => u.status === 'running' || u.status === 'queued'),
    JSON.stringify(updates),
  );
});

test('wait() by polling backs off and gets the same result', async () => {
  const { fetch, calls } = countingFetch();
  const poller = new ArbiterClient({ baseUrl: server.url, fetch });
  const { id } = await poller.submit({ language: 'python3', source: sleepyPython(1, 'poll') });
  const result = await poller.wait(id, { transport: 'poll', pollIntervalMs: 100 });
  assert.equal(result.status, 'accepted');
  assert.equal(result.run?.stdout, 'poll\n');
  const polls = calls.filter((c) => c === `GET /api/v1/submissions/${id}`).length;
  // One second of sleep at 100 ms growing by 1.5 (with jitter): several polls, far fewer than 10 a second.
  assert.ok(polls >= 2 && polls <= 12, `${polls} polls: ${calls.join(', ')}`);
  assert.ok(!calls.some((c) => c.endsWith('/events')));
});

test('wait() falls back to polling when the answer is no event stream', async () => {
  const { fetch, calls } = countingFetch((url) =>
    url.endsWith('/events')
      ? new Response('buffered by a proxy', { status: 200, headers: { 'content-type': 'text/plain' } })
      : undefined,
  );
  const fallback = new ArbiterClient({ baseUrl: server.url, fetch });
  const result = await fallback.run(
    { language: 'python3', source: 'print("fallback")\n' },
    { pollIntervalMs: 50 },
  );
  assert.equal(result.status, 'accepted');
  assert.equal(result.run?.stdout, 'fallback\n');
  assert.ok(calls.some((c) => c.endsWith('/events')));
  assert.ok(
    calls.some((c) => /^GET \/api\/v1\/submissions\/[0-9a-f-]+$/.test(c)),
    calls.join(', '),
  );
});

/** Follows a submission until it runs (onStatus), then stops following. */
async function untilRunning(id: string): Promise<void> {
  const controller = new AbortController();
  const onStatus = (update: StatusUpdate) => {
    if (update.status === 'running') controller.abort();
  };
  await client
    .wait(id, { signal: controller.signal, onStatus, timeoutMs: 20_000 })
    .catch((error: unknown) => {
      if (!isAbortError(error)) throw error;
    });
}

test('cancel() stops a running program; wait() then reports cancelled', async () => {
  const { id } = await client.submit(sleeper);
  await untilRunning(id);
  assert.equal((await client.get(id)).status, 'running');
  const cancelled = await client.cancel(id);
  assert.equal(cancelled.status, 'cancelled', JSON.stringify(cancelled));
  assert.equal((await client.wait(id)).status, 'cancelled');
});

test('batch() answers each item on its own, errors included', async () => {
  const items = await client.batch([
    { language: 'python3', source: 'print("a")\n' },
    { language: 'klingon', source: 'x' },
    { language: 'python3', source: 'print("b")\n' },
  ]);
  assert.equal(items.length, 3);
  const [first, bad, third] = items;
  assert.ok(first && !isBatchItemError(first) && first.status === 'queued');
  assert.ok(bad && isBatchItemError(bad));
  assert.equal(bad.error, 'ARB_ERR_LANGUAGE_UNKNOWN');
  assert.equal(bad.status, 400);
  assert.ok(third && !isBatchItemError(third));
  const results = await Promise.all([client.wait(first.id), client.wait(third.id)]);
  assert.deepEqual(
    results.map((r: Submission) => r.run?.stdout),
    ['a\n', 'b\n'],
  );
});

test('errors are typed and carry the server error JSON', async () => {
  const unknown = await client.submit({ language: 'klingon', source: 'x' }).then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
  assert.ok(unknown instanceof ArbiterApiError, String(unknown));
  assert.equal(unknown.code, 'ARB_ERR_LANGUAGE_UNKNOWN');
  assert.equal(unknown.status, 400);
  assert.match(unknown.message, /klingon/);
  assert.match(unknown.requestId ?? '', /\S+/);
  assert.equal(unknown.path, '/api/v1/submissions');
  assert.equal(unknown.body?.error, 'ARB_ERR_LANGUAGE_UNKNOWN');
  assert.equal(unknown.retryAfter, null);

  await assert.rejects(client.get('no-such-id'), {
    name: 'ArbiterApiError',
    code: 'ARB_ERR_SUBMISSION_NOT_FOUND',
    status: 404,
  });
  // A wait for an id that does not exist fails at once instead of polling.
  await assert.rejects(client.wait('no-such-id'), { code: 'ARB_ERR_SUBMISSION_NOT_FOUND' });
  await assert.rejects(client.wait('no-such-id', { transport: 'poll' }), {
    code: 'ARB_ERR_SUBMISSION_NOT_FOUND',
  });
  await assert.rejects(client.submit({ language: 'python3', source: 'x', limits: { cpuMs: -1 } }), {
    code: 'ARB_ERR_INPUT_VALIDATION',
  });
});

test('problems: create, list, get, update, judge by id, delete', async () => {
  const id = `sum-${Date.now()}`;
  const created = await client.problems.create({
    id,
    title: 'Sum',
    tests: [
      { stdin: '1 2', expected: '3' },
      { stdin: '2 2', expected: '4', hidden: true },
    ],
  });
  assert.equal(created.id, id);
  assert.equal(created.tests.length, 2);
  assert.ok((await client.problems.list()).some((p) => p.id === id && p.testCount === 2));
  assert.equal((await client.problems.get(id)).title, 'Sum');
  const updated = await client.problems.update(id, { title: 'Sum of two', tests: created.tests });
  assert.equal(updated.title, 'Sum of two');
  const judged = await client.run({
    language: 'python3',
    source: 'print(sum(map(int, input().split())))\n',
    problemId: id,
  });
  assert.equal(judged.status, 'accepted', JSON.stringify(judged));
  assert.equal(judged.score, 2);
  const { rows, nextOffset } = await client.problems.gradebook(id, { user: 'nobody', limit: 5 });
  assert.deepEqual([rows, nextOffset], [[], null], 'the query reaches the server');
  const [mine] = (await client.problems.gradebook(id)).rows;
  assert.equal(mine?.best?.submissionId, judged.id);
  assert.equal(await client.problems.deleteSubmissions(id, { user: 'nobody' }), 0);
  assert.equal(await client.problems.deleteSubmissions(id), 1);
  assert.deepEqual((await client.problems.gradebook(id)).rows, []);
  await client.problems.delete(id);
  await assert.rejects(client.problems.get(id), { code: 'ARB_ERR_PROBLEM_NOT_FOUND', status: 404 });
});

test('languages() and queue()', async () => {
  const languages = await client.languages();
  const python = languages.find((l) => l.id === 'python3');
  assert.ok(python?.installed && python.version, JSON.stringify(python));
  const queue = await client.queue();
  assert.equal(queue.workers, 2);
  assert.equal(typeof queue.length, 'number');
  assert.ok(queue.totals.processed >= 1);
});

test('listSubmissions() pages newest first and filters by status and language', async () => {
  const a = await client.run({ language: 'python3', source: 'print("a")' });
  const b = await client.run({ language: 'python3', source: 'print("b")' });
  const page = await client.listSubmissions({ limit: 1, language: 'python3' });
  assert.deepEqual(
    page.submissions.map((s) => s.id),
    [b.id],
  );
  assert.ok(page.nextCursor);
  const next = await client.listSubmissions({ limit: 1, language: 'python3', cursor: page.nextCursor });
  assert.deepEqual(
    next.submissions.map((s) => s.id),
    [a.id],
  );
  const none = await client.listSubmissions({ language: 'python3', status: 'memory_limit_exceeded' });
  assert.deepEqual(none, { submissions: [], nextCursor: null });
  const error = await client.listSubmissions({ limit: 0 }).catch((e: unknown) => e);
  assert.ok(error instanceof ArbiterApiError && error.status === 400, String(error));
});

test('an abort signal stops wait() and run() with an AbortError', async () => {
  const { id } = await client.submit(sleeper);
  try {
    for (const transport of ['sse', 'poll'] as const) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const error = await client.wait(id, { signal: controller.signal, transport }).catch((e: unknown) => e);
      assert.ok(isAbortError(error), `${transport}: ${String(error)}`);
      await assertStillRunning(id, `${transport}: the abort, not the end of the sleeper, ended the wait`);
    }
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(
      client.run({ language: 'python3', source: 'print(1)' }, { signal: aborted.signal }),
      {
        name: 'AbortError',
      },
    );
    await assert.rejects(client.queue({ signal: aborted.signal }), { name: 'AbortError' });
  } finally {
    await client.cancel(id);
  }
});

test('timeouts: a wait past its budget and a request to a server that never answers', async () => {
  const { id } = await client.submit(sleeper);
  try {
    const error = await client.wait(id, { timeoutMs: 400 }).catch((e: unknown) => e);
    assert.ok(error instanceof ArbiterTimeoutError, String(error));
    assert.equal(error.code, 'ARB_ERR_CLIENT_TIMEOUT');
    assert.equal(error.timeoutMs, 400);
    await assertStillRunning(id, 'the budget, not the end of the sleeper, ended the wait');
    // This one ends by itself a little later.
    const short = { language: 'python3', source: sleepyPython(1.5) };
    await assert.rejects(client.run(short, { timeoutMs: 400 }), ArbiterTimeoutError);
  } finally {
    await client.cancel(id);
  }
  let requests = 0;
  const silent: Server = createServer(() => void requests++); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as AddressInfo).port;
    const hanging = new ArbiterClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    // The client's own budget ended it (not a default one), and a call that timed out is not sent again.
    await assert.rejects(hanging.queue(), { name: 'ArbiterTimeoutError', timeoutMs: 300 });
    assert.ok(requests <= 1, `${requests} requests`);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test('an unreachable server is an ArbiterNetworkError', async () => {
  const closed: Server = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const nowhere = new ArbiterClient({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 });
  await assert.rejects(nowhere.languages(), (error: unknown) => {
    assert.ok(error instanceof ArbiterNetworkError, String(error));
    assert.match(error.message, /ECONNREFUSED/);
    return true;
  });
});
