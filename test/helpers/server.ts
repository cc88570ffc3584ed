// The one way tests start Arbiter: a real `arbiter serve` or `arbiter worker` child process (the real
// sandbox, so root, bubblewrap and the toolchains are needed), embedded or scale-out, with a JSON
// config file whose settings are the test's merged over a preset, optionally with keys made before it
// starts. Ready when it logs its ready line; the wait is generous, since the machine is shared and a
// start compiles the sources and warms sandbox slots. test/api/helpers.ts, test/client/server.ts,
// test/web/web-server.ts and test/helpers/cluster.ts re-export what their tests use from here.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN = join(root, 'src/cli/main.ts');

/** From spawn to the ready line: tsx compiles the sources and the sandbox warms its slots. */
const READY_TIMEOUT_MS = 120_000;
/** How long a SIGTERM'd process may take to exit before it is killed. */
const STOP_TIMEOUT_MS = 30_000;
/** Output kept per process for failure messages and log assertions: the start, and the latest tail. */
const LOG_HEAD_CHARS = 200_000;
const LOG_TAIL_CHARS = 40_000;

/** An embedded server's preset: no accidental rate limits, two workers (the machine has two cores). */
export const EMBEDDED_TEST_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  ipRatePerSec: 1000,
  defaultKeyRatePerSec: 1000,
  workers: 2,
  logLevel: 'info',
});

/** A scale-out process's preset: no accidental rate limits; a stop does not wait long for jobs. */
export const SCALE_OUT_TEST_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  ipRatePerSec: 100_000,
  defaultKeyRatePerSec: 100_000,
  logLevel: 'info',
  shutdownGraceMs: 2_000,
});

/** Where a scale-out process finds its queue and store. */
export interface ScaleOutSettings {
  redisUrl: string;
  postgresUrl: string;
  schema: string;
  /** Goes into the config file as redisPrefix. */
  redisPrefix: string;
}

export interface StartArbiterOptions {
  /** Default serve. */
  kind?: 'serve' | 'worker';
  /** The preset under `config`; default EMBEDDED_TEST_CONFIG, or SCALE_OUT_TEST_CONFIG with scaleOut. */
  defaults?: Readonly<Record<string, unknown>>;
  /** The test's settings, merged over `defaults`. */
  config?: Record<string, unknown>;
  /** Reuse a data dir (a restart); default a fresh one. */
  dataDir?: string;
  /** Redis and PostgreSQL: scale-out mode. Without it the process is embedded. */
  scaleOut?: ScaleOutSettings;
  /** --workers for serve, --concurrency for worker. */
  workers?: number;
  /** More command-line arguments. */
  args?: readonly string[];
  /** Remove the data dir and config file when the process is stopped, rather than at cleanup(). */
  removeDirsOnStop?: boolean;
}

const tempDirs = new Set<string>();
const liveProcesses = new Set<ArbiterProcess>();

/** A fresh temp dir, removed by cleanup() or removeTempDirs(). */
export function tempDir(prefix = 'arbiter-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** The environment for child processes: the tests decide, not ARBITER_* of the calling shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ARBITER_')),
  );
  return { ...env, ...extra };
}

/** One `arbiter serve` or `arbiter worker` child process. */
export class ArbiterProcess {
  readonly #log = { head: '', tail: '' };
  readonly #ownDirs: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** From the ready line: the API's URL (serve) or '' (worker). */
  url = '';
  /** The URL's port (0 for a worker). */
  port = 0;
  /** From the ready line: the worker id it registers under ('' for an API node without programs). */
  workerId = '';
  /** From a worker's ready line: the URL of its /metrics ('' for `serve`). */
  metricsUrl = '';
  readyAt = 0;

