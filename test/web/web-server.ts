// A real `arbiter serve` for the browser test (the real sandbox: root, bubblewrap, toolchains),
// and the CLI's `keys create` for a server with keys on.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './web-build.js';

const MAIN = join(root, 'src/cli/main.ts');
/** From spawn to "arbiter is ready" (warming the sandbox slots). */
const READY_TIMEOUT_MS = 30_000;
/** A SIGTERM'd server gets this long before SIGKILL. */
const STOP_TIMEOUT_MS = 15_000;

export interface WebTestServer {
  url: string;
  dataDir: string;
  log: () => string;
  stop: () => Promise<void>;
}

/** A fresh data dir, removed by the server's stop(). */
export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'arbiter-web-'));
}

export async function startServer(
  config: Record<string, unknown>,
  dataDir = freshDataDir(),
): Promise<WebTestServer> {
  const configFile = join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`arbiter serve was not ready within ${READY_TIMEOUT_MS} ms:\n${log}`));
    }, READY_TIMEOUT_MS);
    let isReady = false;
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (isReady) return;
      const lines = log.split('\n');
      lines.pop(); // the last piece may be half a line
      const line = lines.find((l) => l.includes('"arbiter is ready"'));
      if (!line) return;
      isReady = true;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`arbiter serve exited (${code ?? signal}) before it was ready:\n${log}`));
    });
  });
  let url: string;
  try {
    url = await ready;
  } catch (error) {
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `arbiter keys create` on a data dir; returns the key it prints once. */
export function createKey(dataDir: string, role: 'admin' | 'user'): string {
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'keys',
      'create',
      '--name',
      `web-test-${role}`,
      '--role',
      role,
      '--data-dir',
      dataDir,
    ],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`keys create failed: ${result.stderr}`);
  return result.stdout.trim();
}
