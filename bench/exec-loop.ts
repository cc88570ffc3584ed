/**
 * The bare ceiling: bench/exec-loop.c, a small C fork/exec/wait loop, built with the host's gcc when
 * the bench starts and driven from here. Node only starts the loop and reads its JSON; the loop
 * times the runs itself, so node's own spawn cost (a fork of the whole node process on its main
 * thread) never enters a bare figure. execBare (bare-exec.ts) is kept as an informational row.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'exec-loop.c');

/** The loop's one line of JSON is a few hundred bytes; anything longer is not its report. */
const MAX_REPORT_CHARS = 4096;
/** A loop's failure message is short; more than this is cut. */
const MAX_STDERR_BYTES = 64 * 1024;
/** Default per-run timeout, as the loop's own default. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** What one invocation of the loop measured. Times in nanoseconds, from CLOCK_MONOTONIC. */
export interface ExecLoopReport {
  runs: number;
  concurrency: number;
  warmup: number;
  /** From the first measured fork to the end of the last measured run. */
  wallNs: number;
  runsPerSecond: number;
  /** Each run from its fork to its end (exited, both output pipes closed). */
  runNs: { min: number; median: number; max: number };
}

/**
 * Reads the loop's report, checking every field: a report that does not add up (a rate that
 * disagrees with runs and wall time, a median outside min..max) means the loop and this file drifted
 * apart, and a figure from it must not reach a table.
 */
export function parseExecLoopReport(text: string): ExecLoopReport {
  if (text.length > MAX_REPORT_CHARS)
    throw new Error(`exec-loop report is ${text.length} chars, not one line`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`exec-loop report is not JSON: ${(error as Error).message}: ${text.slice(0, 200)}`);
  }
  const bad = (why: string): Error => new Error(`exec-loop report ${why}: ${text.slice(0, 300)}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('is not an object');
  const object = raw as Record<string, unknown>;
  const count = (value: unknown, name: string, min: number): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      throw bad(`has ${name} ${JSON.stringify(value)}, not a whole number >= ${min}`);
    return value;
  };
  const runs = count(object.runs, 'runs', 1);
  const concurrency = count(object.concurrency, 'concurrency', 1);
  const warmup = count(object.warmup, 'warmup', 0);
  const wallNs = count(object.wall_ns, 'wall_ns', 1);
  const rate = object.runs_per_second;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
    throw bad(`has runs_per_second ${JSON.stringify(rate)}`);
  // The loop prints the rate with three decimals: allow that rounding and no more.
  const expected = runs / (wallNs / 1e9);
  if (Math.abs(rate - expected) > 0.001 + expected * 1e-9) throw bad(`has a rate that is not runs / wall_ns`);
  const runNs = object.run_ns;
  if (typeof runNs !== 'object' || runNs === null) throw bad('has no run_ns');
  const { min, median, max } = runNs as Record<string, unknown>;
  const times = {
    min: count(min, 'run_ns.min', 0),
    median: count(median, 'run_ns.median', 0),
    max: count(max, 'run_ns.max', 0),
  };
  if (!(times.min <= times.median && times.median <= times.max)) throw bad('has run_ns out of order');
  return { runs, concurrency, warmup, wallNs, runsPerSecond: expected, runNs: times };
}

export interface ExecLoopOptions {
  /** argv; a name without a slash is looked up once in the environment's PATH. */
  command: readonly string[];
  /** The runs' whole environment (nothing else is passed on). */
  env: Readonly<Record<string, string>>;
  /** Working directory of every run. Default: the system temporary directory. */
  cwd?: string;
  /** Written to each run's stdin through a pipe. Default: stdin is /dev/null. */
  stdin?: string | Buffer;
  /** Each run's stdout must be exactly this, or the loop fails. */
  expectedStdout?: string | Buffer;
  /** Measured runs. */
  runs: number;
  /** Runs at once. Default 1. */
  concurrency?: number;
  /** Unmeasured runs first. Default 0. */
  warmupRuns?: number;
  /** A run still going after this long is killed and fails the loop. Default 60 s. */
  timeoutMs?: number;
}

export interface ExecLoop {
  /** Runs the loop once; rejects with the loop's message when a run failed. */
  run(options: ExecLoopOptions): Promise<ExecLoopReport>;
  /** Removes the build directory. */
  remove(): void;
}

/** The loop's argv for one invocation; files for stdin and the expected output are named by the caller. */
export function execLoopArgs(
  options: ExecLoopOptions,
  files: { stdin?: string; expected?: string },
): string[] {
  const args = [
    '-n',
    String(options.runs),
    '-c',
    String(options.concurrency ?? 1),
    '-w',
    String(options.warmupRuns ?? 0),
    '-t',
    String(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    '-d',
    options.cwd ?? tmpdir(),
  ];
  if (files.stdin !== undefined) args.push('-i', files.stdin);
  if (files.expected !== undefined) args.push('-o', files.expected);
  for (const [name, value] of Object.entries(options.env)) args.push('-e', `${name}=${value}`);
  return [...args, '--', ...options.command];
}

/** Compiles bench/exec-loop.c with gcc -O2 into a fresh temporary directory. */
export function buildExecLoop(): ExecLoop {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-exec-loop-'));
  const binary = join(dir, 'exec-loop');
  try {
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, SOURCE], { stdio: 'inherit' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot build the bare ceiling ${SOURCE} with gcc: ${(error as Error).message}`);
  }
  let invocation = 0;
  return {
    run(options) {
      // Each invocation its own input files, so overlapping calls never read each other's.
      const n = invocation++;
      const files: { stdin?: string; expected?: string } = {};
      if (options.stdin !== undefined) {
        files.stdin = join(dir, `stdin-${n}`);
        writeFileSync(files.stdin, options.stdin);
      }
      if (options.expectedStdout !== undefined) {
        files.expected = join(dir, `expected-${n}`);
        writeFileSync(files.expected, options.expectedStdout);
      }
      const cleanup = () => {
        for (const file of Object.values(files)) rmSync(file, { force: true });
      };
      return new Promise<ExecLoopReport>((resolve, reject) => {
        execFile(
          binary,
          execLoopArgs(options, files),
          { encoding: 'utf8', maxBuffer: MAX_STDERR_BYTES },
          (error, stdout, stderr) => {
            cleanup();
            if (error) {
              reject(
                new Error(
                  `bare run of ${options.command.join(' ')} failed: ${stderr.trim() || error.message}`,
                ),
              );
              return;
            }
            try {
              resolve(parseExecLoopReport(stdout.trim()));
            } catch (parseError) {
              reject(parseError as Error);
            }
          },
        );
      });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
