// A scale-out cluster on loopback under chaos: two API nodes (`arbiter serve --redis --postgres
// --schema`, no programs) and three workers (`arbiter worker --concurrency 1`) share the machine's
// Redis (under a key prefix of this test's own) and PostgreSQL (in a schema of its own). While 2,000
// small submissions go in through both API nodes, a random worker is killed with SIGKILL every 10 s
// and replaced, and once every Redis key of the deployment is deleted (this deployment's FLUSHALL:
// the queue, locks, heartbeats and rate-limit buckets are gone). Then every submission must be final
// exactly once in PostgreSQL with the right output, SSE subscribers on the other node must get their
// `finished` event, and the worker registry must track the workers as they die and join.
//
// Needs root, bubblewrap and the toolchains (the sandbox), Redis on 127.0.0.1:6379 and PostgreSQL on
// 127.0.0.1:5432; it fails, naming what is missing, when one is absent.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import pg from 'pg';
import {
  AllEventsSubscriber,
  SseSubscriber,
  httpJson,
  killAllArbiters,
  mapConcurrent,
  removeTempDirs,
  sleep,
  spawnArbiter,
  uniqueRedisPrefix,
  wipeDeployment,
  type ArbiterProcess,
  type ClusterSettings,
} from '../helpers/cluster.js';
import { TEST_REDIS_URL, connectTestRedis, deleteKeys } from '../helpers/redis.js';
import { TEST_POSTGRES_URL, dropTestSchema, testSchemaName } from '../helpers/postgres.js';

/** Submissions in the run. On this 2-core machine the cluster judges ~20-100 a second, so ~2 minutes. */
const SUBMISSIONS = 2_000;
/** Requests in flight per API node, over keep-alive connections. */
const CONCURRENCY_PER_NODE = 8;
/** SSE subscribers per API node, each to a submission created on the other node. */
const SSE_PER_NODE = 50;
const WORKERS = 3;
/** A random worker is killed this often (and a replacement started). */
const KILL_EVERY_MS = 10_000;
/** /health/detailed is sampled this often (alternating between the API nodes). */
const SAMPLE_EVERY_MS = 1_000;
/** Every submission must be final this long after the first one was sent. */
const FINISH_DEADLINE_MS = 240_000;
/** A killed worker must be gone from /health/detailed within this (its heartbeat TTL is 6 s). */
const VANISH_WITHIN_MS = 10_000;
/** How long a single API request may take before it counts as hung. */
const REQUEST_TIMEOUT_MS = 30_000;

type Kind = 'python3' | 'bash' | 'c';

const C_SOURCE =
  '#include <stdio.h>\nint main(void){long n;if(scanf("%ld",&n)!=1)return 1;printf("%ld\\n",n*7+1);return 0;}\n';

/** Mostly Python, some Bash and some C: each reads its number and prints number*7+1. */
function program(i: number): { kind: Kind; body: Record<string, unknown>; stdout: string } {
  const slot = i % 20;
  const kind: Kind = slot < 11 ? 'python3' : slot < 17 ? 'bash' : 'c';
  const source =
    kind === 'python3'
      ? 'print(int(input()) * 7 + 1)\n'
      : kind === 'bash'
        ? 'read n\necho $((n * 7 + 1))\n'
        : C_SOURCE;
  return { kind, body: { language: kind, source, stdin: `${i}\n` }, stdout: `${i * 7 + 1}\n` };
}

interface Submitted {
  index: number;
  id: string;
  node: number;
  stdout: string;
}

interface Sample {
  at: number;
  node: number;
  ids: string[] | null;
  error?: string;
}

interface Kill {
  workerId: string;
  pid: number;
  at: number;
}

interface SseWatch {
  id: string;
  /** The node the subscriber is on (the submission was created on the other one). */
  node: number;
  subscriber: SseSubscriber;
}

interface Row {
  id: string;
  status: string;
  attempts: number;
  result: { status?: string; run?: { stdout?: string } } | null;
  finished_at: number | null;
}

