// Losing a dependency and getting it back, with servers of the test's own: a private redis-server
// (no persistence, so a restart starts empty, as a crashed Redis would) and a private PostgreSQL
// cluster in a temp dir. One `arbiter serve --workers 1` runs against them (API and a worker in one
// process). While Redis or PostgreSQL is down, the API answers 503 ARB_ERR_DEPENDENCY_UNAVAILABLE
// promptly (every request has a timeout, so a hang fails the test), /health stays 200 and
// /health/detailed names the missing dependency; when it comes back the API recovers by itself, and
// submissions accepted before the outage still finish. The server process stays alive throughout.
// Two more deployments on the same private servers (API node without programs, plus an `arbiter
// worker`) check that a worker claiming jobs while PostgreSQL is down is not wedged by it, and that a
// WebSocket subscription during the outage gets an error instead of taking the API node down.
//
// Needs root, bubblewrap and the toolchains (the sandbox), redis-server on the PATH, and PostgreSQL
// 15's server binaries with a `postgres` OS user; it fails, naming what is missing, when one is absent.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import WebSocket from 'ws';
import type { ErrorBody } from '../../src/contract.js';
import {
  PrivatePostgres,
  PrivateRedis,
  httpJson,
  killAllArbiters,
  pollUntil,
  removeTempDirs,
  sleep,
  spawnArbiter,
  uniqueRedisPrefix,
  type ArbiterProcess,
  type ClusterSettings,
  type HttpResponse,
} from '../helpers/cluster.js';
import { testSchemaName } from '../helpers/postgres.js';

/** Longest any single request may take, outage or not: past it the server counts as hung. */
const REQUEST_TIMEOUT_MS = 5_000;
/** From losing a dependency to the first 503. */
const FAIL_FAST_WITHIN_MS = 5_000;
/** How long an outage lasts (long enough for housekeeping, heartbeats and the reconciler to hit it). */
const OUTAGE_MS = 8_000;
/** From the dependency's return to the first accepted submission. */
const RECOVER_WITHIN_MS = 30_000;
/**
 * For a submission accepted before the outage to finish afterwards: the reconciler runs every 10 s and
 * leaves submissions younger than 5 s alone, and BullMQ gives a lost worker's job back after 10 s.
 */
const FINISH_WITHIN_MS = 60_000;

interface View {
  id: string;
  status: string;
  run?: { stdout: string };
}

interface Detailed {
  status: string;
  dependencies: Record<string, { ok: boolean; error?: string }>;
  workers: { id: string }[];
}

let redis: PrivateRedis | null = null;
let postgres: PrivatePostgres | null = null;
let server: ArbiterProcess | null = null;
const figures: string[] = [];

function api(): ArbiterProcess {
  assert.ok(server, 'the server started');
  return server;
}

/** A server must never die: every check first looks at the process. */
function assertAlive(when: string, proc: ArbiterProcess = api()): void {
  const { running, pid, log, kind } = proc;
  assert.ok(running, `the ${kind} process (pid ${pid}) died ${when}:\n${log.slice(-6000)}`);
}

const bash = (script: string) => ({ language: 'bash', source: script });

function post(
  body: Record<string, unknown>,
  to: ArbiterProcess = api(),
): Promise<HttpResponse<View & ErrorBody>> {
  return httpJson(`${to.url}/api/v1/submissions`, { method: 'POST', body, timeoutMs: REQUEST_TIMEOUT_MS });
}

function get(id: string, from: ArbiterProcess = api()): Promise<HttpResponse<View & ErrorBody>> {
  return httpJson(`${from.url}/api/v1/submissions/${id}`, { timeoutMs: REQUEST_TIMEOUT_MS });
}

function detailed(): Promise<HttpResponse<Detailed>> {
  return httpJson(`${api().url}/health/detailed`, { timeoutMs: REQUEST_TIMEOUT_MS });
}

async function submit(body: Record<string, unknown>, to: ArbiterProcess = api()): Promise<string> {
  const response = await post(body, to);
  assert.equal(response.status, 202, response.text);
  return response.body.id;
}

