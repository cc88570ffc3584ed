import { DEFAULT_CHECKER } from './checkers.js';
import { GroupProgress, judgingOrder } from './groups.js';
import { runCustomChecker, type JudgeDeps } from './judge.js';
import { checkedOutput, scoreOf, skippedResult } from './test-results.js';
import { keepFirstDiffs } from './output-diff.js';
import type { FinalStatus, JudgeRequest, JudgeResult, TestResult } from './types.js';

/** An output-only submission: the outputs, one per test (undefined where none was sent). */
export interface OutputOnlyRequest extends Omit<JudgeRequest, 'language' | 'version' | 'files'> {
  outputs: readonly (Buffer | undefined)[];
  /** Each test's output file name, for the message of a missing one. */
  outputNames: readonly string[];
}

/**
 * Judges an output-only submission: no program runs; each test's submitted output goes to the
 * problem's checker as a program's would (a custom checker in the sandbox, testlib's way). A test
 * whose output is missing is wrong_answer, saying which file was expected. Groups, skipping and
 * scores as for a program.
 */
export async function judgeOutputs(deps: JudgeDeps, request: OutputOnlyRequest): Promise<JudgeResult> {
  const checker = request.checker ?? DEFAULT_CHECKER;
  const tests = request.tests ?? [];
  const { groups } = request;
  const order = groups ? judgingOrder(groups, tests) : tests.map((_, i) => i);
  const progress = groups ? new GroupProgress(groups, tests) : null;
  const results: (TestResult | undefined)[] = [];
  for (const index of order) {
    const test = tests[index]!;
    if (progress && !progress.shouldJudge(index)) {
      results[index] = skippedResult(test);
      continue;
    }
    const entry: TestResult = { status: 'accepted', cpuMs: 0, wallMs: 0, weight: test.weight ?? 1 };
    if (test.name) entry.name = test.name;
    if (test.hidden) entry.hidden = true;
    if (test.group !== undefined) entry.group = test.group;
    const output = request.outputs[index];
    if (output === undefined) {
      entry.status = 'wrong_answer';
      entry.message = `no output: the submission has no file ${request.outputNames[index]}`;
    } else {
      const verdict = checkedOutput(test, checker, output.toString('utf8'));
      entry.status = verdict.status;
      if (verdict.message) entry.message = verdict.message;
      if (verdict.diff) entry.diff = verdict.diff;
    }
    results[index] = entry;
    progress?.record(index, entry.status === 'accepted' ? 1 : 0);
  }
  if (checker.type === 'custom') {
    const outputs = results.map((r, i) => (r?.status === 'accepted' ? request.outputs[i] : undefined));
    await runCustomChecker(deps, request, checker, order, outputs, results);
  }
  keepFirstDiffs(results);
  const listed = results.filter((r): r is TestResult => r !== undefined);
  const failing = listed.find((r) => r.status !== 'accepted' && r.status !== 'skipped');
  return {
    status: failing ? (failing.status as FinalStatus) : 'accepted',
    tests: listed,
    ...scoreOf(request, results),
    compileCached: false,
  };
}
