import type { LanguageDefinition } from '../languages/language.js';
import type {
  CheckerSpec,
  FinalStatus,
  InteractorSpec,
  Submission,
  TestCase,
  TestGroup,
} from '../contract.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { SandboxFile } from '../sandbox/run-spec.js';

/**
 * The wire shapes the judge produces and reads (statuses, tests, groups, checkers, results) are the
 * API contract's: src/contract.ts. Re-exported here so the judge's modules keep one import.
 */
export {
  CHECKER_PROTOCOLS,
  FEEDBACK_LEVELS,
  GROUP_AGGREGATIONS,
  SUBMISSION_STATUSES,
  type CheckerProtocol,
  type CheckerSpec,
  type Feedback,
  type FinalStatus,
  type GroupAggregation,
  type GroupResult,
  type InteractorSpec,
  type OutputDiff,
  type StageResult,
  type SubmissionStatus,
  type TestCase,
  type TestGroup,
  type TestResult,
  type TestStatus,
  type Transcript,
} from '../contract.js';

/** Outcome of the comparison of one output. */
export interface CheckOutcome {
  accepted: boolean;
  /** Why not, for a person: "line 3: expected 42, got 41". */
  message?: string;
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

/**
 * How a program is run and judged, apart from the program itself: its input, limits, tests and how
 * they are checked. A submission's request stores these (store/types.ts StoredRequest) as the API
 * resolved them, and the judge reads them from it (JudgeRequest).
 */
export interface JudgeSettings {
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
  /**
   * The problem's test groups (validated: see groups.ts), copied with its tests when the submission
   * is made; absent = every test scores on its own.
   */
  groups?: TestGroup[];
  checker?: CheckerSpec;
  /**
   * Limits of a custom checker's runs: the problem's, resolved from it when the submission is made,
   * never the student's or the request's. Default: `limits`.
   */
  checkerLimits?: RunLimits;
  /**
   * An interactive problem's interactor, copied when the submission is made; never together with a
   * custom checker.
   */
  interactor?: InteractorSpec;
  /**
   * Limits of the interactor's runs: the problem's, resolved from it when the submission is made,
   * never the student's or the request's. Default: `limits`.
   */
  interactorLimits?: RunLimits;
  /** Stop at the first failing test; the rest are not run. Default: false. */
  stopOnFirstFailure?: boolean;
}

/** What the judge judges: a program (its language, toolchain and files) and its JudgeSettings. */
export interface JudgeRequest extends JudgeSettings {
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
  signal?: AbortSignal;
}

/** What judging produced: the result fields of the contract's Submission, and the final status. */
export interface JudgeResult extends Pick<
  Submission,
  'compile' | 'run' | 'tests' | 'groups' | 'score' | 'maxScore'
> {
  status: FinalStatus;
  /** Whether the compile came from the compile cache. */
  compileCached: boolean;
}
