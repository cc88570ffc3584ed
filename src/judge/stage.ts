import type { RunResult } from '../sandbox/run-spec.js';
import type { StageResult } from './types.js';

/** A sandbox result as the API shows it: text instead of buffers, no internal bookkeeping. */
export function toStage(result: RunResult): StageResult {
  const stage: StageResult = {
    status: result.status,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    exitCode: result.exitCode,
    signal: result.signal,
    cpuMs: round(result.cpuMs),
    wallMs: round(result.wallMs),
    memoryKb: result.memoryKb,
  };
  if (result.stdoutTruncated) stage.stdoutTruncated = true;
  if (result.stderrTruncated) stage.stderrTruncated = true;
  if (result.reason) stage.reason = result.reason;
  if (result.message) stage.message = result.message;
  return stage;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
