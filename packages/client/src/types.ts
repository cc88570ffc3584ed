/**
 * The shapes of Arbiter's native API v1, as the server sends and accepts them. Kept by hand (the
 * SDK depends on nothing of the server); the root project's test/client/types.test.ts checks at
 * compile time that they still match the server's own types.
 */

/** A submission's state: two in-between ones, then exactly one final verdict. */
export type SubmissionStatus = 'queued' | 'running' | FinalStatus;

export type FinalStatus =
  | 'accepted'
  | 'wrong_answer'
  | 'compilation_error'
  | 'runtime_error'
  | 'time_limit_exceeded'
  | 'memory_limit_exceeded'
  | 'output_limit_exceeded'
  | 'cancelled'
  | 'internal_error';

export const FINAL_STATUSES: readonly FinalStatus[] = Object.freeze([
  'accepted',
  'wrong_answer',
  'compilation_error',
  'runtime_error',
  'time_limit_exceeded',
  'memory_limit_exceeded',
  'output_limit_exceeded',
  'cancelled',
  'internal_error',
]);

/** True once a submission will not change any more. */
export function isFinalStatus(status: string): status is FinalStatus {
  return status !== 'queued' && status !== 'running';
}

/** Resource limits of one run; each unset one comes from the problem or the server's defaults. */
export interface RunLimits {
  /** CPU time of all processes together, in milliseconds. */
  cpuMs?: number;
  /** Wall-clock time, in milliseconds. */
  wallMs?: number;
  /** Peak memory of the whole process tree, in KiB. */
  memoryKb?: number;
  /** Processes and threads alive at once. */
  pids?: number;
  /** Bytes kept of stdout, and separately of stderr, in KiB. */
  outputKb?: number;
  /** Largest file the program may write, in KiB. */
  fileSizeKb?: number;
  /** Open file descriptors per process. */
  openFiles?: number;
  /** Stack size per process, in KiB. */
  stackKb?: number;
}

export interface SourceFile {
  name: string;
  content: string;
  /** Default utf8; base64 for binary files. */
  encoding?: 'utf8' | 'base64';
}

export interface TestCase {
  stdin?: string;
  /** Absent: the test passes when the program runs cleanly (exit 0, no limit hit). */
  expected?: string;
  /** Points for passing. Default 1. */
  weight?: number;
  /** Hidden tests never show their data or output to a non-admin caller. */
  hidden?: boolean;
  name?: string;
  /** The id of its group, on a problem with groups (every test then names one). */
  group?: string;
}

/**
 * A problem's test group (subtask). Its score is `points` times its tests' shares (1 passed, a
 * checker's partial points, 0 failed) combined by `aggregation`: `sum` (default; averaged by
 * weight), `min` (all or nothing), `product`. It scores only when every group in `dependsOn` passed.
 */
export interface TestGroup {
  id: string;
  points: number;
  aggregation?: 'sum' | 'min' | 'product';
  dependsOn?: string[];
}

/** One group's outcome in a submission; `status` is left out where the feedback level is `score`. */
export interface GroupResult {
  id: string;
  points: number;
  score: number;
  status?: FinalStatus | 'skipped';
}

/** How output is compared with the expected output. Default trailing_whitespace. */
export type Checker =
  | 'exact'
  | 'trailing_whitespace'
  | 'tokens'
  | 'float'
  | { type: 'exact' }
  | { type: 'trailing_whitespace' }
  | { type: 'tokens' }
  | { type: 'float'; absolute?: number; relative?: number }
  | { type: 'custom'; language: string; source: string };

