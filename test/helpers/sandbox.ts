import assert from 'node:assert/strict';
import { LanguageRegistry } from '../../src/languages/index.js';
import {
  SandboxPool,
  resolveLimits,
  type RunLimits,
  type RunResult,
  type SandboxFile,
} from '../../src/sandbox/index.js';

/** The languages every test sees. */
export const registry = new LanguageRegistry();

/**
 * A real sandbox pool. No fallback and no skip: on a machine without root, bubblewrap or cgroups this
 * throws SANDBOX_UNAVAILABLE, and the test fails saying what is missing.
 */
export function createTestPool(concurrency = 2): Promise<SandboxPool> {
  return SandboxPool.create({ concurrency, readOnlyDirs: registry.readOnlyDirs() });
}

export interface QuickRun {
  stdin?: string;
  files?: SandboxFile[];
  limits?: Partial<RunLimits>;
  env?: Record<string, string>;
}

/** Runs a shell command in a fresh lease. */
export function sh(pool: SandboxPool, script: string, options: QuickRun = {}): Promise<RunResult> {
  return pool.run({
    command: ['/bin/sh', '-c', script],
    stdin: options.stdin,
    files: options.files,
    env: options.env,
    limits: resolveLimits(options.limits),
  });
}

/** Describes a result for assertion messages. */
export function describe(result: RunResult): string {
  return JSON.stringify({
    status: result.status,
    reason: result.reason,
    exitCode: result.exitCode,
    signal: result.signal,
    cpuMs: result.cpuMs,
    wallMs: result.wallMs,
    memoryKb: result.memoryKb,
    limitsHit: result.limitsHit,
    stdout: result.stdout.toString().slice(0, 500),
    stderr: result.stderr.toString().slice(0, 500),
    message: result.message,
  });
}

/**
 * A probe's report: one line per call, "name return-value errno", as the C probes of the hostile
 * and seccomp tests print them (their report() helper). The run itself must have been accepted.
 */
export function probeOutcomes(result: RunResult): Record<string, { r: number; errno: number }> {
  assert.equal(result.status, 'accepted', describe(result));
  return Object.fromEntries(
    result.stdout
      .toString()
      .trim()
      .split('\n')
      .map((line) => {
        const [name, r, errno] = line.split(' ');
        return [name!, { r: Number(r), errno: Number(errno) }];
      }),
  );
}
