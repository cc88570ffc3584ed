// Who is calling, and what they may see: the caller an API key (or its absence) resolves to, whom
// the queue is fair between for it, and every record and problem as it may see them.
import type {
  CheckerSpec,
  Feedback,
  GroupResult,
  InteractorSpec,
  TestCase,
  TestResult,
} from '../judge/types.js';
import type { KeyRole, ProblemRecord, SubmissionRecord } from '../store/types.js';

/** Who is asking: resolved from the API key (or its absence) by the API layer. */
export interface Caller {
  keyId: string | null;
  role: KeyRole | 'anonymous';
  /** Highest priority this caller's submissions may have. */
  priority: number;
  /** Requests per second of this caller's key bucket (set by the API's auth hook). */
  ratePerSec?: number;
  /**
   * Who stands for a caller without a key: its browser session or its address, as the API's rate
   * limits resolved it (`session:…`, `anon:…`). Unset outside HTTP.
   */
  identity?: string;
}

/** Longest `user` name a submission may carry. */
export const MAX_USER_LENGTH = 128;

/**
 * Who the queue is fair between (queue/fair-lanes) for a submission by `caller` for `user`. Inside a
 * key, each user it names is a submitter of its own (a site's backend carrying a class); a caller
 * without a key is its session or address, whatever user it names, so naming users buys it nothing.
 */
export function submitterOf(caller: Caller, user: string | undefined): string {
  if (caller.keyId) return user === undefined ? `key:${caller.keyId}` : `key:${caller.keyId}/user:${user}`;
  return caller.identity ?? 'anonymous';
}

export const isAdmin = (caller: Caller): boolean => caller.role === 'admin';

/** Admins see everything; others see their own key's submissions (anonymous callers, anonymous ones). */
export function canSee(caller: Caller, ownerKeyId: string | null): boolean {
  return isAdmin(caller) || caller.keyId === ownerKeyId;
}

// What a caller may see of a submission and of a problem. The store keeps everything (an operator
// debugging a problem needs a hidden test's output); every route, event and webhook shapes its
// answer from a record that went through `visibleSubmission` first, so there is one place that
// decides what a student learns of hidden tests.

/** The feedback level of a submission that names none (ad-hoc tests, or a problem without one). */
export const DEFAULT_FEEDBACK: Feedback = 'full';

/** Who a view is for: the operator sees stored results whole, a student sees what the problem allows. */
export type Audience = 'operator' | 'student';

export const audienceOf = (caller: Caller): Audience => (isAdmin(caller) ? 'operator' : 'student');

/**
 * A hidden test's result as a student sees it: verdict, points and time. Output, checker message,
 * exit code, signal and memory are left out: each can carry the test's data out (a program can
 * exit with, or allocate, a number read from the input). Time is kept because every judge shows it
 * and a student tuning a time limit needs it; it is a noisy channel bounded by the limit.
 */
function verdictOnly(test: TestResult): TestResult {
  const shown: TestResult = {
    status: test.status,
    weight: test.weight,
    cpuMs: test.cpuMs,
    wallMs: test.wallMs,
    hidden: true,
  };
  if (test.name !== undefined) shown.name = test.name;
  // Which group it is in and the share of points it earned are its score, not its data.
  if (test.group !== undefined) shown.group = test.group;
  if (test.fraction !== undefined) shown.fraction = test.fraction;
  return shown;
}

/** A test case as a student sees it: a hidden one keeps only its name, points and group. */
export function visibleTestCase(test: TestCase): TestCase {
  if (!test.hidden) return test;
  const shown: TestCase = { hidden: true, weight: test.weight ?? 1 };
  if (test.name !== undefined) shown.name = test.name;
  if (test.group !== undefined) shown.group = test.group;
  return shown;
}

/**
 * A group's outcome as a student sees it. A group's status is the verdict of one of its tests, so
 * where tests show no verdicts (`score`) it is left out; its score stays, as the total is shown.
 * Nothing else is in a group's outcome: no test's data or output can reach a student through it.
 */
function visibleGroup(group: GroupResult, feedback: Feedback): GroupResult {
  if (feedback !== 'score') return group;
  return { id: group.id, points: group.points, score: group.score };
}