/** Everything the run observed; the tests below assert on it. */
const run = {
  settings: null as ClusterSettings | null,
  apis: [] as ArbiterProcess[],
  workers: [] as ArbiterProcess[],
  everWorkerIds: new Set<string>(),
  submitted: [] as Submitted[],
  rejected: [] as string[],
  kills: [] as Kill[],
  replacementErrors: [] as string[],
  samples: [] as Sample[],
  sse: [] as SseWatch[],
  allEvents: [] as AllEventsSubscriber[],
  flush: null as null | { at: number; deletedKeys: number; unfinished: number },
  submitMs: 0,
  finishMs: 0,
  finishedInTime: false,
  lastCounts: {} as Record<string, number>,
  rows: [] as Row[],
};

/** The background loops of the run; after() stops them even when before() failed half-way. */
const loops = {
  /** No more kills. */
  calm: false,
  /** No more samples. */
  finished: false,
  chaos: Promise.resolve(),
  sampler: Promise.resolve(),
};

let redis: Redis | null = null;
const db = new pg.Client({ connectionString: TEST_POSTGRES_URL });
let dbOpen = false;

async function statusCounts(schema: string): Promise<Record<string, number>> {
  const result = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM "${schema}".submissions GROUP BY status`,
  );
  return Object.fromEntries(result.rows.map((r) => [r.status, r.n]));
}

const unfinishedOf = (counts: Record<string, number>): number => (counts.queued ?? 0) + (counts.running ?? 0);

function describeProcesses(): string {
  return [...run.apis, ...run.workers]
    .map((p) => `--- ${p.kind} pid ${p.pid} (running: ${p.running}) ---\n${p.log.slice(-3000)}`)
    .join('\n');
}

before(async () => {
  redis = await connectTestRedis();
  try {
    await db.connect();
    dbOpen = true;
  } catch (error) {
    throw new Error(`this test needs PostgreSQL at ${TEST_POSTGRES_URL}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const settings: ClusterSettings = {
    redisUrl: TEST_REDIS_URL,
    postgresUrl: TEST_POSTGRES_URL,
    schema: testSchemaName(),
    redisPrefix: uniqueRedisPrefix('cluster'),
  };
  run.settings = settings;
  // The first node migrates the schema; the others find it migrated (the advisory lock makes
  // concurrent starts safe too, but one at a time keeps a failure's log readable).
  run.apis.push(await spawnArbiter('serve', settings));
  run.apis.push(await spawnArbiter('serve', settings));
  run.workers = await Promise.all(
    Array.from({ length: WORKERS }, () => spawnArbiter('worker', settings, { workers: 1 })),
  );
  for (const worker of run.workers) run.everWorkerIds.add(worker.workerId);

  for (const api of run.apis) {
    const subscriber = new AllEventsSubscriber(api.url);
    run.allEvents.push(subscriber);
    await subscriber.opened;
  }

  const started = Date.now();

  // The registry as the API nodes see it, once a second.
  loops.sampler = (async () => {
    for (let n = 0; !loops.finished; n++) {
      const node = n % run.apis.length;
      const response = await httpJson<{ workers: { id: string }[] }>(
        `${run.apis[node]!.url}/health/detailed`,
        {
          timeoutMs: 5_000,
        },
      ).catch((error: Error) => error);
      if (response instanceof Error)
        run.samples.push({ at: Date.now(), node, ids: null, error: response.message });
      else if (!Array.isArray(response.body?.workers))
        run.samples.push({
          at: Date.now(),
          node,
          ids: null,
          error: `${response.status} ${response.text.slice(0, 300)}`,
        });
      else run.samples.push({ at: Date.now(), node, ids: response.body.workers.map((w) => w.id) });
      await sleep(SAMPLE_EVERY_MS);
    }
  })();

  // Chaos: SIGKILL a random worker every 10 s and start another in its place.
  loops.chaos = (async () => {
    // A fixed cadence from the start, however long a replacement takes to come up; but a kill that
    // fell behind (a replacement slow to start on a loaded machine) waits until the previous victim
    // could have left /health/detailed, so at most one dead worker is ever listed (asserted below)
    // rather than catching up with kills a few seconds apart.
    let lastKillAt = -Infinity;
    for (let wakeAt = started + KILL_EVERY_MS; ; wakeAt += KILL_EVERY_MS) {
      wakeAt = Math.max(wakeAt, lastKillAt + VANISH_WITHIN_MS);
      while (!loops.calm && Date.now() < wakeAt) await sleep(200);
      if (loops.calm) return;
      const victim = run.workers[Math.floor(Math.random() * run.workers.length)]!;
      run.workers = run.workers.filter((w) => w !== victim);
      lastKillAt = Date.now();
      run.kills.push({ workerId: victim.workerId, pid: victim.pid, at: lastKillAt });
      await victim.kill9();
      if (loops.calm) return;
      try {
        const replacement = await spawnArbiter('worker', settings, { workers: 1 });
        run.workers.push(replacement);
        run.everWorkerIds.add(replacement.workerId);
      } catch (error) {
        run.replacementErrors.push((error as Error).message.slice(0, 3000));
      }
    }
  })();

  // Submissions, alternating between the API nodes, over keep-alive connections.
  const agents = run.apis.map(() => new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY_PER_NODE }));
  let accepted = 0;
  const indexes = Array.from({ length: SUBMISSIONS }, (_, i) => i);
  await mapConcurrent(indexes, CONCURRENCY_PER_NODE * run.apis.length, async (i) => {
    const node = i % run.apis.length;
    const { body, stdout } = program(i);
    const response = await httpJson<{ id: string; status: string }>(
      `${run.apis[node]!.url}/api/v1/submissions`,
      {
        method: 'POST',
        body,
        agent: agents[node],
        timeoutMs: REQUEST_TIMEOUT_MS,
      },
    ).catch((error: Error) => error);
    if (response instanceof Error || response.status !== 202) {
      run.rejected.push(
        response instanceof Error
          ? `#${i}: ${response.message}`
          : `#${i}: ${response.status} ${response.text}`,
      );
      return;
    }
    const { id } = response.body;
    run.submitted.push({ index: i, id, node, stdout });
    // Every 20th submission of a node gets an SSE subscriber on the other node.
    if (Math.floor(i / run.apis.length) % 20 === 0) {
      const other = (node + 1) % run.apis.length;
      run.sse.push({
        id,
        node: other,
        subscriber: new SseSubscriber(`${run.apis[other]!.url}/api/v1/submissions/${id}/events`),
      });
    }
    // Half-way through, wipe the deployment's Redis keys while submissions keep coming in.
    if (++accepted === SUBMISSIONS / 2) {
      const at = Date.now();
      const deletedKeys = await wipeDeployment(redis!, settings.redisPrefix);
      run.flush = { at, deletedKeys, unfinished: unfinishedOf(await statusCounts(settings.schema)) };
    }
  });
  run.submitMs = Date.now() - started;
  for (const agent of agents) agent.destroy();

  // Wait, with a deadline, until PostgreSQL holds every submission as final.
  for (;;) {
    run.lastCounts = await statusCounts(settings.schema);
    if (unfinishedOf(run.lastCounts) === 0) {
      run.finishedInTime = true;
      break;
    }
    if (Date.now() - started > FINISH_DEADLINE_MS) break;
    await sleep(500);
  }
  run.finishMs = Date.now() - started;
  loops.calm = true;
  await loops.chaos;
  // Killed workers must vanish from the registry; keep sampling until the last one had its chance.
  const lastKill = run.kills.at(-1)?.at ?? 0;
  while (Date.now() < lastKill + VANISH_WITHIN_MS + 2 * SAMPLE_EVERY_MS) await sleep(200);
  loops.finished = true;
  await loops.sampler;

  // SSE streams end after `finished`; give the last ones a moment, then stop waiting.
  await Promise.race([Promise.all(run.sse.map((w) => w.subscriber.ended)), sleep(10_000)]);
  const result = await db.query<Row>(
    `SELECT id, status, attempts, result, finished_at FROM "${settings.schema}".submissions`,
  );
  run.rows = result.rows;
  report(started);
});

