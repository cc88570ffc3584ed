import type { Readable } from 'node:stream';
import { ArbiterError } from '../errors.js';
import { DEFAULT_SANDBOX_ENV, type RunSpec } from './run-spec.js';

/** Where the supervisor finds stdin and leaves the captured output, inside the slot. */
export const IO_DIR = '/.arbiter';
export const STDIN_PATH = `${IO_DIR}/stdin`;

/** The supervisor's report of one run (src/sandbox/native/supervisor.c). */
export interface SupervisorReport {
  exit: number;
  signal: number;
  execErrno: number;
  setupUs: number;
  cpuUs: number;
  wallUs: number;
  memBytes: number;
  oom: number;
  pidsHit: number;
  killed: 'none' | 'cpu' | 'wall' | 'output' | 'cancel' | 'io';
  outBytes: number;
  outTruncated: boolean;
  errBytes: number;
  errTruncated: boolean;
  clean: boolean;
  /** The run was born in its cgroup by clone3(CLONE_INTO_CGROUP) rather than moved there. */
  intoCgroup: boolean;
}

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** Encodes a run request as the supervisor's line protocol. */
export function encodeRequest(spec: RunSpec, hasStdin: boolean, interactive = false): string {
  const { limits } = spec;
  if (spec.command.length === 0) throw new ArbiterError('INVALID_INPUT', 'a run needs a command');
  const lines = [
    `cpu_ms ${limits.cpuMs}`,
    `wall_ms ${limits.wallMs}`,
    `mem_kb ${limits.memoryKb}`,
    `pids ${limits.pids}`,
    `fsize_kb ${limits.fileSizeKb}`,
    `nofile ${limits.openFiles}`,
    `stack_kb ${limits.stackKb}`,
    `out_bytes ${limits.outputKb * 1024}`,
    `err_bytes ${limits.outputKb * 1024}`,
    `merge_stderr ${spec.mergeStderr ? 1 : 0}`,
    `interactive ${interactive ? 1 : 0}`,
    `cwd ${spec.cwd ?? '/box'}`,
    `stdin ${hasStdin ? STDIN_PATH : ''}`,
  ];
  for (const arg of spec.command) lines.push(`arg ${hex(arg)}`);
  for (const [key, value] of Object.entries(spec.env ?? DEFAULT_SANDBOX_ENV)) {
    if (key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw new ArbiterError('INVALID_INPUT', `environment variable ${JSON.stringify(key)} is not valid`);
    }
    lines.push(`env ${hex(`${key}=${value}`)}`);
  }
  if (spec.cwd !== undefined && /[\n\0]/.test(spec.cwd)) {
    throw new ArbiterError('INVALID_INPUT', 'cwd must not contain newlines');
  }
  lines.push('run', '');
  return lines.join('\n');
}

const KILLED = new Set(['none', 'cpu', 'wall', 'output', 'cancel', 'io']);

/** Control lines for an interactive run: a chunk of stdin, and the end of stdin. */
export const encodeStdinChunk = (data: Buffer): string => `stdin ${data.toString('hex')}\n`;
export const STDIN_EOF_LINE = 'eof\n';

/**
 * Asks the supervisor to wipe the slot between leases, in one request: the work directory, /tmp and
 * /dev/shm emptied, the stdin file removed, the work directory given back to the slot's uid. Past
 * `maxEntries` entries (all three together) it stops and answers "full".
 */
export const encodeReset = (maxEntries: number): string => `reset ${maxEntries}\n`;

/**
 * The supervisor's answer to encodeReset: 'clean', or 'full' when the slot held more than the
 * entries allowed (the caller rebuilds it). Throws SANDBOX_FAILED for a failure or anything else.
 */
export function parseResetAnswer(line: string): 'clean' | 'full' {
  if (line === 'reset clean') return 'clean';
  if (line === 'reset full') return 'full';
  if (line.startsWith('fail ')) throw new ArbiterError('SANDBOX_FAILED', `supervisor: ${line.slice(5)}`);
  throw new ArbiterError('SANDBOX_FAILED', `unexpected answer to a reset: ${line.slice(0, 200)}`);
}

/** An output chunk the supervisor streams during an interactive run, or null for other lines. */
export function parseOutputChunk(line: string): { stream: 'stdout' | 'stderr'; data: Buffer } | null {
  if (line.startsWith('out ')) return { stream: 'stdout', data: Buffer.from(line.slice(4), 'hex') };
  if (line.startsWith('err ')) return { stream: 'stderr', data: Buffer.from(line.slice(4), 'hex') };
  return null;
}

/** Parses one report line. Throws SANDBOX_FAILED for "fail ..." or anything malformed. */
export function parseReport(line: string): SupervisorReport {
  if (line.startsWith('fail ')) throw new ArbiterError('SANDBOX_FAILED', `supervisor: ${line.slice(5)}`);
  if (!line.startsWith('ok '))
    throw new ArbiterError('SANDBOX_FAILED', `unexpected supervisor output: ${line.slice(0, 200)}`);
  const fields = new Map<string, string>();
  for (const pair of line.slice(3).trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const num = (key: string): number => {
    const value = Number(fields.get(key));
    if (!Number.isFinite(value))
      throw new ArbiterError('SANDBOX_FAILED', `supervisor report lacks ${key}: ${line}`);
    return value;
  };
  const killed = fields.get('killed') ?? '';
  if (!KILLED.has(killed)) throw new ArbiterError('SANDBOX_FAILED', `supervisor report has killed=${killed}`);
  return {
    exit: num('exit'),
    signal: num('signal'),
    execErrno: num('exec_errno'),
    setupUs: num('setup_us'),
    cpuUs: num('cpu_us'),
    wallUs: num('wall_us'),
    memBytes: num('mem_bytes'),
    oom: num('oom'),
    pidsHit: num('pids_hit'),
    killed: killed as SupervisorReport['killed'],
    outBytes: num('out_bytes'),
    outTruncated: num('out_truncated') === 1,
    errBytes: num('err_bytes'),
    errTruncated: num('err_truncated') === 1,
    clean: num('clean') === 1,
    intoCgroup: fields.get('into_cgroup') === '1',
  };
}

/**
 * The protocol's framing: splits the supervisor's stdout into lines and hands them out one `next()`
 * at a time, in order (a ready line, a report per run, an interactive run's output chunks).
 */
export class LineReader {
  #buffer = '';
  #lines: string[] = [];
  #waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  #ended: Error | null = null;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        const waiter = this.#waiting.shift();
        if (waiter) waiter.resolve(line);
        else this.#lines.push(line);
      }
    });
    stream.on('end', () => this.fail(new Error('stream ended')));
    stream.on('error', (error) => this.fail(error));
  }

  /** Rejects every pending and future `next()` with `error`. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }
}