/** A checker as a student sees it: a custom checker's source (it often embeds answers) is left out. */
export function visibleChecker(checker: CheckerSpec): CheckerSpec | Omit<CheckerSpec, 'source'> {
  if (checker.type !== 'custom') return checker;
  return { type: 'custom', language: checker.language };
}

/** An interactor as a student sees it: its language, not its source. */
function visibleInteractor(interactor: InteractorSpec): InteractorSpec {
  return { language: interactor.language } as InteractorSpec;
}

/** The submission as `audience` may see it; the record itself is not changed. */
export function visibleSubmission(record: SubmissionRecord, audience: Audience): SubmissionRecord {
  if (audience === 'operator') return record;
  const { request } = record;
  const feedback = request.feedback ?? DEFAULT_FEEDBACK;
  const shownRequest = { ...request };
  if (request.tests) shownRequest.tests = request.tests.map(visibleTestCase);
  if (request.checker) shownRequest.checker = visibleChecker(request.checker) as CheckerSpec;
  // An interactor's source often embeds answers, as a checker's does; its language is shown.
  if (request.interactor) shownRequest.interactor = visibleInteractor(request.interactor);
  // The problem's files may be its data (a hidden test's input read from a file): its visible ones
  // are in the problem itself.
  delete shownRequest.problemFiles;
  const result = record.result;
  if (!result) return { ...record, request: shownRequest };

  const tests = result.tests;
  const fromProblem = record.problemId !== null;
  const shownTests =
    feedback === 'score'
      ? []
      : tests.map((test) => {
          if (test.hidden || feedback === 'verdicts') return verdictOnly(test);
          // A problem's checker is the problem's secret; an ad-hoc checker's author may read why it failed.
          // A conversation with the problem's interactor is the problem's, whoever asked.
          if ((!fromProblem || test.detail === undefined) && test.transcript === undefined) return test;
          const shown = { ...test };
          if (fromProblem) delete shown.detail;
          delete shown.transcript;
          return shown;
        });
  const shownResult = { ...result, tests: shownTests };
  if (result.groups) shownResult.groups = result.groups.map((g) => visibleGroup(g, feedback));
  // With tests, `run` repeats one test's run (the first judged one that failed, else the last): it
  // may be shown only when that test is shown in full.
  if (tests.length > 0) {
    const source = tests.find((t) => t.status !== 'accepted' && t.status !== 'skipped') ?? tests.at(-1)!;
    if (feedback !== 'full' || source.hidden) delete shownResult.run;
  }
  return { ...record, request: shownRequest, result: shownResult };
}

/** The problem as a caller may see it: hidden tests keep no data, a custom checker no source. */
export function visibleProblem(problem: ProblemRecord, caller: Caller): ProblemRecord {
  if (isAdmin(caller)) return problem;
  const shown: ProblemRecord = { ...problem, tests: problem.tests.map(visibleTestCase) };
  if (problem.checker) shown.checker = visibleChecker(problem.checker) as CheckerSpec;
  if (problem.interactor) shown.interactor = visibleInteractor(problem.interactor);
  // Files are hidden unless the problem marks them visible (a header to code against); a grader
  // keeps its language, entry and source name, so students know what to submit.
  if (problem.files) shown.files = problem.files.filter((f) => f.visible);
  if (problem.graders)
    shown.graders = Object.fromEntries(
      Object.entries(problem.graders).map(([id, g]) => [
        id,
        { ...g, files: g.files.filter((f) => f.visible) },
      ]),
    );
  // Reference solutions are the problem's answers; a student sees only whether it is verified.
  delete shown.solutions;
  if (problem.verification) shown.verification = { ...problem.verification, results: [] };
  return shown;
}

/**
 * Whose submissions' events a caller may follow all at once ({"subscribe": "all"}): an admin every
 * submission's, a key its own key's, a caller without a key nobody's (null), as canSee decides for one.
 */
export function followScope(caller: Caller): { all: true } | { keyId: string } | null {
  if (isAdmin(caller)) return { all: true };
  return caller.keyId ? { keyId: caller.keyId } : null;
}
