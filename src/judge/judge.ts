import type { LanguageRegistry } from '../languages/registry.js';
import type { SandboxLease } from '../sandbox/lease.js';
import { DEFAULT_MAX_LIMITS } from '../sandbox/limits.js';
import { DEFAULT_SANDBOX_ENV, type RunResult } from '../sandbox/run-spec.js';
import type { SandboxPool } from '../sandbox/pool.js';
import { readCheckerRun, readKattisValidatorRun } from './checker-protocol.js';
import { DEFAULT_CHECKER } from './checkers.js';
import type { CompileCache } from './compile-cache.js';
import { GroupProgress, judgingOrder, shareOf } from './groups.js';
import { EXIT_GRACE_MS, Interaction, type InteractionOutcome } from './interactor.js';
import { compileLimitsFor, resolveCompileLimits } from './limits-policy.js';
import { keepFirstDiffs } from './output-diff.js';
import { prepareProgram, type Program } from './program.js';
import { toStage } from './stage.js';
import {
  CHECKER_DETAIL_CHARS,
  checkedOutput,
  scoreOf,
  skippedResult,
  summaryOf,
  testEntry,
  type TestVerdict,
} from './test-results.js';
import type {
  CheckerSpec,
  FinalStatus,
  JudgeRequest,
  JudgeResult,
  JudgeSettings,
  StageResult,
  TestResult,
} from './types.js';

export { checkedOutput, scoreOf, skippedResult } from './test-results.js';

export interface JudgeDeps {
  pool: SandboxPool;
  registry: LanguageRegistry;
  /** Compiled artifacts by source hash; absent = always compile. */
  compileCache?: CompileCache;
}

/**
 * Compiles a problem's own program (a custom checker, an interactor) into `lease` with its
 * language's compile defaults; or says what the compiler printed (operators only: the source is
 * the problem's).
 */
async function prepareProblemProgram(
  deps: JudgeDeps,
  lease: SandboxLease,
  own: { language: string; source: string; files?: { name: string; content: string }[] },
  signal: AbortSignal | undefined,
): Promise<Program | { detail: string }> {
  const language = deps.registry.getInstalled(own.language);
  const version = (await deps.registry.version(language)) ?? 'unknown';
  // Extra files (a checker's headers, such as testlib.h) first: the source keeps its name whatever they are called.
  const files = [
    ...(own.files ?? []).filter((f) => f.name !== language.sourceFile),
    { name: language.sourceFile, content: own.source },
  ];
  const compileLimits = resolveCompileLimits(undefined, language, DEFAULT_MAX_LIMITS);
  const prepared = await prepareProgram(
    lease,
    { language, version, files, compileLimits },
    { cache: deps.compileCache, signal },
  );
  if (prepared.ok) return prepared.program;
  return { detail: `${prepared.stage.stdout}${prepared.stage.stderr}`.slice(0, CHECKER_DETAIL_CHARS) };
}

/**
 * Compiles an interactive problem's interactor in the judge's second lease and pairs it with the
 * program's lease; or says why it did not compile (operators only: the source is the problem's).
 */
async function prepareInteraction(
  deps: JudgeDeps,
  lease: SandboxLease,
  partner: SandboxLease,
  request: JudgeRequest & { interactor: NonNullable<JudgeRequest['interactor']> },
  program: Program,
): Promise<Interaction | { detail: string }> {
  const interactor = await prepareProblemProgram(deps, partner, request.interactor, request.signal);
  if ('detail' in interactor) return interactor;
  const own = request.interactorLimits ?? request.limits;
  // The interactor outlives the program by the exit grace, so a deadlock ends at the program's
  // wall limit (time_limit_exceeded), never at the interactor's (see interactor.ts).
  const interactorLimits = { ...own, wallMs: Math.max(own.wallMs, request.limits.wallMs + EXIT_GRACE_MS) };
  return new Interaction({
    program: lease,
    interactor: partner,
    programSpec: program.spec(request.limits, { args: request.args }),
    interactorSpec: interactor.spec(interactorLimits),
    protocol: request.interactor.protocol,
  });
}

/** A Kattis validator's feedback directory, removed (whatever it left there) before each run. */
const KATTIS_FEEDBACK_DIR = 'feedback';

/**
 * Runs a custom checker program over every test that ran cleanly, in a lease of its own, in judging
 * order: with groups, a test whose group can no longer score once the checker's verdicts are known
 * is marked skipped and not checked (its program run happened: the program's lease was released
 * before the checker's was taken, as one judge never holds two slots).
 */
