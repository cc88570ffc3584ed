import { execFileSync } from 'node:child_process';
import { ArbiterError } from '../errors.js';
import { usableCgroups, type CgroupSystem } from './cgroups.js';

/** Checks what the sandbox needs before any slot starts, naming the fix for each gap. */
export function checkSandboxPrerequisites(): CgroupSystem {
  if (process.getuid?.() !== 0) {
    throw new ArbiterError(
      'SANDBOX_UNAVAILABLE',
      'the sandbox needs root (for cgroups and per-slot uids); run Arbiter as root',
    );
  }
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new ArbiterError(
      'SANDBOX_UNAVAILABLE',
      'bubblewrap (bwrap) is not installed; run scripts/setup or apt-get install bubblewrap',
    );
  }
  const cgroups = usableCgroups();
  return cgroups;
}
