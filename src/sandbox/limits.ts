import { ArbiterError } from '../errors.js';

/** Resource limits of one run. Every one is enforced by the kernel (cgroup or rlimit). */
export interface RunLimits {
  /** CPU time of all processes together, user + system, in milliseconds. */
  cpuMs: number;
  /** Wall-clock time from exec to exit, in milliseconds. */
  wallMs: number;
  /** Peak memory of the whole process tree (cgroup, no swap), in KiB. */
  memoryKb: number;
  /** Processes and threads alive at once. */
  pids: number;
  /** Bytes kept of stdout, and separately of stderr, in KiB; past this the run is stopped. */
  outputKb: number;
  /** Largest file the program may write, in KiB (RLIMIT_FSIZE). */
  fileSizeKb: number;
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Stack size per process, in KiB (RLIMIT_STACK). */
  stackKb: number;
}

export const LIMIT_NAMES = [
  'cpuMs',
  'wallMs',
  'memoryKb',
  'pids',
  'outputKb',
  'fileSizeKb',
  'openFiles',
  'stackKb',
] as const satisfies readonly (keyof RunLimits)[];

/** Defaults for running a program: 2 s CPU, 5 s wall, 256 MiB, 64 processes, 1 MiB output. */
export const DEFAULT_RUN_LIMITS: Readonly<RunLimits> = Object.freeze({
  cpuMs: 2_000,
  wallMs: 5_000,
  memoryKb: 256 * 1024,
  pids: 64,
  outputKb: 1024,
  fileSizeKb: 8 * 1024,
  openFiles: 64,
  stackKb: 64 * 1024,
});

/** Defaults for compiling: compilers are bigger and slower than the programs they build. */
export const DEFAULT_COMPILE_LIMITS: Readonly<RunLimits> = Object.freeze({
  cpuMs: 20_000,
  wallMs: 30_000,
  memoryKb: 1024 * 1024,
  pids: 128,
  outputKb: 256,
  fileSizeKb: 128 * 1024,
  openFiles: 512,
  stackKb: 64 * 1024,
});

/** The server-wide ceiling: a request may ask for less, never for more. */
export const DEFAULT_MAX_LIMITS: Readonly<RunLimits> = Object.freeze({
  cpuMs: 30_000,
  wallMs: 60_000,
  memoryKb: 2 * 1024 * 1024,
  pids: 256,
  outputKb: 16 * 1024,
  fileSizeKb: 256 * 1024,
  openFiles: 1024,
  stackKb: 1024 * 1024,
});

/** Smallest values that still let a program start at all. */
const MIN_LIMITS: Readonly<RunLimits> = Object.freeze({
  cpuMs: 1,
  wallMs: 1,
  memoryKb: 1024,
  pids: 1,
  outputKb: 0,
  fileSizeKb: 0,
  openFiles: 4,
  stackKb: 64,
});

/**
 * Fills unset limits from `defaults`, then clamps each to `max`. A value that is not a
 * non-negative finite number is an input error that names the limit.
 */
export function resolveLimits(
  requested: Partial<RunLimits> | undefined,
  defaults: Readonly<RunLimits> = DEFAULT_RUN_LIMITS,
  max: Readonly<RunLimits> = DEFAULT_MAX_LIMITS,
): RunLimits {
  const out = { ...defaults };
  for (const name of LIMIT_NAMES) {
    const value = requested?.[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ArbiterError(
        'LIMIT_INVALID',
        `limit ${name} must be a non-negative number, got ${String(value)}`,
      );
    }
    out[name] = Math.floor(value);
  }
  for (const name of LIMIT_NAMES) {
    out[name] = Math.max(MIN_LIMITS[name], Math.min(out[name], max[name]));
  }
  return out;
}

/**
 * What the server maximum allows a program whose runtime needs `minimum` to start (a language's
 * minimumLimits): each limit's maximum, raised to the minimum where the minimum is higher. A
 * maximum that let a JVM have fewer threads than it starts with would only turn every Java run
 * into a runtime error.
 */
export function ceilingOf(max: Readonly<RunLimits>, minimum?: Partial<RunLimits>): RunLimits {
  const ceiling = { ...max };
  for (const name of LIMIT_NAMES) {
    const floor = minimum?.[name];
    if (floor !== undefined && floor > ceiling[name]) ceiling[name] = floor;
  }
  return ceiling;
}

/** Lowers each limit to what the maximum allows (ceilingOf); never raises one. */
export function clampLimits(
  limits: Readonly<RunLimits>,
  max: Readonly<RunLimits>,
  minimum?: Partial<RunLimits>,
): RunLimits {
  const ceiling = ceilingOf(max, minimum);
  const out = { ...limits };
  for (const name of LIMIT_NAMES) out[name] = Math.min(out[name], ceiling[name]);
  return out;
}

/** Like resolveLimits, but a request above the server maximum is refused instead of clamped. */
export function checkLimitsWithin(requested: Partial<RunLimits> | undefined, max: Readonly<RunLimits>): void {
  for (const name of LIMIT_NAMES) {
    const value = requested?.[name];
    if (typeof value === 'number' && value > max[name]) {
      throw new ArbiterError(
        'LIMIT_INVALID',
        `limit ${name}=${value} is above the server maximum of ${max[name]}`,
      );
    }
  }
}

/** Parses "2s", "500ms", "1.5s" into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(text.trim());
  if (!match) throw new ArbiterError('INVALID_INPUT', `cannot read "${text}" as a duration; try 2s or 500ms`);
  const value = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(unit === 'ms' ? value : unit === 'm' ? value * 60_000 : value * 1000);
}

/** Parses "256M", "1G", "512k", "1024" (KiB) into KiB. */
export function parseSizeKb(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg])?i?b?$/i.exec(text.trim());
  if (!match) throw new ArbiterError('INVALID_INPUT', `cannot read "${text}" as a size; try 256M or 1G`);
  const value = Number(match[1]);
  const unit = (match[2] ?? 'k').toLowerCase();
  const factor = unit === 'g' ? 1024 * 1024 : unit === 'm' ? 1024 : 1;
  return Math.round(value * factor);
}
