import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { LineReader } from './protocol.js';
import {
  encodeRequest,
  encodeStdinChunk,
  IO_DIR,
  parseOutputChunk,
  parseReport,
  STDIN_EOF_LINE,
  STDIN_PATH,
  type SupervisorReport,
} from './protocol.js';
import type { InteractiveIO, InteractiveRun, RunResult, RunSpec } from './run-spec.js';
import { decideVerdict } from './verdict.js';

/** A slot's two pipes to its supervisor: requests in, one line per answer out. */
export interface SupervisorChannel {
  control: Writable;
  reader: LineReader;
}

/** Most bytes of an interactive run's stdin in one control line, far below the supervisor's line limit. */
const STDIN_CHUNK_BYTES = 64 * 1024;

/**
 * One run's exchange with the supervisor: the stdin file written into the box (under `root`), the
 * request sent, streamed output passed to `io` (interactive runs), the report read and turned into
 * a result. A cancel through `signal` asks the supervisor to kill the run. Throws SANDBOX_FAILED
 * when the supervisor fails or answers nonsense.
 */
export async function exchangeRun(
  channel: SupervisorChannel,
  root: string,
  spec: RunSpec,
  signal?: AbortSignal,
  io?: InteractiveIO,
): Promise<{ report: SupervisorReport; result: RunResult }> {
  const onAbort = (): void => {
    channel.control.write('kill\n');
  };
  try {
    const stdin = spec.stdin ?? '';
    const hasStdin = stdin.length > 0;
    if (hasStdin) writeFileSync(join(root, STDIN_PATH), stdin);
    channel.control.write(encodeRequest(spec, hasStdin, io !== undefined));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    let line = await channel.reader.next();
    for (let chunk = parseOutputChunk(line); chunk; chunk = parseOutputChunk(line)) {
      if (chunk.stream === 'stdout') io?.onStdout?.(chunk.data);
      else io?.onStderr?.(chunk.data);
      line = await channel.reader.next();
    }
    const report = parseReport(line);
    return { report, result: resultOf(report, spec, root) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** A report as the run's result: the verdict, and the captured output read from the box. */
function resultOf(report: SupervisorReport, spec: RunSpec, root: string): RunResult {
  return {
    ...decideVerdict(report, spec.limits),
    exitCode: report.signal === 0 && report.exit >= 0 ? report.exit : null,
    signal: report.signal === 0 ? null : report.signal,
    stdout: report.outBytes > 0 ? readFileSync(join(root, IO_DIR, 'stdout')) : Buffer.alloc(0),
    stderr: report.errBytes > 0 ? readFileSync(join(root, IO_DIR, 'stderr')) : Buffer.alloc(0),
    stdoutTruncated: report.outTruncated,
    stderrTruncated: report.errTruncated,
    cpuMs: report.cpuUs / 1000,
    wallMs: report.wallUs / 1000,
    memoryKb: Math.round(report.memBytes / 1024),
  };
}

/**
 * The stdin side of an interactive run: bytes written go to the supervisor as "stdin HEX" lines,
 * end() sends "eof". Nothing is sent once `open()` says the slot cannot take it.
 */
export function interactiveInput(
  control: Writable,
  open: () => boolean,
): Pick<InteractiveRun, 'write' | 'end'> {
  let ended = false;
  return {
    write: (data) => {
      if (ended || !open()) return;
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length; at += STDIN_CHUNK_BYTES)
        control.write(encodeStdinChunk(bytes.subarray(at, at + STDIN_CHUNK_BYTES)));
    },
    end: () => {
      if (ended) return;
      ended = true;
      control.write(STDIN_EOF_LINE);
    },
  };
}

/** The result of a run the sandbox itself failed: internal_error, with the fault as its message. */
export function internalErrorResult(message: string): RunResult {
  return {
    status: 'internal_error',
    reason: 'sandbox',
    exitCode: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    cpuMs: 0,
    wallMs: 0,
    memoryKb: 0,
    limitsHit: [],
    message,
  };
}
