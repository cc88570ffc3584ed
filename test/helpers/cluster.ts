// Helpers for the cluster tests: real `arbiter serve` and `arbiter worker` processes in scale-out
// mode (the real sandbox, so root, bubblewrap and the toolchains are needed), a keep-alive HTTP
// client, SSE and WebSocket subscribers, and private Redis and PostgreSQL servers a test may stop
// and start at will. Nothing here touches keys or schemas of other tests: everything is scoped by a
// unique Redis key prefix and PostgreSQL schema, and the machine's own services are never stopped.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { openTestPostgresStore, type TestPostgresStore } from './postgres.js';
import { TEST_REDIS_URL, connectTestRedis, deleteKeys } from './redis.js';
import {
  killAllArbiters,
  removeTempDirs,
  startArbiter,
  tempDir,
  type ArbiterProcess,
  type ScaleOutSettings,
} from './server.js';

const run = promisify(execFile);

export { ArbiterProcess, killAllArbiters, removeTempDirs, root, tempDir } from './server.js';

/** A Redis key prefix no other test uses (letters, digits and '-': nothing SCAN MATCH reads as a glob). */
export function uniqueRedisPrefix(name = 'cluster'): string {
  return `arbiter-test-${name}-${randomBytes(8).toString('hex')}`;
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
// Arbiter processes: test/helpers/server.ts starts them, in scale-out mode here.

export interface ClusterSettings extends ScaleOutSettings {
  /** More settings for the config file (over SCALE_OUT_TEST_CONFIG). */
  config?: Record<string, unknown>;
}

/**
 * Spawns `arbiter serve` (an API node; it runs programs only when `workers` is given) or `arbiter
 * worker`, with the settings in a JSON config file, and waits for its ready line.
 */
export function spawnArbiter(
  kind: 'serve' | 'worker',
  settings: ClusterSettings,
  options: { workers?: number; args?: readonly string[] } = {},
): Promise<ArbiterProcess> {
  return startArbiter({ kind, scaleOut: settings, config: settings.config, ...options });
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
    const dir = tempDir('arbiter-pg-');
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
