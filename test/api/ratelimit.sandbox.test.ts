// Rate limits of a real `arbiter serve` (real sandbox: root, bubblewrap, toolchains): headers on
// every answer, bursts of twice the rate, 429s, per-key rates and the adaptive factor. Requests of
// work (a POST) pay from their identity's and their address's buckets; following (GET) pays only
// from the address's read bucket. Each test starts its own server, so buckets never carry over.
// The classroom (one address, many browsers) is in classroom.sandbox.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  assertErrorBody,
  cleanup,
  createKey,
  metrics,
  metricValue,
  pollUntil,
  request,
  sleepyPython,
  startServer,
  submit,
  tempDir,
  type ApiResponse,
} from './helpers.js';

after(cleanup);

function rateHeaders(response: ApiResponse<unknown>): { limit: number; remaining: number; reset: number } {
  const what = `${response.status} ${response.text.slice(0, 200)}`;
  const read = (name: string) => {
    const value = response.headers.get(name);
    assert.match(value ?? '', /^\d+$/, `${name}: ${value} on ${what}`);
    return Number(value);
  };
  return {
    limit: read('x-ratelimit-limit'),
    remaining: read('x-ratelimit-remaining'),
    reset: read('x-ratelimit-reset'),
  };
}

test('every API answer carries X-RateLimit-Limit, -Remaining and -Reset, errors included', async () => {
  const dataDir = join(tempDir(), 'data');
  const user = createKey(dataDir, { name: 'student' });
  const server = await startServer({}, { dataDir });
  const answers = [
    await request(server, 'GET', '/api/v1/languages'),
    await request(server, 'POST', '/api/v1/submissions', {
      body: { language: 'python3', source: 'print(1)' },
    }),
    await request(server, 'POST', '/api/v1/submissions', { body: '{broken' }),
    await request(server, 'POST', '/api/v1/submissions', { body: { language: 'nope', source: 'x' } }),
    await request(server, 'GET', '/api/v1/submissions/no-such-id'),
    await request(server, 'GET', '/api/v1/nothing-here'),
    await request(server, 'POST', '/api/v1/problems', { key: user.key, body: { title: 't', tests: [{}] } }),
    await request(server, 'GET', '/queue/status'),
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 202, 400, 400, 404, 404, 403, 200],
  );
  for (const answer of answers) {
    const { limit, remaining, reset } = rateHeaders(answer);
    assert.ok(limit >= 1 && remaining <= limit && reset >= 0, JSON.stringify({ limit, remaining, reset }));
  }
  // A read pays from the address's read bucket (the default 1000/s, so a burst of 2000); work from an
  // anonymous caller pays its own bucket and the address's, each 1000/s here.
  assert.equal(rateHeaders(answers[0]!).limit, 2000);
  assert.equal(rateHeaders(answers[1]!).limit, 2000);
  assert.equal(await server.stop(), 0);
});

/**
 * Sends `count` requests at once, so that the bucket barely refills while they arrive. Work goes to
 * POST /api/v1/submissions with an empty body: charged like any submission, refused by validation
 * (400) before anything runs.
 */
const work = (server: Parameters<typeof request>[0], key?: string) =>
  request(server, 'POST', '/api/v1/submissions', { body: {}, key });
const WORK_DONE = 400;

function burst(count: number, send: () => Promise<ApiResponse<unknown>>): Promise<ApiResponse<unknown>[]> {
  return Promise.all(Array.from({ length: count }, send));
}

test('the burst is twice the rate; past it, 429 with Retry-After and the error format; then it refills', async () => {
  const server = await startServer({ ipRatePerSec: 2 });
  const startedAt = Date.now();
  const answers = await burst(5, () => work(server));
  const allowed = answers.filter((a) => a.status === WORK_DONE);
  assert.equal(allowed.length, 4, answers.map((a) => a.status).join(','));
  assert.deepEqual(allowed.map((a) => rateHeaders(a).remaining).sort(), [0, 1, 2, 3]);
  for (const answer of allowed) {
    const { limit, reset } = rateHeaders(answer);
    assert.equal(limit, 4);
    assert.ok(reset >= 1 && reset <= 3, `reset ${reset}`);
  }
  const refused = answers.find((a) => a.status !== WORK_DONE)!;
  const body = assertErrorBody(refused, { status: 429, code: 'ARB_ERR_RATELIMIT_EXCEEDED' });
  const retryAfter = refused.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^[1-9]\d*$/, `Retry-After: ${retryAfter}`);
  assert.equal(body.retryAfter, Number(retryAfter));
  assert.equal(rateHeaders(refused).remaining, 0);
  assert.equal(rateHeaders(refused).limit, 4);
  // 2 per second: the fifth token is there half a second after the first was taken; refused tries spend nothing.
  const back = await pollUntil(
    () => work(server),
    (r) => r.status === WORK_DONE,
    { timeoutMs: 3000, intervalMs: 50, what: 'the bucket to refill' },
  );
  assert.ok(Date.now() - startedAt >= 490, `refilled after ${Date.now() - startedAt} ms at 2/s`);
  assert.equal(rateHeaders(back).remaining, 0);
  // Following is not work: a GET still answers while the address has no work tokens left.
  assert.equal((await request(server, 'GET', '/api/v1/queue')).status, 200);
  const text = await metrics(server);
  assert.ok((metricValue(text, 'arbiter_ratelimit_rejections_total', { scope: 'ip' }) ?? 0) >= 1, text);
  assert.equal(await server.stop(), 0);
});

