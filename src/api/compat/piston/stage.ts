import { constants } from 'node:os';
import type { StageResult } from '../../../judge/types.js';

/**
 * Piston's two-letter stage statuses: RE runtime error, SG killed by a signal, TO time limit (wall
 * or CPU), OL stdout too long, EL stderr too long, XX internal error. null: the stage went fine.
 */
export type PistonStatus = 'RE' | 'SG' | 'TO' | 'OL' | 'EL' | 'XX';

/** One stage (compile or run) of a Piston execute answer. */
export interface PistonStage {
  stdout: string;
  stderr: string;
  /** stdout then stderr (Arbiter keeps the two streams apart, so their interleaving is not known). */
  output: string;
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  /** Signal name such as "SIGKILL", or null. */
  signal: string | null;
  message: string | null;
  status: PistonStatus | null;
  /** Milliseconds. */
  cpu_time: number;
  wall_time: number;
  /** Peak memory in bytes. */
  memory: number;
}

const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);
}

/** "SIGKILL" for 9; null for no signal. */
export function signalName(signal: number | null): string | null {
  if (signal === null) return null;
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}

/** A signal a client may name in the connect protocol: `SIGKILL`, `SIGTERM`, ... or its number. */
export function isSignal(value: unknown): boolean {
  if (typeof value === 'string') return Object.hasOwn(constants.signals, value);
  return typeof value === 'number' && SIGNAL_NAMES.has(value);
}

function statusOf(stage: StageResult): { status: PistonStatus | null; message: string | null } {
  const signal = signalName(stage.signal);
  switch (stage.status) {
    case 'accepted':
      return { status: null, message: null };
    case 'time_limit_exceeded':
      return {
        status: 'TO',
        message: stage.reason === 'cpu' ? 'CPU time limit exceeded' : 'Wall-time limit exceeded',
      };
    case 'memory_limit_exceeded':
      // Piston has no status of its own for memory: the kernel kills the process, so it is a signal.
      return { status: 'SG', message: 'Memory limit exceeded' };
    case 'output_limit_exceeded':
      return stage.stderrTruncated && !stage.stdoutTruncated
        ? { status: 'EL', message: 'stderr length exceeded' }
        : { status: 'OL', message: 'stdout length exceeded' };
    case 'runtime_error':
      return signal !== null
        ? { status: 'SG', message: `Terminated by signal ${signal}` }
        : { status: 'RE', message: `Exited with code ${stage.exitCode ?? 'unknown'}` };
    case 'cancelled':
      // Stopped on request (a connect client's signal): the program died of the sandbox's SIGKILL.
      return signal !== null
        ? { status: 'SG', message: `Stopped on request (${signal})` }
        : { status: 'XX', message: stage.message ?? 'Cancelled' };
    case 'internal_error':
      return { status: 'XX', message: stage.message ?? 'Internal error' };
  }
}

/** An Arbiter stage result as Piston shows a stage. */
export function toPistonStage(stage: StageResult): PistonStage {
  const { status, message } = statusOf(stage);
  const signal = signalName(stage.signal);
  return {
    stdout: stage.stdout,
    stderr: stage.stderr,
    output: stage.stdout + stage.stderr,
    code: signal === null ? stage.exitCode : null,
    signal,
    message,
    status,
    cpu_time: Math.round(stage.cpuMs),
    wall_time: Math.round(stage.wallMs),
    memory: stage.memoryKb * 1024,
  };
}
