import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { ArbiterError } from '../errors.js';
import { PROJECT_ROOT } from '../project-root.js';

const projectRoot = PROJECT_ROOT;

/** Where the supervisor's C source lives and where its binary is built. */
export const SUPERVISOR_SOURCE = join(projectRoot, 'src', 'sandbox', 'native', 'supervisor.c');
export const SUPERVISOR_BINARY = join(projectRoot, 'build', 'arbiter-supervisor');

/** Compiles the supervisor (gcc + libseccomp). Writes atomically so a running slot never sees half a file. */
export function buildSupervisor(source = SUPERVISOR_SOURCE, output = SUPERVISOR_BINARY): string {
  mkdirSync(dirname(output), { recursive: true });
  const temp = `${output}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', temp, source, '-lseccomp'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new ArbiterError(
      'SANDBOX_UNAVAILABLE',
      `cannot build the sandbox supervisor (needs gcc and libseccomp-dev; run scripts/setup): ${stderr.trim()}`,
    );
  }
  renameSync(temp, output);
  return output;
}

/** Returns the supervisor binary, building it when it is missing or older than its source. */
export function ensureSupervisor(): string {
  const sourceTime = existsSync(SUPERVISOR_SOURCE) ? statSync(SUPERVISOR_SOURCE).mtimeMs : 0;
  if (existsSync(SUPERVISOR_BINARY) && statSync(SUPERVISOR_BINARY).mtimeMs >= sourceTime)
    return SUPERVISOR_BINARY;
  return buildSupervisor();
}