/** Polls the submission on `from` until `done`; every process in `alive` must stay up meanwhile. */
async function waitStatus(
  id: string,
  done: (status: string) => boolean,
  what: string,
  from: ArbiterProcess = api(),
  alive: ArbiterProcess[] = [from],
): Promise<View> {
  const response = await pollUntil(
    () => get(id, from),
    (r) => {
      for (const proc of alive) assertAlive(`while waiting for ${what}`, proc);
      return r.status === 200 && done(r.body.status);
    },
    { timeoutMs: FINISH_WITHIN_MS, intervalMs: 250, what },
  );
  return response.body;
}

const isFinal = (status: string) => status !== 'queued' && status !== 'running';

function assertUnavailable(response: HttpResponse<ErrorBody>, dependency: string): void {
  const context = `${response.status} ${response.text.slice(0, 500)}`;
  assert.equal(response.status, 503, context);
  assert.match(String(response.headers['content-type']), /application\/json/, context);
  assert.equal(response.body.error, 'ARB_ERR_DEPENDENCY_UNAVAILABLE', context);
  assert.equal(response.body.status, 503, context);
  assert.match(response.body.message, new RegExp(dependency, 'i'), context);
  assert.equal(typeof response.body.requestId, 'string', context);
}

/**
 * While a dependency is down: POSTs until the first 503 (each answered within the request
 * timeout), then keeps probing every route for the rest of the outage. Returns ms to the first 503.
 */
async function duringOutage(
  dependency: 'redis' | 'postgres',
  since: number,
  knownId: string,
): Promise<number> {
  let firstUnavailable = 0;
  for (;;) {
    assertAlive(`after ${dependency} went down`);
    const response = await post(bash('echo during'));
    if (response.status === 503) {
      assertUnavailable(response, dependency);
      firstUnavailable = Date.now() - since;
      break;
    }
    assert.ok(
      Date.now() - since < FAIL_FAST_WITHIN_MS,
      `no 503 within ${FAIL_FAST_WITHIN_MS} ms of losing ${dependency}; last: ${response.status} ${response.text}`,
    );
    await sleep(100);
  }
  while (Date.now() - since < OUTAGE_MS) {
    assertAlive(`during the ${dependency} outage`);
    const submitted = await post(bash('echo during'));
    assertUnavailable(submitted, dependency);
    const health = await httpJson(`${api().url}/health`, { timeoutMs: REQUEST_TIMEOUT_MS });
    assert.equal(health.status, 200, `/health is liveness only: ${health.text}`);
    const details = await detailed();
    assert.equal(details.status, 503, details.text);
    assert.equal(details.body.status, 'degraded', details.text);
    assert.equal(details.body.dependencies[dependency]?.ok, false, details.text);
    const other = dependency === 'redis' ? 'postgres' : 'redis';
    assert.equal(details.body.dependencies[other]?.ok, true, details.text);
    // Reading a submission needs PostgreSQL, and passes the rate limiter (Redis): an answer, either
    // way, never a hang.
    const read = await get(knownId);
    if (read.status !== 200) assertUnavailable(read, dependency);
    await sleep(500);
  }
  return firstUnavailable;
}

/** After the dependency is back: POSTs until one is accepted. Returns ms from `since` and its id. */
async function recovery(dependency: string, since: number): Promise<{ ms: number; id: string }> {
  for (;;) {
    assertAlive(`after ${dependency} came back`);
    const response = await post(bash('echo after'));
    if (response.status === 202) return { ms: Date.now() - since, id: response.body.id };
    assertUnavailable(response, dependency);
    assert.ok(
      Date.now() - since < RECOVER_WITHIN_MS,
      `not recovered ${RECOVER_WITHIN_MS} ms after ${dependency} came back: ${response.text}`,
    );
    await sleep(250);
  }
}