/** The body of POST /api/v1/submissions: `source` or `files`, plus what to do with it. */
export interface SubmissionInput {
  /** Language id or alias, e.g. "python3", "c", "java" (see ArbiterClient.languages()). */
  language: string;
  /** Refuse to run unless the installed toolchain is this version (semver range). */
  version?: string;
  source?: string;
  files?: SourceFile[];
  /** Standard input of a plain run (no tests). */
  stdin?: string;
  args?: string[];
  limits?: RunLimits;
  /** Judge against these; or give problemId to use a stored problem's tests. */
  tests?: TestCase[];
  problemId?: string;
  /**
   * Who the submission is for, in your terms (a student's id, when your backend calls with one key
   * for a whole class): each user gets a rate of its own and the queue is fair between users.
   */
  user?: string;
  checker?: Checker;
  stopOnFirstFailure?: boolean;
  /** Lower than your key's priority, never higher. */
  priority?: number;
  /** Called with the result once it is final (the server signs the request). */
  callbackUrl?: string;
  /** Reuse the result of an identical earlier submission. Default false. */
  cache?: boolean;
  compileLimits?: RunLimits;
  compilerOptions?: string[];
  /** Send the program's stderr into its stdout. */
  mergeStderr?: boolean;
}

/** What one stage (the compile, or the run) produced. */
export interface StageResult {
  status: string;
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
   * The exact bytes of stdout, base64, present only when they are not valid UTF-8 (`stdout` then has
   * U+FFFD in place of each bad sequence).
   */
  stdoutBase64?: string;
  /** The same for stderr. */
  stderrBase64?: string;
  /** Which limit or event decided a status other than accepted: cpu, wall, memory, output, ... */
  reason?: string | null;
  message?: string;
}

export interface TestResult {
  name?: string;
  /** `skipped`: not judged, as its group could no longer score. */
  status: FinalStatus | 'skipped';
  cpuMs: number;
  wallMs: number;
  /** Left out of a test shown by its verdict only (a hidden test, to a student). */
  memoryKb?: number;
  weight: number;
  /** The checker's explanation of a wrong answer. */
  message?: string;
  /** The program's output; left out for hidden tests. */
  stdout?: string;
  stderr?: string;
  /** As in StageResult: the exact bytes, only when they are not UTF-8. */
  stdoutBase64?: string;
  stderrBase64?: string;
  /** Output cut to what the server keeps of a result. */
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
  exitCode?: number | null;
  signal?: number | null;
  hidden?: boolean;
  group?: string;
  /** The share of its points a checker's partial points gave it (0 to 1). */
  fraction?: number;
  /** Why a checker failed; shown to admins, and to the author of an ad-hoc submission's checker. */
  detail?: string;
  /** An interactive test's conversation, the first 64 KiB each way; shown to admins only. */
  transcript?: { toInteractor: string; toProgram: string; truncated?: boolean };
  /** Where a visible test's wrong output first differs from the expected one. */
  diff?: OutputDiff;
}

/**
 * A test's first difference: `line` is the first differing line (from 1); `expected` and `actual`
 * are each side's lines from line `from`, up to 2 of context around `line`, each cut to 200
 * characters (a cut one ends with "…"). A side that ended has fewer lines.
 */
export interface OutputDiff {
  line: number;
  from: number;
  expected: string[];
  actual: string[];
}

