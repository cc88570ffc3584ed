// Helpers for the API integration tests: real `arbiter serve` processes (the real sandbox, so root,
// bubblewrap and the toolchains are needed), real HTTP with the global fetch, real temp dirs.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(root, 'src/cli/main.ts');

/** How long a server may take from spawn to "arbiter is ready" (it warms sandbox slots). */
const READY_TIMEOUT_MS = 90_000;
/** How long a SIGTERM'd server may take to exit before the helper gives up on it. */
const STOP_TIMEOUT_MS = 30_000;
/** Output kept per server for failure messages. */
const MAX_LOG_CHARS = 200_000;

/** Settings every test server gets unless the test overrides them: no accidental rate limits. */
const BASE_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  ipRatePerSec: 1000,
  defaultKeyRatePerSec: 1000,
  workers: 2,
  logLevel: 'info',
});

const tempDirs = new Set<string>();
const liveServers = new Set<TestServer>();
const startingChildren = new Set<ChildProcess>();

/** A fresh temp dir, removed by cleanup(). */
export function tempDir(prefix = 'arbiter-api-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export class TestServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly #log: { text: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    child: ChildProcess,
    url: string,
    dataDir: string,
    log: { text: string },
    exited: TestServer['exited'],
  ) {
    this.child = child;
    this.url = url;
    this.port = Number(new URL(url).port);
    this.dataDir = dataDir;
    this.#log = log;
    this.exited = exited;
  }

  /** The server's stdout and stderr so far (JSON log lines), for assertion messages. */
  get log(): string {
    return this.#log.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Graceful stop (SIGTERM); resolves with the exit code. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<number | null> {
    if (!this.running) return (await this.exited).code;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      const { code, signal } = await this.exited;
      if (signal === 'SIGKILL') throw new Error(`server did not exit within ${timeoutMs} ms of SIGTERM`);
      return code;
    } finally {
      clearTimeout(timer);
      liveServers.delete(this);
    }
  }

  /** A crash: SIGKILL, no chance to clean up. */
  async kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    liveServers.delete(this);
    // The sandbox pool keeps generated passwd/hosts files under /run/arbiter/<pid>; a crash leaves them.
    if (this.child.pid !== undefined)
      rmSync(join('/run/arbiter', String(this.child.pid)), { recursive: true, force: true });
  }
}

export interface StartOptions {
  /** Reuse a data dir (restarts); default a fresh one. */
  dataDir?: string;
}

/**
 * Spawns `arbiter serve --port 0` with `config` (over BASE_CONFIG) in a JSON config file, waits for
 * the "arbiter is ready" log line and reads the URL from it.
 */
