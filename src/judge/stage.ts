import { isUtf8 } from 'node:buffer';
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
  // JSON carries text: bytes that are not UTF-8 would be lost in it, so they travel as base64 too.
  if (!isUtf8(result.stdout)) stage.stdoutBase64 = result.stdout.toString('base64');
  if (!isUtf8(result.stderr)) stage.stderrBase64 = result.stderr.toString('base64');
  if (result.stdoutTruncated) stage.stdoutTruncated = true;
  if (result.stderrTruncated) stage.stderrTruncated = true;
  if (result.reason) stage.reason = result.reason;
  if (result.message) stage.message = result.message;
  return stage;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** A stage's stdout or stderr as the program wrote it, byte for byte. */
export function stageBytes(
  stage: Partial<Pick<StageResult, 'stdout' | 'stderr' | 'stdoutBase64' | 'stderrBase64'>>,
  stream: 'stdout' | 'stderr',
): Buffer {
  const exact = stream === 'stdout' ? stage.stdoutBase64 : stage.stderrBase64;
  return exact === undefined ? Buffer.from(stage[stream] ?? '', 'utf8') : Buffer.from(exact, 'base64');
}
