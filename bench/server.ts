import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SubmissionView } from '../src/service/submission-view.js';
import { JsonClient } from './json-client.js';

/** The project root: the server runs from source, exactly as `arbiter serve` does under tsx. */
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const READY_TIMEOUT_MS = 60_000;
/** The admin key's rate, requests per second: far above anything the bench sends. */
const KEY_RATE = '100000';

/** Settings that keep the server's own rate limits and queue cap out of every figure. */
export const UNLIMITED: Readonly<Record<string, unknown>> = Object.freeze({
  ipRatePerSec: 1_000_000,
  // Following (SSE, WebSocket) has its own per-address bucket ([N]); the subscribers section opens
  // 10,000 from one address faster than its default 1,000/s.
  ipReadRatePerSec: 1_000_000,
  maxQueueLength: 1_000_000,
});

export interface BenchServer {
  url: string;
  /** An admin key with a rate far above anything the bench sends. */
  key: string;
  pid: number;
  /** Where its log (one JSON line per event, two per request at the default level) goes. */
  logFile: string;
  /** Headers every request to the API carries. */
  headers: Record<string, string>;
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  get<T>(path: string): Promise<{ status: number; body: T }>;
  /** Stops the server (SIGKILL at once, or SIGTERM and SIGKILL after a grace) and deletes its data. */
  stop(how?: 'kill' | 'graceful'): Promise<void>;
}

/** Servers still running, so an interrupted bench can kill them and delete their data. */
const live = new Set<{ child: ChildProcess; dir: string }>();

/** Synchronous: called on the way out of an interrupted bench. */
export function killAllServers(): void {
  for (const server of live) {
    server.child.kill('SIGKILL');
    rmSync(server.dir, { recursive: true, force: true });
  }
  live.clear();
}

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

/** `arbiter keys create` an admin key in the data directory; returns the key it prints. */
function createKey(dataDir: string, env: NodeJS.ProcessEnv): string | undefined {
  const args = [
    'keys',
    'create',
    '--name',
    'bench',
    '--role',
    'admin',
    '--rate',
    KEY_RATE,
    '--data-dir',
    dataDir,
  ];
  try {
    return execFileSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')
      .find((line) => line.startsWith('arb_'));
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const lines = stderr.split('\n').filter((line) => line.trim() && !line.trim().startsWith('at '));
    throw new Error(`arbiter keys create failed: ${lines.slice(0, 8).join('\n')}`);
  }
}

/** Waits for the "arbiter is ready" log line and returns the URL it names. */
async function waitForReady(child: ChildProcess, logFile: string): Promise<string> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  while (performance.now() < deadline) {
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      if (!line.includes('arbiter is ready')) continue;
      const url = (JSON.parse(line) as { url?: unknown }).url;
      if (typeof url === 'string') return url;
    }
    if (exited) throw new Error(`arbiter serve ${exited} before it was ready:\n${tail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`arbiter serve was not ready within ${READY_TIMEOUT_MS} ms:\n${tail(logFile)}`);
}

/**
 * Starts `arbiter serve --port 0` on a fresh data directory with `config` as its config file,
 * after creating an admin key there with `arbiter keys create`. The server's stdout and stderr go
 * to a file, so the bench process never spends time reading its log.
 */
export async function startServer(config: Record<string, unknown>): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-service-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'config.json');
  const logFile = join(dir, 'server.log');
  writeFileSync(configFile, JSON.stringify(config));
  const env = cleanEnv();
  try {
    const key = createKey(dataDir, env);
    if (!key) throw new Error('arbiter keys create printed no key');
    const log = openSync(logFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configFile],
        { cwd: ROOT, env, stdio: ['ignore', log, log] },
      );
    } finally {
      closeSync(log);
    }
    const entry = { child, dir };
    live.add(entry);
    let url: string;
    try {
      url = await waitForReady(child, logFile);
    } catch (error) {
      child.kill('SIGKILL');
      live.delete(entry);
      throw error;
    }
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const client = new JsonClient(url, headers);
    const request = <T>(method: string, path: string, body?: unknown) =>
      client.request<T>(method, path, body);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    return {
      url,
      key,
      pid: child.pid!,
      logFile,
      headers,
      post: (path, body) => request('POST', path, body),
      get: (path) => request('GET', path),
      async stop(how = 'kill') {
        client.close();
        if (how === 'graceful') {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        } else {
          child.kill('SIGKILL');
          await exited;
        }
        live.delete(entry);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A submission as GET /api/v1/submissions/:id and ?wait=true return it. */
export type Submission = SubmissionView;

export const isFinal = (status: string): boolean => status !== 'queued' && status !== 'running';
