// Helpers for the cluster tests: real `arbiter serve` and `arbiter worker` processes in scale-out
// mode (the real sandbox, so root, bubblewrap and the toolchains are needed), a keep-alive HTTP
// client, SSE and WebSocket subscribers, and private Redis and PostgreSQL servers a test may stop
// and start at will. Nothing here touches keys or schemas of other tests: everything is scoped by a
// unique Redis key prefix and PostgreSQL schema, and the machine's own services are never stopped.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { openTestPostgresStore, type TestPostgresStore } from './postgres.js';
import { TEST_REDIS_URL, connectTestRedis, deleteKeys } from './redis.js';

const run = promisify(execFile);

export const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(root, 'src/cli/main.ts');

/** From spawn to the ready line: tsx compiles the sources and the sandbox warms its slots. */
const READY_TIMEOUT_MS = 60_000;
/** A SIGTERM'd process gets this long before it is killed. */
const STOP_TIMEOUT_MS = 20_000;
/** Output kept per process for failure messages: the start, and the latest tail. */
const LOG_HEAD_CHARS = 20_000;
const LOG_TAIL_CHARS = 40_000;

/** Settings every cluster process gets unless the test overrides them: no accidental rate limits. */
const BASE_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  ipRatePerSec: 100_000,
  defaultKeyRatePerSec: 100_000,
  logLevel: 'info',
  // Short, so a test's stop does not wait for long-running jobs.
  shutdownGraceMs: 2_000,
});

/** A Redis key prefix no other test uses (letters, digits and '-': nothing SCAN MATCH reads as a glob). */
export function uniqueRedisPrefix(name = 'cluster'): string {
  return `arbiter-test-${name}-${randomBytes(8).toString('hex')}`;
}

const tempDirs = new Set<string>();