  constructor(
    readonly kind: 'serve' | 'worker',
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly startedAt: number,
    ownDirs: string[] = [],
  ) {
    this.#ownDirs = ownDirs;
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

  /** Its stdout and stderr so far (JSON log lines), for assertions and their messages. */
  get log(): string {
    if (this.#log.tail === '') return this.#log.head;
    // The tail starts at a whole line, so every line shown is one the process wrote.
    return `${this.#log.head}\n[...]\n${this.#log.tail.slice(this.#log.tail.indexOf('\n') + 1)}`;
  }

  /** Graceful stop (SIGTERM); resolves with the exit code, fails when it had to be killed. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<number | null> {
    try {
      if (!this.running) return (await this.exited).code;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      try {
        const { code, signal } = await this.exited;
        if (signal === 'SIGKILL')
          throw new Error(`${this.kind} did not exit within ${timeoutMs} ms of SIGTERM:\n${this.log}`);
        return code;
      } finally {
        clearTimeout(timer);
      }
    } finally {
      this.#forget();
    }
  }

  /** A crash: SIGKILL, no chance to clean up. */
  async kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    // The sandbox pool keeps generated passwd/hosts files under /run/arbiter/<pid>; a crash leaves them.
    if (this.child.pid !== undefined)
      rmSync(join('/run/arbiter', String(this.child.pid)), { recursive: true, force: true });
    this.#forget();
  }

  #forget(): void {
    liveProcesses.delete(this);
    for (const dir of this.#ownDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Spawns `arbiter serve` or `arbiter worker` and waits for its ready line (see StartArbiterOptions). */
export async function startArbiter(options: StartArbiterOptions = {}): Promise<ArbiterProcess> {
  const kind = options.kind ?? 'serve';
  const { scaleOut } = options;
  const dir = options.removeDirsOnStop
    ? mkdtempSync(join(tmpdir(), `arbiter-${kind}-`))
    : tempDir(`arbiter-${kind}-`);
  const dataDir = options.dataDir ?? join(dir, 'data');
  const configFile = join(dir, 'config.json');
  const defaults = options.defaults ?? (scaleOut ? SCALE_OUT_TEST_CONFIG : EMBEDDED_TEST_CONFIG);
  const config = { ...defaults, ...(scaleOut && { redisPrefix: scaleOut.redisPrefix }), ...options.config };
  writeFileSync(configFile, JSON.stringify(config));
  const args = ['--import', 'tsx', MAIN, kind, '--data-dir', dataDir, '--config', configFile];
  if (scaleOut)
    args.push('--redis', scaleOut.redisUrl, '--postgres', scaleOut.postgresUrl, '--schema', scaleOut.schema);
  if (kind === 'serve') args.push('--port', '0');
  if (options.workers !== undefined)
    args.push(kind === 'serve' ? '--workers' : '--concurrency', String(options.workers));
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv(),
  });
  const ownDirs = options.removeDirsOnStop ? [dir, dataDir] : [];
  const proc = new ArbiterProcess(kind, child, dataDir, Date.now(), ownDirs);
  // Tracked from spawn on, not from ready: when processes start side by side and one fails, cleanup()
  // runs while the others are still starting, and must stop them too or the test file never ends.
  liveProcesses.add(proc);
  void proc.exited.then(() => liveProcesses.delete(proc));
  const readyLine = kind === 'serve' ? 'arbiter is ready' : 'arbiter worker is ready';
  try {
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
          proc.port = proc.url === '' ? 0 : Number(new URL(proc.url).port);
          proc.workerId = parsed.workerId ?? '';
          proc.metricsUrl = parsed.metrics ?? '';
          proc.readyAt = Date.now();
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve();
          return;
        }
      };
      child.stdout!.on('data', onData);
      void proc.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(`${kind} exited (code ${code}, signal ${signal}) before it was ready:\n${proc.log}`),
        );
      });
    });
  } catch (error) {
    await proc.kill9();
    throw error;
  }
  return proc;
}

/** An embedded `arbiter serve`: `config` merged over EMBEDDED_TEST_CONFIG. */
export function startServer(
  config: Record<string, unknown> = {},
  options: Omit<StartArbiterOptions, 'config' | 'kind' | 'scaleOut'> = {},
): Promise<ArbiterProcess> {
  return startArbiter({ ...options, config });
}

/**
 * An embedded server with two keys made before it starts: a student's (role user) and a teacher's
 * (admin), as most API tests need them.
 */
export async function startServerWithKeys(
  config: Record<string, unknown> = {},
  options: Omit<StartArbiterOptions, 'config' | 'kind' | 'scaleOut' | 'dataDir'> = {},
): Promise<{ server: ArbiterProcess; userKey: string; adminKey: string }> {
  const dataDir = join(tempDir(), 'data');
  const userKey = createKey(dataDir, { name: 'student', role: 'user' }).key;
  const adminKey = createKey(dataDir, { name: 'teacher', role: 'admin' }).key;
  return { server: await startServer(config, { ...options, dataDir }), userKey, adminKey };
}

/** Kills every Arbiter process still running or starting (SIGKILL). For after() hooks. */
export async function killAllArbiters(): Promise<void> {
  await Promise.all([...liveProcesses].map((proc) => proc.kill9()));
}

/** Kills every process still running or starting and removes every temp dir. For after() hooks. */
export async function cleanup(): Promise<void> {
  await killAllArbiters();
  removeTempDirs();
}

/** Runs the arbiter CLI (from source) to completion, synchronously. */
export function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: cleanEnv(),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the arbiter CLI (from source) to completion; SIGKILLs it past `timeoutMs` (default 60 s). */
export function arbiter(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv(options.env),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
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

/** A Python program that sleeps, then prints `text`. */
export const sleepyPython = (seconds: number, text = 'done'): string =>
  `import time\ntime.sleep(${seconds})\nprint(${JSON.stringify(text)})\n`;