test('a key made with --rate 1 gets a burst of 2, then 429; other keys and callers go on', async () => {
  const dataDir = join(tempDir(), 'data');
  const slow = createKey(dataDir, { name: 'slow', rate: 1 });
  const other = createKey(dataDir, { name: 'other' });
  const server = await startServer({}, { dataDir });
  const answers = await burst(3, () => work(server, slow.key));
  const allowed = answers.filter((a) => a.status === WORK_DONE);
  assert.equal(allowed.length, 2, answers.map((a) => a.status).join(','));
  assert.deepEqual(allowed.map((a) => rateHeaders(a).remaining).sort(), [0, 1]);
  for (const answer of allowed) assert.equal(rateHeaders(answer).limit, 2);
  const refused = answers.find((a) => a.status !== WORK_DONE)!;
  const body = assertErrorBody(refused, { status: 429, code: 'ARB_ERR_RATELIMIT_EXCEEDED' });
  assert.match(body.message, /key/i);
  assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.equal(rateHeaders(refused).limit, 2);
  assert.equal((await work(server, other.key)).status, WORK_DONE);
  assert.equal((await work(server)).status, WORK_DONE);
  assert.equal(
    (await request(server, 'GET', '/api/v1/queue', { key: slow.key })).status,
    200,
    'following is free',
  );
  const text = await metrics(server);
  assert.ok((metricValue(text, 'arbiter_ratelimit_rejections_total', { scope: 'key' }) ?? 0) >= 1, text);
  assert.equal(await server.stop(), 0);
});

test('requests with unknown keys spend the IP budget too: key guessing is rate limited', async () => {
  const server = await startServer({ ipRatePerSec: 2 });
  const answers = await burst(8, () => work(server, `arb_guess_${Math.random()}`));
  const statuses = answers.map((a) => a.status).sort();
  for (const answer of answers) assertErrorBody(answer);
  assert.deepEqual(
    statuses,
    [401, 401, 401, 401, 429, 429, 429, 429],
    `after a burst of 4 at 2/s: ${statuses.join(',')}`,
  );
  for (const answer of answers) rateHeaders(answer);
  assert.equal(await server.stop(), 0);
});

interface Detailed {
  rateLimit: { factor: number };
  queue: { length: number };
}

test('the adaptive factor falls as the queue fills past the threshold and recovers as it drains', async () => {
  const MAX = 10;
  const server = await startServer({
    workers: 1,
    maxQueueLength: MAX,
    adaptiveThreshold: 0.5,
    adaptiveMinFactor: 0.1,
  });
  const factor = async () => {
    const response = await request<Detailed>(server, 'GET', '/health/detailed');
    assert.equal(response.status, 200, response.text);
    return response.body.rateLimit.factor;
  };
  assert.equal(await factor(), 1);
  const ids: string[] = [];
  // One runs, eight wait: fill 0.8, past the threshold 0.5.
  for (let i = 0; i < 9; i++) {
    ids.push(
      await submit(server, { language: 'python3', source: sleepyPython(30), limits: { wallMs: 60_000 } }),
    );
  }
  // 1 - (1 - 0.1) * (0.8 - 0.5) / (1 - 0.5). The factor is sampled while the submissions arrive,
  // so it may first show a fuller queue's step on the way (0.82 at 6/10): wait for 8/10's value.
  const low = await pollUntil(factor, (f) => Math.abs(f - 0.46) < 0.01, {
    timeoutMs: 5000,
    what: 'the factor to reach 0.46 with the queue 8/10 full',
  });
  assert.ok(Math.abs(low - 0.46) < 0.01, `factor ${low} with the queue 8/10 full`);
  assert.equal(metricValue(await metrics(server), 'arbiter_ratelimit_factor'), low);
  const limited = await work(server);
  assert.equal(rateHeaders(limited).limit, Math.round(1000 * 2 * low));
  const following = await request(server, 'GET', '/api/v1/queue');
  assert.equal(rateHeaders(following).limit, 2000, 'the adaptive factor never lowers following');

  for (const id of ids) {
    const cancelled = await request<{ status: string }>(server, 'DELETE', `/api/v1/submissions/${id}`);
    assert.equal(cancelled.body.status, 'cancelled', cancelled.text);
  }
  const seen: number[] = [low];
  await pollUntil(
    async () => {
      const f = await factor();
      if (f !== seen.at(-1)) seen.push(f);
      return f;
    },
    (f) => f === 1,
    { timeoutMs: 15_000, intervalMs: 100, what: 'the factor to recover' },
  );
  for (let i = 1; i < seen.length; i++)
    assert.ok(seen[i]! > seen[i - 1]!, `not a steady recovery: ${seen.join(' → ')}`);
  assert.ok(seen.length > 2, `the recovery should be gradual: ${seen.join(' → ')}`);
  assert.equal(metricValue(await metrics(server), 'arbiter_ratelimit_factor'), 1);
  assert.equal(await server.stop(), 0);
});

