/**
 * Scale-out processes for the bench: `arbiter serve --redis --postgres` API nodes and `arbiter
 * worker`s on the machine's Redis and PostgreSQL, each cluster in a PostgreSQL schema and under a
 * Redis key prefix of its own, so other users of the same servers never see its data. Whatever the
 * bench started goes away again: its processes, its schema, its keys, also when it is interrupted.
 *
 * Run as a script (`node --import tsx bench/cluster.ts SCHEMA PREFIX`) it drops one cluster's data:
 * the interrupted bench calls that synchronously on its way out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApiKey } from '../src/api/auth.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { PostgresStore } from '../src/store/postgres/store.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const SELF = fileURLToPath(import.meta.url);
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** The admin key's rate, requests per second, as bench/server.ts gives the embedded server's. */
const KEY_RATE = 100_000;

export const REDIS_URL = process.env.ARBITER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.ARBITER_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** A prefix or schema name must be plain: a glob character would let SCAN MATCH reach other keys. */
const PLAIN = /^[a-z0-9_-]+$/;

/** One `arbiter serve` or `arbiter worker` child. */
export interface ClusterProcess {
  kind: 'serve' | 'worker';
  pid: number;
  /** The API's URL for serve; '' for a worker. */
  url: string;
  logFile: string;
  /** SIGTERM, SIGKILL after a grace; or SIGKILL at once. Idempotent. */
  stop(how?: 'kill' | 'graceful'): Promise<void>;
}

export interface Cluster {
  schema: string;
  redisPrefix: string;
  /** An admin key in the cluster's PostgreSQL schema, at 100000 req/s. */
  key: string;
  headers: Record<string, string>;
  /** `arbiter serve` without --workers (an API node) or `arbiter worker --concurrency N`. */
  start(kind: 'serve' | 'worker', options?: { concurrency?: number }): Promise<ClusterProcess>;
  /** Stops every process it started, then deletes its Redis keys and drops its schema. */
  destroy(): Promise<void>;
}

interface Live {
  child: ChildProcess;
  dir: string;
}

/** Clusters not yet destroyed, with their processes, for an interrupted bench. */
const liveClusters = new Map<
  string,
  { schema: string; redisPrefix: string; dir: string; processes: Set<Live> }
>();

/** The environment minus ARBITER_* variables, which would override the bench's config file. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ARBITER_')));
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The sandbox pool keeps generated files under /run/arbiter/<pid>; a SIGKILL leaves them behind. */
function removeRuntimeDir(pid: number | undefined): void {
  if (pid !== undefined) rmSync(join('/run/arbiter', String(pid)), { recursive: true, force: true });
}

/** Embedded servers' pids whose /run/arbiter/<pid> an interrupted bench must remove (see runtimeDirOf). */
const runtimeDirs = new Set<number>();

/**
 * Registers an embedded server (bench/server.ts) so that killAllClusters() also removes its sandbox
 * files, which a SIGKILL leaves behind; the returned function removes them now (after its stop).
 */
export function runtimeDirOf(pid: number): () => void {
  runtimeDirs.add(pid);
  return () => {
    removeRuntimeDir(pid);
    runtimeDirs.delete(pid);
  };
}

function killNow(live: Live): void {
  if (live.child.exitCode === null && live.child.signalCode === null) live.child.kill('SIGKILL');
  removeRuntimeDir(live.child.pid);
  rmSync(live.dir, { recursive: true, force: true });
}

async function waitForReady(child: ChildProcess, logFile: string, line: string): Promise<string> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  while (performance.now() < deadline) {
    for (const entry of readFileSync(logFile, 'utf8').split('\n')) {
      if (!entry.includes(line)) continue;
      const url = (JSON.parse(entry) as { url?: unknown }).url;
      return typeof url === 'string' ? url : '';
    }
    if (exited)
      throw new Error(`${line.replace(' is ready', '')} ${exited} before it was ready:\n${tail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "${line}" within ${READY_TIMEOUT_MS} ms:\n${tail(logFile)}`);
}