export async function runCustomChecker(
  deps: JudgeDeps,
  request: Omit<JudgeRequest, 'language' | 'version' | 'files'>,
  checker: Extract<CheckerSpec, { type: 'custom' }>,
  order: readonly number[],
  outputs: readonly (string | Buffer | undefined)[],
  results: (TestResult | undefined)[],
): Promise<void> {
  const tests = request.tests ?? [];
  const kattis = checker.protocol === 'kattis';
  const lease = await deps.pool.acquire(request.signal);
  try {
    const compiled = await prepareProblemProgram(deps, lease, checker, request.signal);
    if ('detail' in compiled) {
      for (const [i, result] of results.entries()) {
        if (outputs[i] === undefined || result?.status !== 'accepted') continue;
        result.status = 'internal_error';
        result.message = 'the checker did not compile';
        result.detail = compiled.detail;
      }
      return;
    }
    const { language } = compiled;
    const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
    // The checker is the problem's program: it runs with the problem's limits, never the student's.
    const limits = request.checkerLimits ?? request.limits;
    // testlib's argument order: the test's input, the contestant's output, the expected answer;
    // a Kattis validator's: the input, the answer, its feedback directory, and the output on stdin.
    const command = kattis
      ? [...language.run, 'input.txt', 'expected.txt', 'feedback/']
      : [...language.run, 'input.txt', 'output.txt', 'expected.txt'];
    const progress = request.groups ? new GroupProgress(request.groups, tests) : null;
    for (const i of order) {
      const test = tests[i]!;
      const output = outputs[i];
      const result = results[i];
      if (!result) continue;
      if (progress && !progress.shouldJudge(i)) {
        results[i] = skippedResult(test);
        continue;
      }
      if (output === undefined || result.status !== 'accepted') {
        progress?.record(i, 0);
        continue;
      }
      // Nothing an earlier checker run left (a hidden test's data in /tmp) reaches this one.
      await lease.resetBetweenRuns();
      for (const name of ['input.txt', 'expected.txt', 'output.txt', KATTIS_FEEDBACK_DIR]) {
        lease.removeFile(name);
      }
      lease.writeFiles([
        { name: 'input.txt', content: test.stdin ?? '' },
        { name: 'expected.txt', content: test.expected ?? '' },
        { name: 'output.txt', content: output },
        ...(kattis ? [{ name: `${KATTIS_FEEDBACK_DIR}/.keep`, content: '' }] : []),
      ]);
      const run = await lease.run(
        kattis ? { command, env, limits, stdin: output } : { command, env, limits },
        request.signal,
      );
      const seen = {
        status: run.status,
        exitCode: run.exitCode,
        stdout: run.stdout.toString('utf8'),
        stderr: run.stderr.toString('utf8'),
      };
      const verdict = kattis
        ? readKattisValidatorRun(
            seen,
            lease.readFile(`${KATTIS_FEEDBACK_DIR}/judgemessage.txt`)?.toString('utf8'),
          )
        : readCheckerRun(seen);
      switch (verdict.kind) {
        case 'accepted':
          break;
        case 'wrong_answer':
        case 'partial':
          result.status = 'wrong_answer';
          if (verdict.kind === 'partial') result.fraction = verdict.share;
          if (!test.hidden && verdict.message !== undefined) result.message = verdict.message;
          break;
        case 'failed':
          // What a failing checker printed may quote the test's data: only operators see it.
          result.status = 'internal_error';
          result.message = verdict.reason;
          result.detail = (verdict.report ?? '').slice(0, CHECKER_DETAIL_CHARS);
          break;
      }
      progress?.record(i, shareOf(result));
    }
  } finally {
    lease.release();
  }
}

/**
 * Every JudgeSettings key, once. Typed as a record over the keys, so a setting added to
 * JudgeSettings fails to compile here until it is listed, and so reaches the judge (in its own
 * file it was one module more on the path a submission takes).
 */
const JUDGE_SETTING_KEYS: Record<keyof JudgeSettings, true> = {
  grader: true,
  args: true,
  stdin: true,
  limits: true,
  compileLimits: true,
  compilerOptions: true,
  mergeStderr: true,
  tests: true,
  groups: true,
  checker: true,
  checkerLimits: true,
  interactor: true,
  interactorLimits: true,
  stopOnFirstFailure: true,
};

/** The judge's settings out of anything that carries them (a stored request), and nothing else. */
export function pickJudgeSettings(from: JudgeSettings): JudgeSettings {
  const settings: Partial<Record<keyof JudgeSettings, unknown>> = {};
  for (const key of Object.keys(JUDGE_SETTING_KEYS) as (keyof JudgeSettings)[]) settings[key] = from[key];
  return settings as JudgeSettings;
}

/**
 * Judges one submission: compile once (or take the cached build), then run every test against the
 * same binary in the same work directory, compare, and score. With test groups, tests run group by
 * group (see groups.ts) and a group's remaining tests are skipped once it can no longer score.
 */