/** The measured figures, as a comment line in the test output. */
function report(started: number): void {
  const perSecond = (run.submitted.length / (run.finishMs / 1000)).toFixed(1);
  const attempts: Record<number, number> = {};
  for (const row of run.rows) attempts[row.attempts] = (attempts[row.attempts] ?? 0) + 1;
  const counts: Record<number, number> = {};
  for (const sample of run.samples)
    if (sample.ids) counts[sample.ids.length] = (counts[sample.ids.length] ?? 0) + 1;
  const vanished = run.kills.map((kill) => {
    const gone = run.samples.find((s) => s.ids && s.at > kill.at && !s.ids.includes(kill.workerId));
    return gone ? gone.at - kill.at : null;
  });
  const lines = [
    `${run.submitted.length} submissions sent in ${run.submitMs} ms; all final ${run.finishMs} ms after the first (${perSecond}/s end to end)`,
    `Redis wipe at +${(run.flush?.at ?? started) - started} ms deleted ${run.flush?.deletedKeys} keys, ${run.flush?.unfinished} submissions unfinished then`,
    `workers killed at +${run.kills.map((k) => k.at - started).join(', +')} ms; gone from /health/detailed after ${vanished.join(', ')} ms`,
    `attempts per submission: ${JSON.stringify(attempts)}; workers listed per sample: ${JSON.stringify(counts)}`,
    `SSE: ${run.sse.filter((w) => w.subscriber.events.some((e) => e.event === 'finished')).length} of ${run.sse.length} got a finished push`,
  ];
  process.stdout.write(lines.map((line) => `# cluster: ${line}\n`).join(''));
}

