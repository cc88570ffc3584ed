// A real `arbiter serve` for the SDK and remote-CLI tests: spawned as a child process on port 0,
// ready when it logs "arbiter is ready" with its url. It needs what the server needs (root,
// bubblewrap, the toolchains); without them it fails to start and the test fails saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN = join(root, 'src/cli/main.ts');

/** From spawn to "arbiter is ready" (warming sandbox slots takes a few seconds on a busy machine). */
const READY_TIMEOUT_MS = 60_000;
/** From SIGTERM to exit before the helper kills it. */
const STOP_TIMEOUT_MS = 15_000;
/** Log kept for failure messages. */
const MAX_LOG_CHARS = 100_000;

/** No accidental rate limits, two workers (the machine has two cores, shared). */
export const TEST_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  ipRatePerSec: 1000,
  defaultKeyRatePerSec: 1000,
  workers: 2,
  // Stopping a server must not wait long for a sleeping test program.
  shutdownGraceMs: 1000,
});

export interface RunningServer {
  url: string;
  dataDir: string;
  /** stdout and stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after a while; removes the temp dir. */
  stop(): Promise<void>;
}

/** The environment for child processes: ARBITER_* of the calling shell must not leak into tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ARBITER_')),
  );
  return { ...env, ...extra };
}

export async function startServer(config: Record<string, unknown> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-client-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...TEST_CONFIG, ...config }));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() },
  );
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`arbiter serve was not ready within ${READY_TIMEOUT_MS} ms:\n${log}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (log.length < MAX_LOG_CHARS) log += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('arbiter is ready')) continue;
        const parsed = JSON.parse(line) as { url?: unknown };
        if (typeof parsed.url === 'string') {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`arbiter serve exited (${code ?? signal}) before it was ready:\n${log}`));
    });
  });
  return {
    url,
    dataDir,
    log: () => log,
    stop: async () => {
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
      // The sandbox pool keeps per-process files under /run/arbiter/<pid>; a killed server leaves them.
      if (child.pid !== undefined)
        rmSync(join('/run/arbiter', String(child.pid)), { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
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

/** A Python program that sleeps, then prints `text`. */
export const sleepyPython = (seconds: number, text = 'done'): string =>
  `import time\ntime.sleep(${seconds})\nprint(${JSON.stringify(text)})\n`;