/** A long job that holds the only worker, and a short one queued behind it; both accepted now. */
async function busyWorker(tag: string): Promise<{ long: string; queued: string }> {
  const long = await submit({ ...bash(`sleep 2\necho ${tag}-long`), limits: { wallMs: 10_000 } });
  await waitStatus(long, (s) => s === 'running', `${tag}-long to run`);
  const queued = await submit(bash(`echo ${tag}-queued`));
  const view = await get(queued);
  assert.equal(view.body.status, 'queued', view.text);
  return { long, queued };
}

async function assertFinishes(
  id: string,
  stdout: string,
  what: string,
  from: ArbiterProcess = api(),
  alive: ArbiterProcess[] = [from],
): Promise<void> {
  const view = await waitStatus(id, isFinal, `${what} to finish`, from, alive);
  assert.equal(view.status, 'accepted', `${what}: ${JSON.stringify(view)}`);
  assert.equal(view.run?.stdout, stdout, `${what}: ${JSON.stringify(view)}`);
}

/** Brings both dependencies back if a failed test left one down, so the next test starts clean. */
async function restoreDependencies(): Promise<void> {
  if (redis && !redis.running) await redis.start();
  if (postgres && !(await postgres.isRunning())) await postgres.start();
}

/** A deployment of its own on the private Redis and PostgreSQL (its own schema and key prefix). */
function deployment(): ClusterSettings {
  assert.ok(redis && postgres, 'the private Redis and PostgreSQL started');
  return {
    redisUrl: redis.url,
    postgresUrl: postgres.url,
    schema: testSchemaName(),
    redisPrefix: uniqueRedisPrefix('outage'),
  };
}

before(async () => {
  redis = await PrivateRedis.start();
  postgres = await PrivatePostgres.create();
  server = await spawnArbiter('serve', deployment(), { workers: 1 });
});

afterEach(restoreDependencies);

after(async () => {
  if (figures.length > 0) process.stdout.write(figures.map((f) => `# outage: ${f}\n`).join(''));
  await killAllArbiters();
  await redis?.kill();
  await postgres?.destroy();
  removeTempDirs();
});

test('before any outage: submissions run and /health/detailed is ok', async () => {
  const id = await submit(bash('echo hello'));
  await assertFinishes(id, 'hello\n', 'the first submission');
  const details = await pollUntil(detailed, (r) => r.status === 200 && r.body.workers.length === 1, {
    timeoutMs: 10_000,
    what: '/health/detailed to be ok with this node as its worker',
  });
  assert.equal(details.body.dependencies.redis?.ok, true, details.text);
  assert.equal(details.body.dependencies.postgres?.ok, true, details.text);
});

test('Redis down: 503 at once, never a hang; back: the API recovers and work accepted before finishes', async () => {
  const { long, queued } = await busyWorker('redis');
  const downAt = Date.now();
  await redis!.kill();
  const firstUnavailable = await duringOutage('redis', downAt, long);

  const upAt = Date.now();
  await redis!.start();
  const recovered = await recovery('redis', upAt);
  figures.push(
    `Redis: first 503 ${firstUnavailable} ms after the kill; first 202 ${recovered.ms} ms after the restart`,
  );

  // The fresh Redis has no queue: the queued job comes back through the reconciler.
  const finishStart = Date.now();
  await assertFinishes(long, 'redis-long\n', 'the job running when Redis went down');
  await assertFinishes(queued, 'redis-queued\n', 'the job queued when Redis went down');
  await assertFinishes(recovered.id, 'after\n', 'the first job after the restart');
  figures.push(
    `Redis: the jobs of before the outage were final ${Date.now() - finishStart} ms after recovery`,
  );

  const details = await pollUntil(detailed, (r) => r.status === 200 && r.body.workers.length === 1, {
    timeoutMs: 15_000,
    what: '/health/detailed to be ok again, with this node back in the worker registry',
  });
  assert.equal(details.body.dependencies.redis?.ok, true, details.text);
  assertAlive('after the Redis outage');
});