after(async () => {
  loops.calm = true;
  loops.finished = true;
  await Promise.all([loops.chaos, loops.sampler]);
  for (const watch of run.sse) watch.subscriber.close();
  for (const subscriber of run.allEvents) subscriber.close();
  await killAllArbiters();
  if (run.settings) {
    if (redis?.status === 'ready') await deleteKeys(redis, run.settings.redisPrefix);
    await dropTestSchema(run.settings.schema);
  }
  redis?.disconnect();
  if (dbOpen) await db.end();
  removeTempDirs();
});

test('all 2,000 submissions are accepted with 202 by the two API nodes, despite the chaos', () => {
  assert.deepEqual(run.rejected.slice(0, 10), [], `${run.rejected.length} submissions were refused`);
  assert.equal(run.submitted.length, SUBMISSIONS);
  const perNode = run.apis.map((_, node) => run.submitted.filter((s) => s.node === node).length);
  assert.deepEqual(perNode, [SUBMISSIONS / 2, SUBMISSIONS / 2]);
  assert.ok(run.flush, 'the Redis keys were wiped mid-run');
  assert.ok(run.flush.deletedKeys > 0, 'the wipe found the deployment keys under its prefix');
  assert.ok(run.flush.unfinished > 0, 'the wipe lost queued work, which the reconciler had to put back');
  // One kill per 10 s of the run: at least two on a fast machine.
  assert.ok(run.kills.length >= 2, `workers were killed during the run: ${run.kills.length}`);
  assert.deepEqual(run.replacementErrors, [], 'every replacement worker started');
});

test('PostgreSQL holds every submission exactly once, final, accepted, after at least one attempt', () => {
  assert.ok(
    run.finishedInTime,
    `not all final within ${FINISH_DEADLINE_MS} ms: ${JSON.stringify(run.lastCounts)}\n${describeProcesses()}`,
  );
  const ids = run.submitted.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, 'every 202 named a different submission');
  assert.equal(run.rows.length, ids.length, 'one row per accepted submission, no more');
  assert.deepEqual(new Set(run.rows.map((r) => r.id)), new Set(ids));
  const byStatus: Record<string, number> = {};
  for (const row of run.rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
  assert.deepEqual(byStatus, { accepted: SUBMISSIONS }, 'every submission ran and was accepted');
  for (const row of run.rows) {
    const what = JSON.stringify(row).slice(0, 500);
    assert.ok(row.attempts >= 1, `attempts >= 1: ${what}`);
    assert.ok(row.finished_at !== null && row.result !== null, `a final row has its result: ${what}`);
    assert.equal(row.result.status, row.status, what);
  }
});

test('every result is the right one (stdout from the program with that input)', () => {
  const rows = new Map(run.rows.map((r) => [r.id, r]));
  const wrong = run.submitted.filter((s) => rows.get(s.id)?.result?.run?.stdout !== s.stdout);
  assert.deepEqual(
    wrong.slice(0, 5).map((s) => ({ ...s, got: rows.get(s.id)?.result })),
    [],
    `${wrong.length} submissions have the wrong output`,
  );
});

