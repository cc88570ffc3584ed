// A real `arbiter serve` for the browser test (the real sandbox: root, bubblewrap, toolchains),
// through test/helpers/server.ts (the one way tests start a server), and the CLI's `keys create`
// for a server with keys on.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey as createTestKey, startArbiter, type ArbiterProcess } from '../helpers/server.js';

export type WebTestServer = ArbiterProcess;

/** A fresh data dir, removed by the server's stop(). */
export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'arbiter-web-'));
}

/** A server with exactly `config` (no preset), on `dataDir`, both removed when it is stopped. */
export function startServer(
  config: Record<string, unknown>,
  dataDir = freshDataDir(),
): Promise<WebTestServer> {
  return startArbiter({ defaults: {}, config, dataDir, removeDirsOnStop: true });
}

/** `arbiter keys create` on a data dir; returns the key it prints once. */
export function createKey(dataDir: string, role: 'admin' | 'user'): string {
  return createTestKey(dataDir, { name: `web-test-${role}`, role }).key;
}
