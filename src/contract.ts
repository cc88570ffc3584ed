/**
 * The contract of Arbiter's native API v1: every shape that crosses the wire, written once. The
 * server (judge, store, service, api), the web pages (src/web), the tests and the SDK all take
 * their wire types from here; the SDK's packages/client/src/types.ts is this file copied by
 * scripts/gen-sdk-types.ts (test/client/sdk-types.test.ts fails when the copy is out of date).
 *
 * Rules of this file: no imports (the SDK builds on its own, for browsers; the web pages have no
 * Node types), only types, constants and tiny pure guards. A field only some callers see says who:
 * "operators only" fields (an admin key, or the machine's own user on loopback) are removed for
 * everyone else by src/service/caller.ts before a response is shaped.
 */

// ---------------------------------------------------------------------------------------------
// Statuses

/** A submission's states: two in-between ones, then exactly one final verdict. */
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

/** A submission's state (the API's `status`). */
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** A status after which the submission does not change any more. */
export type FinalStatus = Exclude<SubmissionStatus, 'queued' | 'running'>;

export const FINAL_STATUSES: readonly FinalStatus[] = Object.freeze(
  SUBMISSION_STATUSES.filter((status): status is FinalStatus => isFinalStatus(status)),
);

/** True once a submission will not change any more. */
export function isFinalStatus(status: string): status is FinalStatus {
  return status !== 'queued' && status !== 'running';
}

/**
 * A test's verdict: a final status, or `skipped` when its group could no longer score (a group it
 * depends on did not pass, or an all-or-nothing group already failed) and it was not judged.
 */
export type TestStatus = FinalStatus | 'skipped';

/** How one sandboxed run (a compile, a plain run, a test's run) ended. */
export type StageStatus =
  | 'accepted'
  | 'runtime_error'
  | 'time_limit_exceeded'
  | 'memory_limit_exceeded'
  | 'output_limit_exceeded'
  | 'cancelled'
  | 'internal_error';

/** Which limit or event decided a run's status other than accepted. */
export type StageReason =
  | 'cpu'
  | 'wall'
  | 'memory'
  | 'output'
  | 'processes'
  | 'file_size'
  | 'signal'
  | 'exit_code'
  | 'cancelled'
  | 'sandbox';

// ---------------------------------------------------------------------------------------------
// Submitting

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

/** A file of a submission's program. */
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