/** A submission and, once final, its result (GET /api/v1/submissions/:id). */
export interface Submission {
  id: string;
  status: SubmissionStatus;
  language: string;
  version: string | null;
  problemId?: string;
  /** Who it is for, as the submission named them. */
  user?: string;
  /** Place in the queue (0 = next) while queued. */
  position?: number;
  compile?: StageResult;
  run?: StageResult;
  tests: TestResult[];
  /** On a problem with groups: each group's outcome. */
  groups?: GroupResult[];
  score: number | null;
  maxScore: number | null;
  message?: string;
  /** The result came from the result cache. */
  cached?: boolean;
  attempts: number;
  /** Milliseconds between creation and the start of the run; null until it starts. */
  queueMs: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A submission in a listing: its state and score, without outputs (get() it for those). */
export type SubmissionSummary = Omit<Submission, 'compile' | 'run' | 'tests' | 'position'> & {
  /** Tests passed and run; absent without tests. */
  testsPassed?: number;
  testsRun?: number;
};

/** What listSubmissions() narrows by; each field left out does not narrow. */
export interface ListOptions {
  /** Submissions per page, 1 to 100. Default 20. */
  limit?: number;
  /** nextCursor of the previous page. */
  cursor?: string;
  status?: SubmissionStatus;
  language?: string;
  /** Admin keys only: one key's submissions. */
  keyId?: string;
}

/** One page of a listing; nextCursor is null on the last. */
export interface SubmissionPage {
  submissions: SubmissionSummary[];
  nextCursor: string | null;
}

/** The answer to a submit: the id and where it stands. */
export interface SubmitResponse {
  id: string;
  status: SubmissionStatus;
  /** Place in the queue; null when it is not queued (a cached result answers at once). */
  position: number | null;
  /** Present when the server answered with the finished result straight away (cache hit). */
  submission?: Submission;
}

/** One refused item of a batch; the other items are unaffected. */
export interface BatchItemError {
  /** Stable error code, e.g. ARB_ERR_LANGUAGE_UNKNOWN. */
  error: string;
  message: string;
  status: number;
}

export type BatchItem = SubmitResponse | BatchItemError;

export function isBatchItemError(item: BatchItem): item is BatchItemError {
  return 'error' in item;
}

export interface ProblemInput {
  /** Letters, digits, "_", "." and "-"; the server picks a UUID when absent. */
  id?: string;
  title: string;
  tests: TestCase[];
  groups?: TestGroup[];
  limits?: RunLimits;
  checker?: Checker;
  /** Makes the problem interactive (docs/problems.md); never together with a custom checker. */
  interactor?: { language: string; source: string };
  feedback?: Feedback;
  /** `program` (default) or `output-only`: a submission sends, in language "output", a file per test. */
  type?: ProblemType;
  /** Files every run finds in its work directory, read-only (data files, headers). */
  files?: ProblemFile[];
  /** Graders by language id; a problem with graders takes only their languages. */
  graders?: Record<string, ProblemGrader>;
}

export type ProblemType = 'program' | 'output-only';

/** A problem's file; students see it only when `visible` (default false). */
export interface ProblemFile {
  name: string;
  content: string;
  encoding?: 'utf8' | 'base64';
  visible?: boolean;
}

/** A problem's grader for one language (docs/problems.md, "Files and graders"). */
export interface ProblemGrader {
  /** Written beside the student's program; a compiled language compiles those with its extensions with it. */
  files: ProblemFile[];
  /** One of `files`, run in place of the student's source (Python: it imports the student's module). */
  entry?: string;
  /** The name the student's source gets. Default: the language's source file name. */
  sourceFile?: string;
}

/**
 * What students see of a problem's test results: `full` (default) shows visible tests whole and
 * hidden tests by verdict and time only; `verdicts` shows every test so; `score` only the total.
 */
export type Feedback = 'full' | 'verdicts' | 'score';

export interface Problem {
  id: string;
  title: string;
  tests: TestCase[];
  groups?: TestGroup[];
  limits?: RunLimits;
  /** A custom checker's source is shown to admins only. */
  checker?: Exclude<Checker, string> | { type: 'custom'; language: string };
  /** An interactor's source is shown to admins only. */
  interactor?: { language: string; source?: string };
  feedback?: Feedback;
  type?: ProblemType;
  /** Students see the files marked visible only. */
  files?: ProblemFile[];
  graders?: Record<string, ProblemGrader>;
  /** A package's reference solutions (admins only). */
  solutions?: ReferenceSolution[];
  /** Whether the reference solutions got their verdicts; non-admins see the state only. */
  verification?: ProblemVerification;
  /** An admin opened the problem whatever its verification says. */
  open?: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** The verdict a reference solution must get (`rejected`: anything but accepted in full). */
export type ExpectedVerdict =
  | 'accepted'
  | 'wrong_answer'
  | 'time_limit_exceeded'
  | 'runtime_error'
  | 'memory_limit_exceeded'
  | 'rejected'
  | 'partially_accepted';

export interface ReferenceSolution {
  /** Its path in the package, as `accepted/sol.py`. */
  name: string;
  language: string;
  source: string;
  expected: ExpectedVerdict;
}

/** A problem's verification: its reference solutions judged, each against its expected verdict. */
export interface ProblemVerification {
  state: 'pending' | 'running' | 'passed' | 'failed';
  runId: string;
  startedAt: number | null;
  finishedAt: number | null;
  results: {
    name: string;
    expected: ExpectedVerdict;
    status?: SubmissionStatus;
    score?: number | null;
    maxScore?: number | null;
    passed?: boolean;
    submissionId?: string;
    message?: string;
  }[];
}

/** What importing a package answers: the problem in brief, and its verification (started). */
export interface ProblemImport {
  id: string;
  title: string;
  format: 'kattis' | 'polygon';
  testCount: number;
  groups?: TestGroup[];
  limits?: Partial<RunLimits>;
  checker?: { type: string };
  solutions: { name: string; language: string; expected: ExpectedVerdict }[];
  verification?: ProblemVerification;
  createdAt: number;
  updatedAt: number;
}

/** A problem as listed: no test data, only how many tests it has; no files, only its graders' languages. */
export interface ProblemSummary extends Omit<Problem, 'tests' | 'files' | 'graders'> {
  testCount: number;
  /** The languages it has graders for: the only ones it takes. */
  graders?: string[];
  /** An output-only problem's: the file each test's output goes in (`<test name>.out`), in test order. */
  outputFiles?: string[];
  /** Names of the problem's files students see (headers, data); their contents are in `problems.get`. */
  visibleFiles?: string[];
}

/** One user's standing on a problem (GET /api/v1/problems/:id/gradebook); see docs/problems.md. */
export interface GradebookEntry {
  /** Null for the submissions that named no user. */
  user: string | null;
  /** The key that made them: shown to admins only (null: anonymous submissions). */
  keyId?: string | null;
  /** How many submissions, whatever their status. */
  submissions: number;
  /** The highest score, the earliest on a tie; null until one is judged with a score. */
  best: { score: number; maxScore: number | null; submissionId: string; at: string } | null;
  /** The newest submission; its score is null until it is judged. `at`: ISO 8601, when it was made. */
  latest: { score: number | null; status: SubmissionStatus; submissionId: string; at: string };
}

export interface GradebookPage {
  problemId: string;
  rows: GradebookEntry[];
  /** Pass back as `offset` for the next page; null on the last. */
  nextOffset: number | null;
}

export interface Language {
  id: string;
  name: string;
  aliases: string[];
  version: string | null;
  installed: boolean;
  /** Whether the language has a compile step. */
  compiled: boolean;
}

export interface TimingSummary {
  count: number;
  avgWaitMs: number;
  p95WaitMs: number;
  avgRunMs: number;
  p95RunMs: number;
}

/** GET /api/v1/queue. */
export interface QueueStats {
  /** Submissions waiting now. */
  length: number;
  /** Submissions running now. */
  running: number;
  workers: number;
  /** Waiting submissions beyond which new ones are refused with 503. */
  maxLength: number;
  /** 1 normally; below 1 while the server lowers rate limits because the queue is filling. */
  rateLimitFactor: number;
  totals: {
    queued: number;
    running: number;
    processed: number;
    accepted: number;
    failed: number;
    cancelled: number;
    timedOut: number;
  };
  last15Minutes: TimingSummary;
  byLanguage: Record<string, { statuses: Record<string, number>; timings: TimingSummary | null }>;
}

/** The one error body every route answers with. */
export interface ErrorBody {
  error: string;
  message: string;
  status: number;
  timestamp: string;
  path: string;
  requestId: string;
  /** Seconds to wait before retrying (429, 503). */
  retryAfter?: number;
}

/** A change pushed while waiting: the new status and, while queued, the position. */
export interface StatusUpdate {
  id: string;
  status: SubmissionStatus;
  position?: number;
}
