import type { StageReason as RunReason, StageStatus as RunStatus } from '../contract.js';
import type { RunLimits } from './limits.js';

/** A file placed in the work directory (/box) before a run. */
export interface SandboxFile {
  /** Path relative to the work directory; no "..", no absolute paths. */
  name: string;
  content: string | Buffer;
  /** Make the file executable. Default: false. */
  executable?: boolean;
}

/** Everything one run needs. */
export interface RunSpec {
  /** argv; argv[0] is looked up on PATH inside the sandbox. */
  command: string[];
  /** Standard input. Default: empty. */
  stdin?: string | Buffer;
  /** The program's whole environment; nothing of the server's leaks in. Default: PATH, HOME, LANG. */
  env?: Record<string, string>;
  /** Fully resolved limits (see resolveLimits). */
  limits: RunLimits;
  /**
   * The floors the program's runtime needs to start (its language's minimumLimits). They raise the
   * pool's safety clamp for this run, so the clamp never undoes a language minimum; they never
   * raise `limits` themselves. Default: none.
   */
  minimumLimits?: Partial<RunLimits>;
  /** Working directory inside the sandbox. Default: /box. */
  cwd?: string;
  /** Send stderr into the stdout stream. Default: false. */
  mergeStderr?: boolean;
}

/**
 * An interactive run: stdin is written while the program runs, output arrives as it is written.
 * Output is also captured (capped) in the final RunResult, as for any run.
 */
export interface InteractiveIO {
  onStdout?(chunk: Buffer): void;
  onStderr?(chunk: Buffer): void;
}

export interface InteractiveRun {
  /** Sends bytes to the program's stdin. Ignored after end(). */
  write(data: string | Buffer): void;
  /** Closes the program's stdin once everything written so far has been read. */
  end(): void;
  /** The final, metered result. */
  result: Promise<RunResult>;
}

/** How a run ended, and which limit or event decided it: the API contract's stage statuses. */
export type { StageReason as RunReason, StageStatus as RunStatus } from '../contract.js';

export interface RunResult {
  status: RunStatus;
  /** Why the status is not accepted; null when accepted. */
  reason: RunReason | null;
  /** Exit code, or null when the program was killed by a signal or never started. */
  exitCode: number | null;
  /** Terminating signal number, or null. */
  signal: number | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** CPU time of all processes, user + system, from the run's cgroup. */
  cpuMs: number;
  /** Wall time from exec to the last process's exit. */
  wallMs: number;
  /** Peak memory of the run's cgroup, in KiB. */
  memoryKb: number;
  /** Limits the run ran into, even when another one decided the status (a fork bomb that then timed out). */
  limitsHit: RunReason[];
  /** Set for internal_error: what failed, for the operator. */
  message?: string;
}

export const DEFAULT_SANDBOX_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/tmp',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
});