test('PostgreSQL down: 503 at once, never a hang; back: the API recovers and work accepted before finishes', async () => {
  const { long, queued } = await busyWorker('pg');
  const downAt = Date.now();
  await postgres!.stop('fast');
  // The long job ends during the outage: its result cannot be written then.
  const firstUnavailable = await duringOutage('postgres', downAt, long);

  const upAt = Date.now();
  await postgres!.start();
  const recovered = await recovery('postgres', upAt);
  figures.push(
    `PostgreSQL: first 503 ${firstUnavailable} ms after the stop; first 202 ${recovered.ms} ms after the start`,
  );

  const finishStart = Date.now();
  await assertFinishes(long, 'pg-long\n', 'the job whose end fell into the PostgreSQL outage');
  await assertFinishes(queued, 'pg-queued\n', 'the job queued when PostgreSQL went down');
  await assertFinishes(recovered.id, 'after\n', 'the first job after the start');
  figures.push(
    `PostgreSQL: the jobs of before the outage were final ${Date.now() - finishStart} ms after recovery`,
  );

  const details = await pollUntil(detailed, (r) => r.status === 200, {
    timeoutMs: 15_000,
    what: '/health/detailed to be ok again',
  });
  assert.equal(details.body.dependencies.postgres?.ok, true, details.text);
  assertAlive('after the PostgreSQL outage');
});

test('after both outages the server still serves new work', async () => {
  assertAlive('after both outages');
  const ids = await Promise.all([1, 2, 3].map((n) => submit(bash(`echo again-${n}`))));
  for (const [n, id] of ids.entries())
    await assertFinishes(id, `again-${n + 1}\n`, `job ${n + 1} after both outages`);
  assertAlive('at the end');
});

test('PostgreSQL down while jobs wait: a worker that claims one during the outage is not wedged by it', async () => {
  // A deployment of its own: an API node without programs and one `arbiter worker`, so that the
  // worker can be held (SIGSTOP) while jobs queue up, and claim them only once PostgreSQL is gone.
  const settings = deployment();
  const node = await spawnArbiter('serve', settings);
  const worker = await spawnArbiter('worker', settings, { workers: 1 });
  worker.child.kill('SIGSTOP');
  try {
    const ids = await Promise.all([1, 2, 3].map((n) => submit(bash(`echo waiting-${n}`), node)));
    await postgres!.stop('fast');
    worker.child.kill('SIGCONT');
    // The worker takes the first job now, and cannot mark it running.
    await sleep(OUTAGE_MS / 2);
    assertAlive('during the PostgreSQL outage', worker);
    const upAt = Date.now();
    await postgres!.start();
    for (const [n, id] of ids.entries())
      await assertFinishes(id, `waiting-${n + 1}\n`, `queued job ${n + 1}`, node, [node, worker]);
    figures.push(
      `PostgreSQL, worker claiming during the outage: its queue done ${Date.now() - upAt} ms after the start`,
    );
  } finally {
    worker.child.kill('SIGCONT');
  }
});

test('PostgreSQL down: a WebSocket subscription is answered with an error, and the API node stays up', async () => {
  const node = await spawnArbiter('serve', deployment());
  const id = await submit(bash('echo ws'), node);
  const socket = new WebSocket(`${node.url.replace(/^http/, 'ws')}/api/v1/ws`);
  const messages: { type?: string; message?: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type?: string }));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // the server going away is what this test looks for
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await postgres!.stop('fast');
    // Looking the submission up needs PostgreSQL.
    socket.send(JSON.stringify({ subscribe: [id] }));
    const answered = await Promise.race([
      pollUntil(
        async () => messages.find((m) => m.type === 'error'),
        (m) => m !== undefined,
        { timeoutMs: REQUEST_TIMEOUT_MS, intervalMs: 100, what: 'an error message on the WebSocket' },
      ).then(() => 'error message'),
      closed.then(() => 'closed'),
    ]);
    await sleep(1_000);
    assertAlive(
      `after a WebSocket subscription during the PostgreSQL outage (the socket: ${answered})`,
      node,
    );
    const health = await httpJson(`${node.url}/health`, { timeoutMs: REQUEST_TIMEOUT_MS });
    assert.equal(health.status, 200, health.text);
    assert.equal(answered, 'error message', `the socket was closed instead: ${JSON.stringify(messages)}`);
  } finally {
    socket.terminate();
  }
});