/** A fresh temp dir, removed by removeTempDirs(). */
export function tempDir(prefix = 'arbiter-cluster-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until `done` holds or the deadline passes (then fails, showing the last value). */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      assert.fail(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}; last value: ${JSON.stringify(value)?.slice(0, 2000)}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

// ---------------------------------------------------------------------------------------------------
// Arbiter processes.

export interface ClusterSettings {
  redisUrl: string;
  postgresUrl: string;
  schema: string;
  /** Goes into the JSON config file as redisPrefix. */
  redisPrefix: string;
  /** More settings for the config file (over BASE_CONFIG). */
  config?: Record<string, unknown>;
}

/** One `arbiter serve` or `arbiter worker` child process. */
export class ArbiterProcess {
  readonly #log = { head: '', tail: '' };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** From the ready line: the API's URL (serve) or '' (worker). */
  url = '';
  /** From the ready line: the worker id it registers under ('' for an API node without programs). */
  workerId = '';
  /** From a worker's ready line: the URL of its /metrics ('' for `serve`). */
  metricsUrl = '';
  readyAt = 0;

  constructor(
    readonly kind: 'serve' | 'worker',
    readonly child: ChildProcess,
    readonly startedAt: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (this.#log.head.length < LOG_HEAD_CHARS) this.#log.head += text;
      else this.#log.tail = (this.#log.tail + text).slice(-LOG_TAIL_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its output so far (JSON log lines), for assertion messages. */
  get log(): string {
    return this.#log.tail === '' ? this.#log.head : `${this.#log.head}\n[...]\n${this.#log.tail}`;
  }

  /** A crash: SIGKILL, no chance to clean up. */
  async kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    // The sandbox pool keeps generated passwd/hosts files under /run/arbiter/<pid>; a crash leaves them.
    if (this.child.pid !== undefined)
      rmSync(join('/run/arbiter', String(this.child.pid)), { recursive: true, force: true });
  }

  /** Graceful stop (SIGTERM), SIGKILL past the timeout. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const liveProcesses = new Set<ArbiterProcess>();

/** The tests' config files decide; ARBITER_* variables of the calling shell must not. */
function withoutArbiterEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ARBITER_')));
}

/**
 * Spawns `arbiter serve` (an API node; it runs programs only when `workers` is given) or `arbiter
 * worker`, with the settings in a JSON config file, and waits for its ready line.
 */
export async function spawnArbiter(
  kind: 'serve' | 'worker',
  settings: ClusterSettings,
  options: { workers?: number; args?: readonly string[] } = {},
): Promise<ArbiterProcess> {
  const dir = tempDir(`arbiter-${kind}-`);
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({ ...BASE_CONFIG, redisPrefix: settings.redisPrefix, ...settings.config }),
  );
  const args = [
    '--import',
    'tsx',
    MAIN,
    kind,
    '--data-dir',
    join(dir, 'data'),
    '--config',
    configFile,
    '--redis',
    settings.redisUrl,
    '--postgres',
    settings.postgresUrl,
    '--schema',
    settings.schema,
  ];
  if (kind === 'serve') args.push('--port', '0');
  if (options.workers !== undefined)
    args.push(kind === 'serve' ? '--workers' : '--concurrency', String(options.workers));
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withoutArbiterEnv(),
  });
  const proc = new ArbiterProcess(kind, child, Date.now());
  liveProcesses.add(proc);
  void proc.exited.then(() => liveProcesses.delete(proc));
  const readyLine = kind === 'serve' ? 'arbiter is ready' : 'arbiter worker is ready';
  await new Promise<void>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} not ready within ${READY_TIMEOUT_MS} ms:\n${proc.log}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes(readyLine)) continue;
        const parsed = JSON.parse(line) as { url?: string; workerId?: string; metrics?: string | null };
        proc.url = parsed.url ?? '';
        proc.workerId = parsed.workerId ?? '';
        proc.metricsUrl = parsed.metrics ?? '';
        proc.readyAt = Date.now();
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited (code ${code}, signal ${signal}) before it was ready:\n${proc.log}`));
    });
  });
  return proc;
}

/** Kills every Arbiter process still running (SIGKILL). For after() hooks. */
export async function killAllArbiters(): Promise<void> {
  await Promise.all([...liveProcesses].map((proc) => proc.kill9()));
}

// ---------------------------------------------------------------------------------------------------
// Redis.

/**
 * "FLUSHALL" for one deployment: deletes every key under `prefix` (SCAN + DEL), leaving the keys of
 * everyone else sharing the Redis alone. Returns how many keys there were just before.
 */
export async function wipeDeployment(redis: Redis, prefix: string): Promise<number> {
  assert.match(prefix, /^[\w-]+$/, 'a prefix with glob characters would match other keys');
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  await deleteKeys(redis, prefix);
  return count;
}

/** A deployment of a test's own on the machine's Redis and PostgreSQL. */
export interface TestDeployment {
  /** For spawnArbiter: a fresh schema (migrated) and Redis key prefix. */
  settings: ClusterSettings;
  /** A store on the deployment's schema, to read or write what its processes see. */
  postgres: TestPostgresStore;
  redis: Redis;
  /** Kills every Arbiter process, deletes the prefix's keys, drops the schema, removes temp dirs. */
  teardown(): Promise<void>;
}

/**
 * A fresh schema and key prefix on the machine's PostgreSQL and Redis, for processes started with
 * spawnArbiter(kind, deployment.settings). Fails, naming the service, when either is missing.
 */
export async function openTestDeployment(
  name: string,
  config?: Record<string, unknown>,
): Promise<TestDeployment> {
  const postgres = await openTestPostgresStore();
  const redis = await connectTestRedis();
  const settings: ClusterSettings = {
    redisUrl: TEST_REDIS_URL,
    postgresUrl: postgres.connectionString,
    schema: postgres.schema,
    redisPrefix: uniqueRedisPrefix(name),
    config,
  };
  return {
    settings,
    postgres,
    redis,
    teardown: async () => {
      await killAllArbiters();
      await wipeDeployment(redis, settings.redisPrefix);
      redis.disconnect();
      await postgres.drop();
      removeTempDirs();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// HTTP.

export interface HttpResponse<T> {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body; undefined when empty or not JSON. */
  body: T;
  ms: number;
}

/**
 * A JSON request over `agent` (a keep-alive agent reuses its sockets). Rejects when no full answer
 * came within `timeoutMs`: the outage tests use that to prove the server never hangs.
 */
export function httpJson<T = Record<string, unknown>>(
  url: string,
  options: { method?: string; body?: unknown; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<HttpResponse<T>> {
  const started = Date.now();
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined; // not JSON: callers read `text`
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            body: body as T,
            ms: Date.now() - started,
          });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`${options.method ?? 'GET'} ${url}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(payload);
  });
}