export async function startServer(
  config: Record<string, unknown> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? join(tempDir(), 'data');
  const configFile = join(tempDir('arbiter-config-'), 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...BASE_CONFIG, ...config }));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: withoutArbiterEnv() },
  );
  const log = { text: '' };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Tracked from spawn on, not from ready: when servers start side by side and one fails, cleanup()
  // runs while the others are still starting, and must stop them too or the test file never ends.
  startingChildren.add(child);
  void exited.then(() => startingChildren.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready within ${READY_TIMEOUT_MS} ms:\n${log.text}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (log.text.length < MAX_LOG_CHARS) log.text += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('arbiter is ready')) continue;
        const parsed = JSON.parse(line) as { url?: string };
        if (typeof parsed.url === 'string') {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (log.text.length < MAX_LOG_CHARS) log.text += chunk.toString('utf8');
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready:\n${log.text}`));
    });
  });
  const server = new TestServer(child, url, dataDir, log, exited);
  liveServers.add(server);
  return server;
}

/** The tests' config files decide; ARBITER_* variables of the calling shell must not. */
function withoutArbiterEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ARBITER_')));
}

/** Kills every server still running or starting (SIGKILL) and removes every temp dir. For after() hooks. */
export async function cleanup(): Promise<void> {
  await Promise.all([...liveServers].map((server) => server.kill9()));
  await Promise.all(
    [...startingChildren].map((child) => {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      else return undefined;
      return gone;
    }),
  );
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Runs the arbiter CLI to completion. */
export function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: withoutArbiterEnv(),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `arbiter keys create` on a data dir; returns the key (shown once) and its id. */
export function createKey(
  dataDir: string,
  options: { name: string; role?: 'admin' | 'user'; rate?: number; priority?: number },
): { key: string; id: string } {
  const args = [
    'keys',
    'create',
    '--name',
    options.name,
    '--role',
    options.role ?? 'user',
    '--data-dir',
    dataDir,
  ];
  if (options.rate !== undefined) args.push('--rate', String(options.rate));
  if (options.priority !== undefined) args.push('--priority', String(options.priority));
  const result = cli(...args);
  assert.equal(result.code, 0, `keys create failed: ${result.stderr}`);
  const id = /key ([0-9a-f-]{36})/.exec(result.stderr)?.[1];
  assert.ok(id, `no key id in: ${result.stderr}`);
  return { key: result.stdout.trim(), id };
}

export function revokeKey(dataDir: string, id: string): void {
  const result = cli('keys', 'revoke', id, '--data-dir', dataDir);
  assert.equal(result.code, 0, `keys revoke failed: ${result.stderr}`);
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** API key, sent as Authorization: Bearer. */
  key?: string;
  timeoutMs?: number;
}

/** One HTTP request to a test server. */
export async function request<T = Record<string, unknown>>(
  server: TestServer | string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const base = typeof server === 'string' ? server : server.url;
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = await fetch(base + path, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined; // not JSON (e.g. /metrics): callers read `text`
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

/** The result shape of DESIGN.md, as far as the tests read it. */
export interface StageView {
  status?: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal?: number | null;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
}

export interface TestView {
  status: string;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  weight?: number;
  stdout?: string;
  stderr?: string;
  message?: string;
  hidden?: boolean;
}

export interface SubmissionView {
  id: string;
  status: string;
  language: string;
  version: string | null;
  position?: number;
  problemId?: string;
  user?: string;
  compile?: StageView;
  run?: StageView;
  tests: TestView[];
  score: number | null;
  maxScore: number | null;
  message?: string;
  attempts: number;
  queueMs: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ErrorBody {
  error: string;
  message: string;
  status: number;
  timestamp: string;
  path: string;
  requestId: string;
  retryAfter?: number;
}

export const isFinal = (status: string): boolean => status !== 'queued' && status !== 'running';

/** Asserts the one error format of DESIGN.md, and optionally its status and code. */
export function assertErrorBody(
  response: ApiResponse<unknown>,
  expected: { status?: number; code?: string; path?: string } = {},
): ErrorBody {
  const context = `${response.status} ${response.text.slice(0, 500)}`;
  if (expected.status !== undefined) assert.equal(response.status, expected.status, context);
  assert.ok(response.status >= 400, context);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/, context);
  const body = response.body as ErrorBody;
  assert.ok(body && typeof body === 'object', `error body is not a JSON object: ${context}`);
  assert.equal(typeof body.error, 'string', context);
  assert.match(body.error, /^ARB_ERR_[A-Z_]+$/, context);
  assert.equal(typeof body.message, 'string', context);
  assert.ok(body.message.length > 0, context);
  assert.equal(body.status, response.status, context);
  assert.equal(typeof body.timestamp, 'string', context);
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)), `timestamp ${body.timestamp}`);
  assert.equal(typeof body.path, 'string', context);
  assert.equal(typeof body.requestId, 'string', context);
  assert.ok(body.requestId.length > 0, context);
  assert.equal(body.requestId, response.headers.get('x-request-id'), `requestId vs X-Request-Id: ${context}`);
  if (expected.code !== undefined) assert.equal(body.error, expected.code, context);
  if (expected.path !== undefined) assert.equal(body.path, expected.path, context);
  return body;
}

/** Polls `probe` until `done` holds or the deadline passes (then fails, showing the last value). */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      assert.fail(
        `timed out waiting for ${options.what ?? 'a condition'}; last value: ${JSON.stringify(value).slice(0, 2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** POST /api/v1/submissions; asserts 202 and returns the id. */
export async function submit(
  server: TestServer,
  body: Record<string, unknown>,
  key?: string,
): Promise<string> {
  const response = await request<{ id: string; status: string; position: number }>(
    server,
    'POST',
    '/api/v1/submissions',
    { body, key },
  );
  assert.equal(response.status, 202, response.text);
  assert.equal(response.body.status, 'queued', response.text);
  return response.body.id;
}

/** POST /api/v1/submissions?wait=true; asserts 200 and returns the result. */
export async function submitAndWait(
  server: TestServer,
  body: Record<string, unknown>,
  key?: string,
): Promise<SubmissionView> {
  const response = await request<SubmissionView>(server, 'POST', '/api/v1/submissions?wait=true', {
    body,
    key,
    timeoutMs: 60_000,
  });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

export async function getSubmission(server: TestServer, id: string, key?: string): Promise<SubmissionView> {
  const response = await request<SubmissionView>(server, 'GET', `/api/v1/submissions/${id}`, { key });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

/** Polls GET /api/v1/submissions/:id until the submission reaches a final status. */
export function waitFinal(
  server: TestServer,
  id: string,
  key?: string,
  timeoutMs = 30_000,
): Promise<SubmissionView> {
  return pollUntil(
    () => getSubmission(server, id, key),
    (s) => isFinal(s.status),
    { timeoutMs, what: `submission ${id} to finish` },
  );
}

/** Polls until the submission is running in a worker. */
export function waitRunning(
  server: TestServer,
  id: string,
  key?: string,
  timeoutMs = 20_000,
): Promise<SubmissionView> {
  return pollUntil(
    () => getSubmission(server, id, key),
    (s) => s.status !== 'queued',
    { timeoutMs, what: `submission ${id} to start` },
  ).then((s) => {
    assert.equal(s.status, 'running', `expected ${id} to be running: ${JSON.stringify(s)}`);
    return s;
  });
}

/** The sum of the Prometheus samples `name{labels} value` whose labels include `labels`; null when none. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line.trim());
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

export async function metrics(server: TestServer): Promise<string> {
  const response = await request(server, 'GET', '/metrics');
  assert.equal(response.status, 200, response.text);
  return response.text;
}

/** A Python program that sleeps, then prints `text`. */
export const sleepyPython = (seconds: number, text = 'done'): string =>
  `import time\ntime.sleep(${seconds})\nprint(${JSON.stringify(text)})\n`;

/**
 * A server with two keys made before it starts: a student's (role user) and a teacher's (admin),
 * as most API tests need them.
 */
export async function startServerWithKeys(
  config: Record<string, unknown> = {},
): Promise<{ server: TestServer; userKey: string; adminKey: string }> {
  const dataDir = join(tempDir(), 'data');
  const userKey = createKey(dataDir, { name: 'student', role: 'user' }).key;
  const adminKey = createKey(dataDir, { name: 'teacher', role: 'admin' }).key;
  return { server: await startServer(config, { dataDir }), userKey, adminKey };
}