export async function judge(deps: JudgeDeps, request: JudgeRequest): Promise<JudgeResult> {
  const { groups, interactor } = request;
  const checker = request.checker ?? DEFAULT_CHECKER;
  const limits = request.limits;
  const tests = request.tests ?? [];
  const order = groups ? judgingOrder(groups, tests) : tests.map((_, i) => i);
  const progress = groups ? new GroupProgress(groups, tests) : null;
  // By test index; without groups a test judging stopped before is left out, as it always was.
  const results: (TestResult | undefined)[] = [];
  const stages: (StageResult | undefined)[] = [];
  const outputs: (string | undefined)[] = [];
  let compile: { stage?: StageResult; cached: boolean };

  // An interactive problem's program and interactor run at once: two slots, taken together.
  const [lease, partner] = interactor
    ? await deps.pool.acquirePair(request.signal)
    : [await deps.pool.acquire(request.signal)];
  try {
    // The problem's files go in after the student's: a name both have fails here rather than
    // replace the problem's (the service refuses such a submission before it is queued). A grader
    // changes what is compiled and run (graders.ts); nothing else differs.
    const prepared = await prepareProgram(
      lease,
      {
        ...request,
        // Stored requests carry resolved compile limits; rows queued by an older version may not.
        compileLimits: request.compileLimits ?? compileLimitsFor(request.language),
      },
      { cache: deps.compileCache, signal: request.signal },
    );
    if (!prepared.ok) {
      return {
        status: prepared.status,
        compile: prepared.stage,
        tests: [],
        ...scoreOf(request, []),
        score: tests.length ? 0 : null,
        compileCached: false,
      };
    }
    const { program } = prepared;
    compile = prepared;
    if (tests.length === 0) {
      const result = await lease.run(
        program.spec(limits, { args: request.args, stdin: request.stdin, mergeStderr: request.mergeStderr }),
        request.signal,
      );
      return {
        status: result.status,
        compile: compile.stage,
        run: toStage(result),
        tests: [],
        score: null,
        maxScore: null,
        compileCached: compile.cached,
      };
    }
    let interaction: Interaction | undefined;
    if (interactor && partner) {
      const paired = await prepareInteraction(deps, lease, partner, { ...request, interactor }, program);
      if (!(paired instanceof Interaction)) {
        const failed = tests.map((test): TestResult => ({
          ...skippedResult(test),
          status: 'internal_error',
          message: 'the interactor did not compile',
          detail: paired.detail,
        }));
        return {
          status: 'internal_error',
          compile: compile.stage,
          tests: failed,
          ...scoreOf(request, failed),
          compileCached: compile.cached,
        };
      }
      interaction = paired;
    }
    let stopped = false;
    for (const index of order) {
      const test = tests[index]!;
      if (stopped || (progress && !progress.shouldJudge(index))) {
        if (groups) results[index] = skippedResult(test);
        continue;
      }
      // Each test starts from the compiled program alone: nothing an earlier test left survives.
      let result: RunResult;
      let verdict: TestVerdict;
      let interactive: InteractionOutcome | undefined;
      if (interaction) {
        interactive = await interaction.runTest(test, request.signal);
        result = interactive.run;
        const { status, message } = interactive.verdict;
        // A hidden test's wrong answer says nothing of its data; why an interactor failed is ours.
        verdict = { status, message: !test.hidden || status === 'internal_error' ? message : undefined };
      } else {
        await lease.resetBetweenRuns();
        result = await lease.run(
          program.spec(limits, { args: request.args, stdin: test.stdin, mergeStderr: request.mergeStderr }),
          request.signal,
        );
        verdict =
          result.status === 'accepted'
            ? checkedOutput(test, checker, result.stdout.toString('utf8'))
            : { status: result.status };
      }
      const stage = toStage(result);
      if (interactive) {
        // The program's stdout was its half of the conversation: kept in the transcript alone.
        stage.stdout = '';
        delete stage.stdoutBase64;
        delete stage.stdoutTruncated;
      }
      outputs[index] = stage.stdout;
      stages[index] = stage;
      const entry = testEntry(test, stage, verdict, interactive);
      results[index] = entry;
      // A custom checker decides after all runs; until then a clean run counts as passing.
      progress?.record(index, shareOf(entry));
      const { status } = verdict;
      if (status === 'cancelled' || status === 'internal_error') stopped = true;
      if (status !== 'accepted' && request.stopOnFirstFailure) stopped = true;
    }
  } finally {
    lease.release();
    partner?.release();
  }
  if (checker.type === 'custom' && !interactor)
    await runCustomChecker(deps, request, checker, order, outputs, results);
  keepFirstDiffs(results);
  const listed = results.filter((r): r is TestResult => r !== undefined);
  // The status is the first judged test (in the problem's order) that did not pass, and `run`
  // repeats that test's run; with every test passed, `run` sums up the last.
  const failing = results.findIndex(
    (r) => r !== undefined && r.status !== 'accepted' && r.status !== 'skipped',
  );
  const run = failing >= 0 ? stages[failing] : summaryOf(listed.at(-1)!);
  return {
    status: failing >= 0 ? (results[failing]!.status as FinalStatus) : 'accepted',
    compile: compile.stage,
    run,
    tests: listed,
    ...scoreOf(request, results),
    compileCached: compile.cached,
  };
}
