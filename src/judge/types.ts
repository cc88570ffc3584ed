import type { LanguageDefinition } from '../languages/language.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { RunResult, SandboxFile } from '../sandbox/run-spec.js';

/** Final and in-between states of a submission (the API's `status`). */
export const SUBMISSION_STATUSES = [
  'queued',
  'running',
  'accepted',
  'wrong_answer',
  'compilation_error',
  'runtime_error',
  'time_limit_exceeded',
  'memory_limit_exceeded',
  'output_limit_exceeded',
  'cancelled',
  'internal_error',
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];
export type FinalStatus = Exclude<SubmissionStatus, 'queued' | 'running'>;

/** How a test's output is compared with its expected output. Default: trailing_whitespace. */
export type CheckerSpec =
  /** Byte for byte. */
  | { type: 'exact' }
  /** Equal after removing whitespace at the end of every line and blank lines at the end. */
  | { type: 'trailing_whitespace' }
  /** Equal as sequences of whitespace-separated tokens. */
  | { type: 'tokens' }
  /** Tokens equal, numbers within `absolute` or `relative` tolerance (default 1e-6 each). */
  | { type: 'float'; absolute?: number; relative?: number }
  /**
   * A program that decides: it runs in the sandbox with files input.txt, expected.txt and
   * output.txt in its work directory; exit 0 = accepted, exit 1 = wrong answer, anything else =
   * internal_error. What it prints on stdout is shown as the test's message.
   */
  | { type: 'custom'; language: string; source: string };

/**
 * How much a problem tells a student of its tests (contest systems' "feedback level").
 * - `full` (default): visible tests in full; hidden tests their verdict and time only.
 * - `verdicts`: every test its verdict and time only, as hidden tests are under `full`.
 * - `score`: the overall status and score only; no per-test list.
 * An operator (admin key, or the machine's own user on loopback) always sees everything.
 * Applied where answers are shaped: src/service/visibility.ts.
 */
export const FEEDBACK_LEVELS = ['full', 'verdicts', 'score'] as const;
export type Feedback = (typeof FEEDBACK_LEVELS)[number];

export interface TestCase {
  stdin?: string;
  /** Absent: the test passes when the program runs cleanly (exit 0, no limit hit). */
  expected?: string;
  /** Points for passing. Default: 1. */
  weight?: number;
  /** Hidden tests never echo their stdin, expected or actual output to a non-admin caller. */
  hidden?: boolean;
  name?: string;
}

/** Outcome of the comparison of one output. */
export interface CheckOutcome {
  accepted: boolean;
  /** Why not, for a person: "line 3: expected 42, got 41". */
  message?: string;
}

/** What one stage (the compile, or a plain run) produced, as the API shows it. */
export interface StageResult {
  status: RunResult['status'];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: number | null;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
  /**
   * The exact bytes of stdout, base64, present only when they are not valid UTF-8: `stdout` then
   * shows them with U+FFFD in place of each bad sequence, and this is what the program wrote.
   */
  stdoutBase64?: string;
  /** The same for stderr. */
  stderrBase64?: string;
  reason?: RunResult['reason'];
  message?: string;
}

export interface TestResult {
  name?: string;
  status: FinalStatus;
  cpuMs: number;
  wallMs: number;
  /** Peak memory; left out where a student sees the test by its verdict only (see service/visibility). */
  memoryKb?: number;
  weight: number;
  /** Checker's explanation of a wrong answer. */
  message?: string;
  /** The program's output (a student does not see it for hidden tests). */
  stdout?: string;
  stderr?: string;
  /** As in StageResult: the exact bytes, only when they are not UTF-8. */
  stdoutBase64?: string;
  stderrBase64?: string;
  /** Output cut to what a result keeps (config keptOutputKb, keptOutputTotalKb). */
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
  exitCode?: number | null;
  signal?: number | null;
  hidden?: boolean;
  /**
   * Why a checker failed (its output, or its compile errors), for operators: it may quote the
   * test's data, so a problem's students never see it.
   */
  detail?: string;
}

export interface JudgeRequest {
  language: LanguageDefinition;
  /** Toolchain version (part of the compile-cache key). */
  version: string;
  /** All files of the program; the language's sourceFile among them. */
  files: SandboxFile[];
  args?: string[];
  /** For a plain run (no tests). */
  stdin?: string;
  limits: RunLimits;
  compileLimits?: RunLimits;
  /** Extra compiler flags appended to the language's compile command (Judge0's compiler_options). */
  compilerOptions?: string[];
  /** Send the program's stderr into its stdout (Judge0's redirect_stderr_to_stdout). */
  mergeStderr?: boolean;
  tests?: TestCase[];
  checker?: CheckerSpec;
  /** Limits of a custom checker's runs: the problem's, not the student's. Default: `limits`. */
  checkerLimits?: RunLimits;
  /** Stop at the first failing test; the rest are not run. Default: false. */
  stopOnFirstFailure?: boolean;
  signal?: AbortSignal;
}

export interface JudgeResult {
  status: FinalStatus;
  compile?: StageResult;
  /** A plain run's stage, or the first failing (else last) test's run. */
  run?: StageResult;
  tests: TestResult[];
  /** Sum of the weights of passed tests; null without tests. */
  score: number | null;
  maxScore: number | null;
  /** Whether the compile came from the compile cache. */
  compileCached: boolean;
}
