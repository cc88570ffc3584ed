// Lists the source files whose code runs for one submission, the count docs/architecture.md draws:
// POST /api/v1/submissions (Python, two tests), judged, then GET /api/v1/submissions/:id.
// Run from a worktree as root (the real sandbox): node --import tsx scripts/trace-path.ts [--scale-out]
// (scale-out: Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432, database `test`).
//
// V8's precise coverage counts the calls of every function. A first submission runs unmeasured so
// module loading and first-use setup stay out; then housekeeping's timer is left to tick alone for
// three times as long as the measured submission took (at least 61 s), and a function that ran then too is
// periodic, not the path's: a file is on the path when one of its functions ran only for the
// submission.
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildApp } from '../src/api/app.js';
import { apiCallbackRenderers } from '../src/api/callback-formats.js';
import { loadConfig } from '../src/config.js';
import { Runtime } from '../src/runtime.js';

const scaleOut = process.argv.includes('--scale-out');
const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-trace-'));
const schema = `trace_${process.pid}`;
const config = loadConfig({
  flags: {
    dataDir,
    host: '127.0.0.1',
    port: 0,
    workers: 1,
    ...(scaleOut
      ? {
          redisUrl: 'redis://127.0.0.1:6379',
          postgresUrl: 'postgres://root@127.0.0.1:5432/test',
          postgresSchema: schema,
          redisPrefix: schema,
        }
      : {}),
  },
});
const runtime = await Runtime.start(config, { callbackRenderers: apiCallbackRenderers });
const app = await buildApp(runtime, { logger: false });
const url = await app.listen({ host: '127.0.0.1', port: 0 });

const submission = {
  language: 'python',
  source: 'print(int(input()) * 2)\n',
  tests: [
    { stdin: '2\n', expected: '4\n' },
    { stdin: '5\n', expected: '10\n' },
  ],
};

async function submitAndRead(): Promise<string> {
  const posted = await fetch(`${url}/api/v1/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(submission),
  });
  const { id } = (await posted.json()) as { id: string };
  if (posted.status !== 202) throw new Error(`POST answered ${posted.status}`);
  for (;;) {
    const got = await fetch(`${url}/api/v1/submissions/${id}`);
    const record = (await got.json()) as { status: string };
    if (record.status !== 'queued' && record.status !== 'running') return record.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The idle window is this many times as long as the measured one, so a periodic task surely ticks in it. */
const IDLE_FACTOR = 3;
/**
 * ...and at least this long: housekeeping reconciles every 10 s and sweeps for retention every 60 s
 * (runtime.ts RECONCILE_EVERY_MS, RETENTION_EVERY_MS); a shorter window let a sweep that fell inside
 * the measured submission count runtime.ts on the path.
 */
const IDLE_MIN_MS = 61_000;

type Calls = Map<string, Map<string, number>>;

/** Calls per function (by its position) per source file since the last take. */
async function take(session: Session): Promise<Calls> {
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const calls: Calls = new Map();
  for (const script of result) {
    if (!script.url.includes('/src/') || script.url.includes('node_modules')) continue;
    const file = relative(join(process.cwd(), 'src'), new URL(script.url).pathname);
    const counts = calls.get(file) ?? new Map<string, number>();
    for (const fn of script.functions) {
      const range = fn.ranges[0]!;
      if (range.count > 0)
        counts.set(`${range.startOffset}`, (counts.get(`${range.startOffset}`) ?? 0) + range.count);
    }
    if (counts.size > 0) calls.set(file, counts);
  }
  return calls;
}

console.error(`warm-up: ${await submitAndRead()}`);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
await take(session);
const started = Date.now();
console.error(`measured: ${await submitAndRead()}`);
const path = await take(session);
await new Promise((resolve) =>
  setTimeout(resolve, Math.max(IDLE_MIN_MS, IDLE_FACTOR * (Date.now() - started))),
);
const idle = await take(session);

const onPath = [...path]
  .filter(([file, counts]) => [...counts.keys()].some((fn) => !idle.get(file)?.has(fn)))
  .map(([file]) => file)
  .sort();
const why = process.argv.includes('--functions');
for (const file of onPath) {
  console.log(file);
  // --functions: which of the file's functions (by offset in the compiled file) ran only for the submission.
  if (why)
    for (const [fn, n] of path.get(file)!) if (!idle.get(file)?.has(fn)) console.log(`    at ${fn} x${n}`);
}
console.log(`${onPath.length} files (${scaleOut ? 'scale-out' : 'embedded'})`);

await app.close();
await runtime.close();
rmSync(dataDir, { recursive: true, force: true });
if (scaleOut) await dropScaleOutState();

/** The trace's own PostgreSQL schema and Redis keys, so a second run starts clean. */
async function dropScaleOutState(): Promise<void> {
  const { default: pg } = await import('pg');
  const { Redis } = await import('ioredis');
  const client = new pg.Client({ connectionString: config.postgresUrl! });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  const redis = new Redis(config.redisUrl!);
  const keys = await redis.keys(`${schema}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
