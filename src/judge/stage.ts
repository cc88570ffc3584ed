// A run as a stage of the result, and the output a result keeps of its stages, bounded.
import { isUtf8 } from 'node:buffer';
import type { RunResult } from '../sandbox/run-spec.js';
import type { JudgeResult, StageResult, TestResult } from './types.js';

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

// What a result keeps of a program's output. The sandbox stops a program at its output limit (up
// to 16 MiB a stream), but a submission of many tests could still make a result row of hundreds of
// megabytes, and every read of that row (a Judge0 batch naming it 20 times) held it in memory at
// once. So a result keeps at most `streamBytes` of each stream of each stage and `totalBytes`
// over the whole submission; whatever is cut is marked with the stream's *Truncated flag.

export interface OutputCaps {
  /** Bytes kept of each stdout and stderr of the compile, the run and each test. */
  streamBytes: number;
  /** Bytes of output kept over the whole submission; later streams keep none once it is spent. */
  totalBytes: number;
}

/** The output fields a stage and a test share. */
type Streams = Pick<
  TestResult,
  'stdout' | 'stderr' | 'stdoutBase64' | 'stderrBase64' | 'stdoutTruncated' | 'stderrTruncated'
>;

/** The first `max` bytes of a UTF-8 string, never splitting a character. */
export function utf8Prefix(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.max(0, max);
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** Cuts one stage's or test's streams to what the budget allows; returns a copy. */
function boundStreams<T extends Streams>(part: T, caps: OutputCaps, budget: { left: number }): T {
  const out = { ...part };
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = out[stream];
    if (text === undefined) continue;
    const exactKey = stream === 'stdout' ? 'stdoutBase64' : 'stderrBase64';
    const exact = out[exactKey];
    const size = exact === undefined ? Buffer.byteLength(text, 'utf8') : Buffer.byteLength(exact, 'base64');
    const allowed = Math.max(0, Math.min(caps.streamBytes, budget.left));
    if (size > allowed) {
      out[stream] = utf8Prefix(text, allowed);
      if (exact !== undefined)
        out[exactKey] = Buffer.from(exact, 'base64').subarray(0, allowed).toString('base64');
      out[stream === 'stdout' ? 'stdoutTruncated' : 'stderrTruncated'] = true;
    }
    budget.left -= Math.min(size, allowed);
  }
  return out;
}

/** The result with its output bounded by `caps`; the verdicts and figures are untouched. */
export function boundOutput<R extends Pick<JudgeResult, 'compile' | 'run' | 'tests'>>(
  result: R,
  caps: OutputCaps,
): R {
  const budget = { left: caps.totalBytes };
  const bounded = { ...result };
  // The compile's messages first: they are what a student reads first when it fails.
  if (result.compile) bounded.compile = boundStreams(result.compile, caps, budget);
  if (result.run) bounded.run = boundStreams(result.run, caps, budget);
  bounded.tests = result.tests.map((test: TestResult) => boundStreams(test, caps, budget));
  return bounded;
}
