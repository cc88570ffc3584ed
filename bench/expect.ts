import type { RunResult } from '../src/sandbox/index.js';

/**
 * Throws unless a sandbox run was accepted (and printed `expectedStdout`, when given). A run that
 * failed fast must never be counted as a fast run.
 */
export function expectAccepted(label: string, result: RunResult, expectedStdout?: string): RunResult {
  const stdout = result.stdout.toString();
  if (result.status !== 'accepted' || (expectedStdout !== undefined && stdout !== expectedStdout)) {
    throw new Error(
      `sandbox run of ${label} failed: ${JSON.stringify({
        status: result.status,
        reason: result.reason,
        exitCode: result.exitCode,
        signal: result.signal,
        message: result.message,
        stdout: stdout.slice(0, 200),
        stderr: result.stderr.toString().slice(0, 200),
      })}`,
    );
  }
  return result;
}