const PRINT = { language: 'python3', source: 'print(1)' };

test("a key's work pays the key's own rate, not its address's ceiling (a site's backend sends from one address)", async () => {
  const dataDir = join(tempDir(), 'data');
  const site = createKey(dataDir, { name: 'site', rate: 50 });
  const server = await startServer({ ipRatePerSec: 2 }, { dataDir });
  const keyed = await burst(8, () => work(server, site.key));
  assert.deepEqual(
    keyed.map((a) => a.status),
    Array(8).fill(WORK_DONE),
    'all 8 within the key rate, past the address ceiling of 4',
  );
  const anonymous = await burst(8, () => work(server));
  assert.equal(
    anonymous.filter((a) => a.status === WORK_DONE).length,
    4,
    'a caller without a key pays the ceiling',
  );
  assert.equal(await server.stop(), 0);
});

test('each user a key names has a bucket of its own; a caller without a key buys nothing by naming users', async () => {
  const dataDir = join(tempDir(), 'data');
  const site = createKey(dataDir, { name: 'site', rate: 100 });
  const server = await startServer({ keyUserRatePerSec: 1 }, { dataDir });
  const as = (user?: string, key: string | null = site.key) =>
    request(server, 'POST', '/api/v1/submissions', {
      ...(key ? { key } : {}),
      body: { ...PRINT, ...(user ? { user } : {}) },
    });
  const mallory = await burst(3, () => as('mallory'));
  assert.deepEqual(mallory.map((a) => a.status).sort(), [202, 202, 429], 'a burst of 2 at 1/s for one user');
  const refused = mallory.find((a) => a.status === 429)!;
  assert.match(assertErrorBody(refused, { status: 429, code: 'ARB_ERR_RATELIMIT_EXCEEDED' }).message, /user/);
  assert.equal((await as('ann')).status, 202, 'another user of the same key goes on');
  assert.equal((await as()).status, 202, 'so does the key itself');
  const anonymous = await burst(3, () => as('mallory', null));
  assert.deepEqual(
    anonymous.map((a) => a.status),
    [202, 202, 202],
    'without a key, the user is a label: the address pays',
  );
  const text = await metrics(server);
  assert.ok((metricValue(text, 'arbiter_ratelimit_rejections_total', { scope: 'user' }) ?? 0) >= 1, text);
  assert.equal(await server.stop(), 0);
});

test('a batch costs one request per submission, for its key and for each user it names', async () => {
  const dataDir = join(tempDir(), 'data');
  const site = createKey(dataDir, { name: 'site', rate: 2 });
  const server = await startServer({ keyUserRatePerSec: 1 }, { dataDir });
  const batch = (users: string[]) =>
    request<{ submissions: { id?: string; error?: string }[] }>(server, 'POST', '/api/v1/submissions/batch', {
      key: site.key,
      body: { submissions: users.map((user) => ({ ...PRINT, user })) },
    });
  const first = await batch(['ann', 'bob', 'ann']);
  assert.equal(first.status, 202, first.text);
  assert.equal(first.body.submissions.filter((s) => s.id).length, 3);
  const twice = await batch(['cat', 'cat', 'cat']);
  assert.match(assertErrorBody(twice, { status: 429, code: 'ARB_ERR_RATELIMIT_EXCEEDED' }).message, /batch/);
  assert.equal(await server.stop(), 0);
});