test('each submission finished exactly once: no node saw two finished events for one submission', () => {
  for (const [node, subscriber] of run.allEvents.entries()) {
    const twice = [...subscriber.finished].filter(([, n]) => n > 1);
    assert.deepEqual(
      twice.slice(0, 10),
      [],
      `node ${node}: ${twice.length} submissions finished more than once`,
    );
    // Pub/sub is at most once (a worker killed between its write and its PUBLISH loses the event), so
    // nearly all, not all, reach each node.
    const seen = run.submitted.filter((s) => subscriber.finished.has(s.id)).length;
    assert.ok(seen >= SUBMISSIONS * 0.98, `node ${node} saw ${seen} of ${SUBMISSIONS} finished events`);
  }
});

test('SSE subscribers on the other API node receive their finished event', () => {
  assert.equal(run.sse.length, SSE_PER_NODE * run.apis.length);
  for (let node = 0; node < run.apis.length; node++) {
    assert.equal(run.sse.filter((w) => w.node === node).length, SSE_PER_NODE);
  }
  const rows = new Map(run.rows.map((r) => [r.id, r]));
  const expected = new Map(run.submitted.map((s) => [s.id, s.stdout]));
  let pushed = 0;
  for (const { id, node, subscriber } of run.sse) {
    const what = `SSE on node ${node} for ${id}: ${subscriber.status} ${JSON.stringify(subscriber.events).slice(0, 1500)}`;
    assert.equal(subscriber.status, 200, what);
    const first = subscriber.events[0];
    assert.equal(first?.event, 'status', what);
    const firstStatus = String(first.data.status);
    if (firstStatus === 'queued' || firstStatus === 'running') {
      // It was not final when the stream opened, so the change must have been pushed.
      const finishedEvent = subscriber.events.find((e) => e.event === 'finished');
      assert.ok(finishedEvent, `no finished event: ${what}`);
      pushed++;
      const view = finishedEvent.data.submission as { status: string; run?: { stdout: string } } | undefined;
      assert.equal(finishedEvent.data.status, rows.get(id)?.status, what);
      assert.equal(view?.status, rows.get(id)?.status, what);
      assert.equal(view?.run?.stdout, expected.get(id), what);
    } else {
      assert.equal(firstStatus, rows.get(id)?.status, what);
    }
  }
  // With hundreds queued ahead of them, nearly every subscriber opened before its submission ran.
  assert.ok(
    pushed >= run.sse.length * 0.9,
    `only ${pushed} of ${run.sse.length} streams saw a finished push`,
  );
});

test('/health/detailed lists the live workers (three most of the time); a killed one vanishes within 10 s', () => {
  const good = run.samples.filter((s) => s.ids !== null);
  const failed = run.samples.filter((s) => s.ids === null);
  assert.ok(good.length >= 20, `enough samples: ${good.length}`);
  assert.deepEqual(failed.slice(0, 5), [], '/health/detailed answered every sample');
  const counts: Record<number, number> = {};
  for (const sample of good) counts[sample.ids!.length] = (counts[sample.ids!.length] ?? 0) + 1;
  const three = (counts[WORKERS] ?? 0) / good.length;
  assert.ok(
    three >= 0.5,
    `three workers in ${(three * 100).toFixed(0)}% of samples: ${JSON.stringify(counts)}`,
  );
  // At most one dead worker (within its TTL) next to a replacement that just joined.
  assert.ok(
    good.every((s) => s.ids!.length <= WORKERS + 1),
    `never more than ${WORKERS + 1}: ${JSON.stringify(counts)}`,
  );
  for (const sample of good) {
    for (const id of sample.ids!) assert.ok(run.everWorkerIds.has(id), `an unknown worker ${id} is listed`);
  }
  for (const kill of run.kills) {
    const gone = good.find((s) => s.at > kill.at && !s.ids!.includes(kill.workerId));
    assert.ok(gone, `worker ${kill.workerId} (pid ${kill.pid}) never vanished`);
    const stillListed = good.filter((s) => s.at > gone.at && s.ids!.includes(kill.workerId));
    assert.deepEqual(stillListed, [], `worker ${kill.workerId} came back after it vanished`);
    assert.ok(
      gone.at - kill.at <= VANISH_WITHIN_MS + SAMPLE_EVERY_MS,
      `worker ${kill.workerId} vanished ${gone.at - kill.at} ms after its kill`,
    );
  }
  // At the end the list is exactly the live workers.
  const last = good.at(-1)!;
  assert.deepEqual(new Set(last.ids), new Set(run.workers.map((w) => w.workerId)));
});