/** Deletes every key under `prefix:` (SCAN + DEL), leaving everyone else's keys alone. */
async function deleteRedisKeys(redisPrefix: string): Promise<number> {
  if (!PLAIN.test(redisPrefix)) throw new Error(`refusing to SCAN for the prefix ${redisPrefix}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 3_000 }).on(
    'error',
    () => undefined, // a failing command rejects; the event adds nothing
  );
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

async function dropSchema(schema: string): Promise<void> {
  if (!PLAIN.test(schema)) throw new Error(`refusing to drop the schema ${schema}`);
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A cluster's data: its Redis keys and its PostgreSQL schema. */
export async function dropClusterData(schema: string, redisPrefix: string): Promise<void> {
  const results = await Promise.allSettled([deleteRedisKeys(redisPrefix), dropSchema(schema)]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0)
    throw new Error(
      `cleaning up ${schema} / ${redisPrefix}: ${failed.map((f) => String(f.reason)).join('; ')}`,
    );
}

/**
 * Synchronous, for an interrupted bench (after killAllServers): removes the registered embedded
 * servers' sandbox files, SIGKILLs every cluster process still running, then drops each cluster's
 * data from a child node process (pg and ioredis cannot run synchronously here).
 */
export function killAllClusters(): void {
  for (const pid of runtimeDirs) removeRuntimeDir(pid);
  runtimeDirs.clear();
  for (const cluster of liveClusters.values()) {
    for (const live of cluster.processes) killNow(live);
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  for (const { schema, redisPrefix } of liveClusters.values()) {
    const done = spawnSync(process.execPath, ['--import', 'tsx', SELF, schema, redisPrefix], {
      cwd: ROOT,
      stdio: 'inherit',
      timeout: 30_000,
    });
    if (done.status !== 0) process.stderr.write(`bench: could not drop ${schema} / ${redisPrefix}\n`);
  }
  liveClusters.clear();
}

/**
 * A new cluster: a fresh schema (migrated here, with an admin key in it) and Redis prefix. Call
 * destroy() when done; an interrupted bench has killAllClusters().
 */
export async function createCluster(name: string, config: Record<string, unknown>): Promise<Cluster> {
  const id = randomBytes(6).toString('hex');
  const schema = `arbiter_bench_${name}_${id}`;
  const redisPrefix = `arbiter-bench-${name}-${id}`;
  const processes = new Set<Live>();
  const dir = mkdtempSync(join(tmpdir(), `arbiter-bench-${name}-`));
  liveClusters.set(schema, { schema, redisPrefix, dir, processes });
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...config, redisPrefix }));

  const stopProcess = async (live: Live, how: 'kill' | 'graceful'): Promise<void> => {
    const { child } = live;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (how === 'graceful') {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      } else {
        child.kill('SIGKILL');
        await exited;
      }
    }
    removeRuntimeDir(child.pid);
    rmSync(live.dir, { recursive: true, force: true });
    processes.delete(live);
  };

  const destroy = async (): Promise<void> => {
    await Promise.all([...processes].map((live) => stopProcess(live, 'kill')));
    rmSync(dir, { recursive: true, force: true });
    try {
      await dropClusterData(schema, redisPrefix);
    } finally {
      liveClusters.delete(schema);
    }
  };

  let key: string;
  try {
    const store = await PostgresStore.connect({ connectionString: POSTGRES_URL, schema });
    try {
      ({ key } = await createApiKey(
        store,
        { name: 'bench', role: 'admin', ratePerSec: KEY_RATE },
        DEFAULT_CONFIG,
      ));
    } finally {
      await store.close();
    }
  } catch (error) {
    await destroy();
    throw new Error(`the scaleout bench needs PostgreSQL at ${POSTGRES_URL}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  let serial = 0;
  const start = async (
    kind: 'serve' | 'worker',
    options: { concurrency?: number } = {},
  ): Promise<ClusterProcess> => {
    const procDir = join(dir, `${kind}-${++serial}`);
    const logFile = `${procDir}.log`;
    const args = [
      '--import',
      'tsx',
      MAIN,
      kind,
      '--data-dir',
      procDir,
      '--config',
      configFile,
      '--redis',
      REDIS_URL,
      '--postgres',
      POSTGRES_URL,
      '--schema',
      schema,
    ];
    if (kind === 'serve') args.push('--port', '0');
    if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
    const log = openSync(logFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const live = { child, dir: procDir };
    processes.add(live);
    let url: string;
    try {
      url = await waitForReady(
        child,
        logFile,
        kind === 'serve' ? 'arbiter is ready' : 'arbiter worker is ready',
      );
    } catch (error) {
      await stopProcess(live, 'kill');
      throw error;
    }
    return { kind, pid: child.pid!, url, logFile, stop: (how = 'graceful') => stopProcess(live, how) };
  };

  return {
    schema,
    redisPrefix,
    key,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    start,
    destroy,
  };
}

// As a script: drop one cluster's data (see killAllClusters).
if (process.argv[1] === SELF) {
  const [schema, redisPrefix] = process.argv.slice(2);
  if (!schema || !redisPrefix) throw new Error('usage: bench/cluster.ts SCHEMA REDIS_PREFIX');
  await dropClusterData(schema, redisPrefix);
}
