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
/**
 * A test's verdict: a final status, or `skipped` when its group could no longer score (a group it
 * depends on did not pass, or an all-or-nothing group already failed) and it was not judged.
 */
export type TestStatus = FinalStatus | 'skipped';

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
   * A program that decides, testlib's way (see checker-protocol.ts): it runs in the sandbox as
   * `checker input.txt output.txt expected.txt` (the files are in its work directory too) and
   * exits 0 accepted, 1 wrong answer, 2 presentation error (judged wrong_answer), 7 partial points
   * (the share read from its report), anything else internal_error. Its report (stdout, else
   * stderr) is the test's message.
   *
   * `protocol: 'kattis'` runs it the Kattis output validator's way instead: `validator input.txt
   * expected.txt feedback/ < output.txt`, exit 42 accepted, 43 wrong answer, anything else
   * internal_error; the message is feedback/judgemessage.txt (else stdout, else stderr).
   * `files` are compiled beside the source (headers such as testlib.h).
   */
  | {
      type: 'custom';
      language: string;
      source: string;
      /** Default `testlib`. */
      protocol?: CheckerProtocol;
      /** Extra files placed beside the source (text); names as SandboxFile names. */
      files?: { name: string; content: string }[];
    };

/** How a custom checker is called and read: see checker-protocol.ts. */
export const CHECKER_PROTOCOLS = ['testlib', 'kattis'] as const;
export type CheckerProtocol = (typeof CHECKER_PROTOCOLS)[number];

/**
 * An interactive problem's interactor (see interactor.ts): a program in any installed language that
 * talks with the contestant's program through their stdin and stdout, run testlib's way as
 * `interactor input.txt output.txt [expected.txt]` (or the Kattis way, see `protocol`), and decides
 * each test by its exit code.
 */
export interface InteractorSpec {
  language: string;
  source: string;
  /**
   * Default `testlib`. `kattis` runs it as a Kattis interactive output validator instead:
   * `interactor input.txt expected.txt feedback/`, exit 42 accepted, 43 wrong answer, its message
   * feedback/judgemessage.txt (else stderr); see interactor.ts.
   */
  protocol?: CheckerProtocol;
  /** Extra files compiled beside the source (headers such as testlib.h), as a custom checker's. */
  files?: { name: string; content: string }[];
}

/** The first bytes of each direction of one interactive test's conversation, for operators only. */
export interface Transcript {
  /** What the program wrote to the interactor. */
  toInteractor: string;
  /** What the interactor wrote to the program. */
  toProgram: string;
  /** More was said than is kept (see interactor.ts TRANSCRIPT_BYTES). */
  truncated?: boolean;
}

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
  /** The id of the group it belongs to; required on every test when the problem has groups. */
  group?: string;
}

/**
 * How a group's score is made from its tests' shares (each 0 to 1: 1 accepted, a custom checker's
 * partial points, 0 otherwise), as the Kattis format's aggregation and CMS's score types have it:
 * - `sum` (default): points × the tests' shares averaged by weight (CMS Sum, Kattis sum).
 * - `min`: points × the smallest share: all or nothing (CMS GroupMin, Kattis min).
 * - `product`: points × the product of the shares (CMS GroupMul).
 */
export const GROUP_AGGREGATIONS = ['sum', 'min', 'product'] as const;
export type GroupAggregation = (typeof GROUP_AGGREGATIONS)[number];

/** A test group (subtask) of a problem. */
export interface TestGroup {
  /** Letters, digits, `_`, `.` and `-`; tests name it in their `group`. */
  id: string;
  /** What the group is worth when every test passes in full. */
  points: number;
  /** Default `sum`. */
  aggregation?: GroupAggregation;
  /**
   * Groups that must pass (every test accepted in full) for this one to score; when one does not,
   * this group scores 0 and its tests are skipped. No cycles.
   */
  dependsOn?: string[];
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
  status: TestStatus;
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
  /** The test's group, on a problem with groups. */
  group?: string;
  /**
   * The share of the test's points it earned, 0 to 1, when a custom checker gave partial points
   * (exit 7); absent otherwise (accepted is 1, any other verdict 0).
   */
  fraction?: number;
  /**
   * Why a checker failed (its output, or its compile errors), for operators: it may quote the
   * test's data, so a problem's students never see it.
   */
  detail?: string;
  /** An interactive test's conversation (capped): operators only, like `detail`. */
  transcript?: Transcript;
  /**
   * Where the output first differs from the expected one (see OutputDiff): on a visible test that a
   * built-in checker judged wrong_answer, never on a hidden one.
   */
  diff?: OutputDiff;
}

/**
 * The first difference between a test's expected and actual output (judge/output-diff.ts): `line`
 * is the first differing line (1-based); `expected` and `actual` are each side's lines from line
 * `from` on, up to 2 lines of context before and after `line`, each line cut to 200 characters
 * (a cut line ends with "…"). A side that ended has fewer lines.
 */
export interface OutputDiff {
  line: number;
  from: number;
  expected: string[];
  actual: string[];
}

/**
 * How a program runs with its problem's grader (service/problem-files.ts builds it, judge/graders.ts
 * applies it to the language's commands).
 */
export interface GraderPlan {
  /** The grader's sources compiled with the student's, added right after it to the compile command. */
  compileSources?: string[];
  /** The file run in place of the student's source (an interpreted language's grader, e.g. grader.py). */
  entry?: string;
  /** The student's source's name in the work directory. Default: the language's sourceFile. */
  sourceFile?: string;
}

export interface JudgeRequest {
  language: LanguageDefinition;
  /** Toolchain version (part of the compile-cache key). */
  version: string;
  /** All files of the program; the language's sourceFile among them. */
  files: SandboxFile[];
  /**
   * The problem's files (data files, headers, its grader's files), written after `files` and before
   * the compile; like the compiled program they are read-only to every test's run.
   */
  problemFiles?: SandboxFile[];
  /** Compile and run with the problem's grader for this language. */
  grader?: GraderPlan;
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
  /** The problem's test groups (validated: see groups.ts); absent = every test scores on its own. */
  groups?: TestGroup[];
  checker?: CheckerSpec;
  /** Limits of a custom checker's runs: the problem's, not the student's. Default: `limits`. */
  checkerLimits?: RunLimits;
  /** An interactive problem's interactor; never together with a custom checker. */
  interactor?: InteractorSpec;
  /** Limits of the interactor's runs: the problem's, not the student's. Default: `limits`. */
  interactorLimits?: RunLimits;
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
  /** With groups: each group's outcome, in the problem's order. */
  groups?: GroupResult[];
  /**
   * Without groups, the weights of passed tests summed (a partial test its share of its weight);
   * with groups, the groups' scores summed. Null without tests.
   */
  score: number | null;
  maxScore: number | null;
  /** Whether the compile came from the compile cache. */
  compileCached: boolean;
}

/**
 * One group's outcome. `status`: `accepted` when every test passed in full; `skipped` when a group it
 * depends on did not pass (its tests were not run); otherwise the verdict of its first test (in
 * judging order) that did not pass.
 */
export interface GroupResult {
  id: string;
  points: number;
  score: number;
  /** Left out where a student sees no verdicts (feedback `score`, see service/visibility). */
  status?: TestStatus;
}