/** How a custom checker is called and read (src/judge/checker-protocol.ts). */
export const CHECKER_PROTOCOLS = ['testlib', 'kattis'] as const;
export type CheckerProtocol = (typeof CHECKER_PROTOCOLS)[number];

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
   * A program that decides, testlib's way: it runs in the sandbox as `checker input.txt
   * output.txt expected.txt` and exits 0 accepted, 1 wrong answer, 2 presentation error (judged
   * wrong_answer), 7 partial points (the share read from its report), anything else
   * internal_error. Its report (stdout, else stderr) is the test's message.
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
      /** Extra files placed beside the source (text). */
      files?: { name: string; content: string }[];
    };

/** A checker as a request may give it: a built-in one's name alone, or its full spec. */
export type Checker = 'exact' | 'trailing_whitespace' | 'tokens' | 'float' | CheckerSpec;

/** The body of POST /api/v1/submissions: `source` or `files`, plus what to do with it. */
export interface SubmissionInput {
  /** Language id or alias, e.g. "python3", "c", "java" (GET /api/v1/languages). */
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
   * Who the submission is for, in the caller's terms (a student's id, when a site's backend calls
   * with one key for a whole class): each user gets a rate of its own and the queue is fair
   * between users.
   */
  user?: string;
  checker?: Checker;
  stopOnFirstFailure?: boolean;
  /** Lower than the key's priority, never higher. */
  priority?: number;
  /** Called with the result once it is final (the server signs the request). */
  callbackUrl?: string;
  /** Reuse the result of an identical earlier submission. Default false. */
  cache?: boolean;
  /** Limits for the compile; unset ones come from the server's compile defaults. */
  compileLimits?: RunLimits;
  /** Extra compiler flags appended to the compile command (Judge0's compiler_options). */
  compilerOptions?: string[];
  /** Send the program's stderr into its stdout (Judge0's redirect_stderr_to_stdout). */
  mergeStderr?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Results

/** What one stage (the compile, or a plain run) produced. */
export interface StageResult {
  status: StageStatus;
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
  /** Which limit or event decided a status other than accepted; null or absent when accepted. */
  reason?: StageReason | null;
  message?: string;
}

/** The first bytes of each direction of one interactive test's conversation. */
export interface Transcript {
  /** What the program wrote to the interactor. */
  toInteractor: string;
  /** What the interactor wrote to the program. */
  toProgram: string;
  /** More was said than is kept (64 KiB each way). */
  truncated?: boolean;
}

/**
 * The first difference between a test's expected and actual output: `line` is the first differing
 * line (1-based); `expected` and `actual` are each side's lines from line `from` on, up to 2 lines
 * of context before and after `line`, each line cut to 200 characters (a cut line ends with "…").
 * A side that ended has fewer lines.
 */
export interface OutputDiff {
  line: number;
  from: number;
  expected: string[];
  actual: string[];
}

export interface TestResult {
  name?: string;
  status: TestStatus;
  cpuMs: number;
  wallMs: number;
  /** Peak memory; left out where a student sees the test by its verdict only. */
  memoryKb?: number;
  weight: number;
  /** The checker's explanation of a wrong answer. */
  message?: string;
  /** The program's output (a student does not see it for hidden tests). */
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
  /** The test's group, on a problem with groups. */
  group?: string;
  /**
   * The share of the test's points it earned, 0 to 1, when a custom checker gave partial points;
   * absent otherwise (accepted is 1, any other verdict 0).
   */
  fraction?: number;
  /**
   * Why a checker failed (its output, or its compile errors). Operators only, and the author of
   * an ad-hoc submission's own checker: it may quote the test's data.
   */
  detail?: string;
  /** An interactive test's conversation (capped). Operators only, like `detail`. */
  transcript?: Transcript;
  /**
   * Where the output first differs from the expected one: on a visible test that a built-in
   * checker judged wrong_answer, never on a hidden one.
   */
  diff?: OutputDiff;
}

/**
 * One group's outcome. `status`: `accepted` when every test passed in full; `skipped` when a group
 * it depends on did not pass (its tests were not run); otherwise the verdict of its first test (in
 * judging order) that did not pass. Left out where the feedback level is `score`.
 */
export interface GroupResult {
  id: string;
  points: number;
  score: number;
  status?: TestStatus;
}

/** A submission and, once final, its result (GET /api/v1/submissions/:id). */
export interface Submission {
  id: string;
  status: SubmissionStatus;
  language: string;
  version: string | null;
  problemId?: string;
  /** Who it is for, as the submission named them; absent when not named. */
  user?: string;
  /** Place in the queue (0 = next) while queued. */
  position?: number;
  compile?: StageResult;
  /** A plain run's stage, or the first failing (else last) test's run. */
  run?: StageResult;
  tests: TestResult[];
  /** On a problem with groups: each group's outcome, in the problem's order. */
  groups?: GroupResult[];
  /**
   * Without groups, the weights of passed tests summed (a partial test its share of its weight);
   * with groups, the groups' scores summed. Null without tests.
   */
  score: number | null;
  maxScore: number | null;
  message?: string;
  /** The result came from the result cache. */
  cached?: boolean;
  attempts: number;
  /** Milliseconds between creation and the start of the run; null until it starts. */
  queueMs: number | null;
  /** ISO 8601. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A submission in a listing: its state and score, without outputs (GET it for those). */
export type SubmissionSummary = Omit<Submission, 'compile' | 'run' | 'tests' | 'position'> & {
  /** Tests passed and run; absent without tests. */
  testsPassed?: number;
  testsRun?: number;
};

/** What a listing of submissions narrows by; each field left out does not narrow. */
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

/** A change pushed while waiting: the new status and, while queued, the position. */
export interface StatusUpdate {
  id: string;
  status: SubmissionStatus;
  position?: number;
}

// ---------------------------------------------------------------------------------------------
// Problems

/**
 * How much a problem tells a student of its tests (contest systems' "feedback level"):
 * - `full` (default): visible tests in full; hidden tests their verdict and time only.
 * - `verdicts`: every test its verdict and time only, as hidden tests are under `full`.
 * - `score`: the overall status and score only; no per-test list.
 * An operator always sees everything.
 */
export const FEEDBACK_LEVELS = ['full', 'verdicts', 'score'] as const;
export type Feedback = (typeof FEEDBACK_LEVELS)[number];

/** `program` (default), or `output-only`: a submission sends, in language "output", a file per test. */
export const PROBLEM_TYPES = ['program', 'output-only'] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

/**
 * An interactive problem's interactor: a program in any installed language that talks with the
 * contestant's program through their stdin and stdout, run testlib's way as `interactor input.txt
 * output.txt [expected.txt]`, and decides each test by its exit code.
 */
export interface InteractorSpec {
  language: string;
  source: string;
  /**
   * Default `testlib`. `kattis` runs it as a Kattis interactive output validator instead:
   * `interactor input.txt expected.txt feedback/`, exit 42 accepted, 43 wrong answer, its message
   * feedback/judgemessage.txt (else stderr); see judge/interactor.ts.
   */
  protocol?: CheckerProtocol;
  /** Extra files compiled beside the source (headers such as testlib.h), as a custom checker's. */
  files?: { name: string; content: string }[];
}

/**
 * A file of a problem: text, or bytes as base64. `visible`: students see it in the problem (a
 * header they code against); default false.
 */
export interface ProblemFile {
  name: string;
  content: string;
  encoding?: 'utf8' | 'base64';
  visible?: boolean;
}

/** A problem's grader for one language (docs/problems.md, "Files and graders"). */
export interface ProblemGrader {
  /** Written beside the student's program; a compiled language's sources among them are compiled with it. */
  files: ProblemFile[];
  /** One of `files`, run in place of the student's source (Python: the grader imports the student's module). */
  entry?: string;
  /** The name the student's source gets (its module's name, for an entry to import). Default: the language's. */
  sourceFile?: string;
}

/**
 * The verdict a reference solution must get: a final status, `rejected` (anything but accepted in
 * full), or `partially_accepted` (a score above 0 and below the maximum).
 */
export const EXPECTED_VERDICTS = [
  'accepted',
  'wrong_answer',
  'time_limit_exceeded',
  'runtime_error',
  'memory_limit_exceeded',
  'rejected',
  'partially_accepted',
] as const;
export type ExpectedVerdict = (typeof EXPECTED_VERDICTS)[number];

/** A problem's reference solution: one source file, its language, and the verdict it must get. */
export interface ReferenceSolution {
  /** Its path in the package, as `accepted/sol.py`; unique within the problem. */
  name: string;
  language: string;
  source: string;
  expected: ExpectedVerdict;
}

export type VerificationState = 'pending' | 'running' | 'passed' | 'failed';

/** One reference solution's outcome in a verification. */
export interface VerificationResult {
  name: string;
  expected: ExpectedVerdict;
  /** The submission's status; absent until it is judged. */
  status?: SubmissionStatus;
  score?: number | null;
  maxScore?: number | null;
  /** Whether it got the expected verdict; absent until judged. */
  passed?: boolean;
  submissionId?: string;
  /** Why it could not be judged (an unknown language, a timeout). */
  message?: string;
}

/** A problem's verification: its reference solutions judged, each against its expected verdict. */
export interface ProblemVerification {
  state: VerificationState;
  /** Which run this is: a result is written only while the problem still carries its run's id. */
  runId: string;
  /** Milliseconds since the epoch. */
  startedAt: number | null;
  finishedAt: number | null;
  results: VerificationResult[];
}

/** The body of POST /api/v1/problems. */
export interface ProblemInput {
  /** Letters, digits, "_", "." and "-"; the server picks a UUID when absent. */
  id?: string;
  title: string;
  tests: TestCase[];
  groups?: TestGroup[];
  limits?: RunLimits;
  checker?: Checker;
  /** Makes the problem interactive (docs/problems.md); never together with a custom checker. */
  interactor?: InteractorSpec;
  feedback?: Feedback;
  type?: ProblemType;
  /** Files every run finds in its work directory, read-only (data files, headers). */
  files?: ProblemFile[];
  /** Graders by language id; a problem with graders takes only their languages. */
  graders?: Record<string, ProblemGrader>;
}

/** A problem as GET /api/v1/problems/:id shows it. */
export interface Problem {
  id: string;
  title: string;
  tests: TestCase[];
  groups?: TestGroup[];
  limits?: RunLimits;
  /** A custom checker's source is shown to operators only. */
  checker?: CheckerSpec | { type: 'custom'; language: string };
  /** An interactor's source is shown to operators only. */
  interactor?: { language: string; source?: string };
  feedback?: Feedback;
  type?: ProblemType;
  /** Students see the files marked visible only. */
  files?: ProblemFile[];
  graders?: Record<string, ProblemGrader>;
  /** A package's reference solutions. Operators only. */
  solutions?: ReferenceSolution[];
  /**
   * Whether the reference solutions got their expected verdicts; non-admins see the state only.
   * While it is not `passed`, only admins may submit, unless `open`. Absent: nothing to verify.
   */
  verification?: ProblemVerification;
  /** An admin opened the problem whatever its verification says. */
  open?: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
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
  /** Names of the problem's files students see (headers, data); their contents are in the problem. */
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

// ---------------------------------------------------------------------------------------------
// The server

/** One entry of GET /api/v1/languages. */
export interface Language {
  id: string;
  name: string;
  aliases: string[];
  version: string | null;
  installed: boolean;
  /** Whether the language has a compile step. */
  compiled: boolean;
}

/** Waiting and running times of a set of finished submissions, in milliseconds. */
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

/** The one error body every route answers with (docs/errors.md lists the codes). */
export interface ErrorBody {
  /** Stable error code, e.g. ARB_ERR_VALIDATION_FAILED. */
  error: string;
  message: string;
  /** The HTTP status, repeated. */
  status: number;
  /** ISO 8601. */
  timestamp: string;
  path: string;
  requestId: string;
  /** Seconds to wait before retrying (429, 503). */
  retryAfter?: number;
}