/** Runs `work` over `items` with at most `concurrency` at once; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Push: SSE and WebSocket.

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** One SSE subscription: collects events until the server ends the stream. */
export class SseSubscriber {
  readonly events: SseEvent[] = [];
  /** Resolves when the stream ends (the server closes it after `finished`) or fails. */
  readonly ended: Promise<{ error?: Error }>;
  readonly #request: http.ClientRequest;
  status = 0;

  constructor(url: string) {
    let settle!: (outcome: { error?: Error }) => void;
    this.ended = new Promise((resolve) => (settle = resolve));
    // agent: false: a connection of its own, so a hundred open streams never queue behind each other.
    this.#request = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      this.status = res.statusCode ?? 0;
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '') this.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      res.on('end', () => settle({}));
      res.on('error', (error) => settle({ error }));
    });
    this.#request.on('error', (error) => settle({ error }));
  }

  close(): void {
    this.#request.destroy();
  }
}

/** A WebSocket subscribed to every submission ({"subscribe": "all"}; loopback callers are admins). */
export class AllEventsSubscriber {
  readonly socket: WebSocket;
  /** `finished` events received, per submission id. */
  readonly finished = new Map<string, number>();
  readonly opened: Promise<void>;

  constructor(baseUrl: string) {
    this.socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/ws`);
    this.socket.on('error', () => undefined); // closing mid-handshake in cleanup is not a failure
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type?: string; id?: string; subscribe?: unknown };
        if (message.type === 'subscribed') resolve();
        if (message.type === 'finished' && typeof message.id === 'string')
          this.finished.set(message.id, (this.finished.get(message.id) ?? 0) + 1);
      });
      this.socket.once('open', () => this.socket.send(JSON.stringify({ subscribe: 'all' })));
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

// ---------------------------------------------------------------------------------------------------
// Private Redis and PostgreSQL servers, for tests that stop them.

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `redis-server` as a child of the test, without persistence: a restart starts empty. */
export class PrivateRedis {
  #child: ChildProcess | null = null;
  #log = '';

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** Starts redis-server on this port (again) and waits until it accepts connections. */
  async start(timeoutMs = 10_000): Promise<void> {
    assert.ok(!this.running, 'this redis-server runs already');
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    this.#log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server not ready within ${timeoutMs} ms:\n${this.#log}`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        this.#log += chunk.toString('utf8');
        if (this.#log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`this test needs redis-server on the PATH: ${error.message}`, { cause: error }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (code ${code}, signal ${signal}):\n${this.#log}`));
      });
    });
  }

  /** An outage: SIGKILL, so clients see their connections drop at once. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Where Debian installs PostgreSQL's server binaries. */
const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the test's own: initdb into a temp dir as the `postgres` OS user (the
 * server refuses to run as root), trust authentication, listening on 127.0.0.1:<port> and a socket
 * in the same dir.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-pg-'));
    tempDirs.add(dir);
    const pg = new PrivatePostgres(dir, await freePort());
    try {
      const { uid, gid } = await postgresUser();
      chownSync(dir, uid, gid);
      await pg.#asPostgres(`${PG_BIN}/initdb`, [
        '-D',
        pg.dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
      ]);
    } catch (error) {
      throw new Error(
        `this test needs PostgreSQL's server binaries in ${PG_BIN} and a postgres OS user: ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      await pg.start();
    } catch (error) {
      await pg.destroy(); // pg_ctl may give up waiting on a server that comes up after all
      throw error;
    }
    return pg;
  }

  /** pg_ctl start; waits until it accepts connections. */
  async start(): Promise<void> {
    await this.#asPostgres(`${PG_BIN}/pg_ctl`, [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'postgres.log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** pg_ctl stop; `fast` disconnects clients and stops at once. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Whether the server runs (pg_ctl status exits 3 when it does not). */
  isRunning(): Promise<boolean> {
    return this.#asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, 'status']).then(
      () => true,
      () => false,
    );
  }

  /** Stops the server if it runs (for after() hooks); the dir goes with removeTempDirs(). */
  async destroy(): Promise<void> {
    if (await this.isRunning()) await this.stop('immediate');
  }

  async #asPostgres(command: string, args: string[]): Promise<void> {
    await run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 60_000, cwd: this.dir });
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
}
