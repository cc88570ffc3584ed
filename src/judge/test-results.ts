// What one test's result says, and what a submission's results add up to: pure, shared by the
// judge of programs (judge.ts) and of outputs (output-only.ts).
import { checkOutput } from './check-output.js';
import { roundScore, scoreGroups, shareOf } from './groups.js';
import type { InteractionOutcome } from './interactor.js';
import { outputDiff } from './output-diff.js';
import type {
  CheckerSpec,
  FinalStatus,
  JudgeRequest,
  JudgeResult,
  OutputDiff,
  StageResult,
  TestCase,
  TestResult,
} from './types.js';

/** Characters kept of a failing checker's or interactor's output or compile errors, for operators. */
export const CHECKER_DETAIL_CHARS = 2000;

/** A test's verdict before its result is written down. */
export interface TestVerdict {
  status: FinalStatus;
  message?: string;
  diff?: OutputDiff;
}

/**
 * A built-in checker's verdict on one output; a custom checker decides later (accepted until then).
 * A visible test judged wrong gets a diff; a hidden one never does, not even for operators' views.
 */
export function checkedOutput(test: TestCase, checker: CheckerSpec, output: string): TestVerdict {
  if (test.expected === undefined || checker.type === 'custom') return { status: 'accepted' };
  const outcome = checkOutput(checker, test.expected, output);
  if (outcome.accepted) return { status: 'accepted' };
  const verdict: TestVerdict = { status: 'wrong_answer', message: outcome.message };
  if (!test.hidden) {
    const diff = outputDiff(test.expected, output, checker.type === 'exact' ? 'exact' : 'trimmed');
    if (diff) verdict.diff = diff;
  }
  return verdict;
}

/** A test that was not judged: its group could no longer score, or judging stopped before it. */
export function skippedResult(test: TestCase): TestResult {
  const entry: TestResult = { status: 'skipped', cpuMs: 0, wallMs: 0, weight: test.weight ?? 1 };
  if (test.name) entry.name = test.name;
  if (test.hidden) entry.hidden = true;
  if (test.group !== undefined) entry.group = test.group;
  return entry;
}

/**
 * One judged test's result from its run's stage and verdict. An interactive test's stage must
 * already be without the program's stdout: that was its half of the conversation, kept in the
 * transcript alone.
 */
export function testEntry(
  test: TestCase,
  stage: StageResult,
  verdict: TestVerdict,
  interactive?: InteractionOutcome,
): TestResult {
  const { status, message, diff } = verdict;
  const entry: TestResult = {
    status,
    cpuMs: stage.cpuMs,
    wallMs: stage.wallMs,
    memoryKb: stage.memoryKb,
    weight: test.weight ?? 1,
    exitCode: stage.exitCode,
  };
  if (test.name) entry.name = test.name;
  // Kept whole, hidden tests too: what a student may see is decided where answers are shaped
  // (service/caller.ts), and an operator debugging a problem needs all of it.
  if (test.hidden) entry.hidden = true;
  if (test.group !== undefined) entry.group = test.group;
  if (diff) entry.diff = diff;
  if (message) entry.message = message;
  else {
    entry.stdout = stage.stdout;
    entry.stderr = stage.stderr;
    if (stage.stdoutBase64 !== undefined) entry.stdoutBase64 = stage.stdoutBase64;
    if (stage.stderrBase64 !== undefined) entry.stderrBase64 = stage.stderrBase64;
  }
  if (stage.signal !== null) entry.signal = stage.signal;
  if (interactive) {
    delete entry.stdout;
    delete entry.stdoutBase64;
    const { verdict: decided, transcript } = interactive;
    if (decided.fraction !== undefined) entry.fraction = decided.fraction;
    if (decided.detail !== undefined) entry.detail = decided.detail.slice(0, CHECKER_DETAIL_CHARS);
    entry.transcript = transcript;
  }
  return entry;
}

/** The score, out of maxScore: the groups' scores, or the tests' weights times their shares. */
export function scoreOf(
  request: Pick<JudgeRequest, 'tests' | 'groups'>,
  results: readonly (TestResult | undefined)[],
): Pick<JudgeResult, 'groups' | 'score' | 'maxScore'> {
  const tests = request.tests ?? [];
  if (tests.length === 0) return { score: null, maxScore: null };
  if (request.groups) return scoreGroups(request.groups, tests, results);
  return {
    score: roundScore(results.reduce((sum, r) => sum + (r ? r.weight * shareOf(r) : 0), 0)),
    maxScore: tests.reduce((sum, t) => sum + (t.weight ?? 1), 0),
  };
}

/** With every test passed, `run` summarises the last one (without output: tests carry their own). */
export function summaryOf(last: TestResult): StageResult {
  return {
    status: 'accepted',
    stdout: '',
    stderr: '',
    exitCode: last.exitCode ?? 0,
    signal: null,
    cpuMs: last.cpuMs,
    wallMs: last.wallMs,
    memoryKb: last.memoryKb ?? 0,
  };
}
