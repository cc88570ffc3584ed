// A real `arbiter serve` for the SDK and remote-CLI tests, through test/helpers/server.ts (the one way
// tests start a server). It needs what the server needs (root, bubblewrap, the toolchains); without
// them it fails to start and the test fails saying why.
import { EMBEDDED_TEST_CONFIG, startArbiter, type ArbiterProcess } from '../helpers/server.js';

export { arbiter, cleanEnv, MAIN, root, sleepyPython, type CliResult } from '../helpers/server.js';

/** The embedded preset, and stopping a server must not wait long for a sleeping test program. */
export const TEST_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  ...EMBEDDED_TEST_CONFIG,
  shutdownGraceMs: 1000,
});

export type RunningServer = ArbiterProcess;

/** A server in a temp dir of its own, removed when it is stopped. */
export function startServer(config: Record<string, unknown> = {}): Promise<RunningServer> {
  return startArbiter({ defaults: TEST_CONFIG, config, removeDirsOnStop: true });
}
