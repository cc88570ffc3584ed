import type { LanguageRegistry } from '../languages/registry.js';
import { DEFAULT_MAX_LIMITS } from '../sandbox/limits.js';
import { DEFAULT_SANDBOX_ENV, type RunResult, type SandboxFile } from '../sandbox/run-spec.js';
import type { SandboxLease, SandboxPool } from '../sandbox/pool.js';
import { readCheckerRun, readKattisValidatorRun } from './checker-protocol.js';
import { checkOutput, DEFAULT_CHECKER } from './checkers.js';
import { compileCacheKey, selectArtifacts, type CompileCache } from './compile-cache.js';
import { runCompile } from './compile-step.js';
import { withGrader } from './graders.js';
import { GroupProgress, judgingOrder, roundScore, scoreGroups, shareOf } from './groups.js';
import { EXIT_GRACE_MS, Interaction, type InteractionOutcome } from './interactor.js';
import { compileLimitsFor, resolveCompileLimits } from './limits-policy.js';
import { keepFirstDiffs, outputDiff } from './output-diff.js';
import { toStage } from './stage.js';
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

export interface JudgeDeps {
  pool: SandboxPool;
  registry: LanguageRegistry;
  /** Compiled artifacts by source hash; absent = always compile. */
  compileCache?: CompileCache;
}

/** Characters kept of a failing checker's output or compile errors, for operators. */
const CHECKER_DETAIL_CHARS = 2000;

interface CompileOutcome {
  ok: boolean;
  stage?: StageResult;
  status?: FinalStatus;
  cached: boolean;
}

/**
 * Compiles into the lease's work directory, or restores the artifacts of an identical earlier
 * compile from the cache. A failed compile is an outcome, not an exception.
 */
async function compileInto(
  deps: JudgeDeps,
  lease: SandboxLease,
  request: JudgeRequest,
): Promise<CompileOutcome> {
  const { language } = request;
  if (!language.compile) return { ok: true, cached: false };
  const compileCommand = [...language.compile, ...(request.compilerOptions ?? [])];
  const key = compileCacheKey({
    languageId: language.id,
    version: request.version,
    compileCommand,
    // The problem's files (a grader, a header) are part of what is compiled.
    files: [...request.files, ...(request.problemFiles ?? [])],
  });
  const hit = deps.compileCache?.get(key);
  if (hit) {
    lease.writeFiles(hit.artifacts);
    return { ok: true, stage: hit.compile, cached: true };
  }
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  // Stored requests carry resolved compile limits; rows queued by an older version may not.
  const limits = request.compileLimits ?? compileLimitsFor(language);
  const source = request.files.find((file) => file.name === language.sourceFile)?.content;
  const result = await runCompile(
    lease,
    { language, command: compileCommand, source, env, limits },
    request.signal,
  );
  const stage = toStage(result);
  if (result.status !== 'accepted') {
    const status: FinalStatus =
      result.status === 'internal_error' || result.status === 'cancelled'
        ? result.status
        : 'compilation_error';
    return { ok: false, stage, status, cached: false };
  }
  if (deps.compileCache) {
    // Problem files are written before every compile or cache hit: never artifacts.
    const sources = [...request.files, ...(request.problemFiles ?? [])].map((f) => f.name);
    const after = lease.listFiles();
    const names = new Set(selectArtifacts(sources, after, sources));
    const artifacts = after.flatMap((file) => {
      const content = names.has(file.name) ? lease.readFile(file.name) : null;
      return content ? [{ name: file.name, content, executable: file.executable }] : [];
    });
    try {
      deps.compileCache.put(key, { artifacts, compile: stage });
    } catch (error) {
      // A cache that cannot write (disk full) costs a recompile next time; it must not fail this submission.
      process.emitWarning(`compile cache write failed: ${(error as Error).message}`);
    }
  }
  return { ok: true, stage, cached: false };
}

function testStatus(
  run: RunResult,
  test: TestCase,
  checker: CheckerSpec,
): { status: FinalStatus; message?: string; diff?: OutputDiff } {
  if (run.status !== 'accepted') return { status: run.status };
  return checkedOutput(test, checker, run.stdout.toString('utf8'));
}

/**
 * A built-in checker's verdict on one output; a custom checker decides later (accepted until then).
 * A visible test judged wrong gets a diff; a hidden one never does, not even for operators' views.
 */
export function checkedOutput(
  test: TestCase,
  checker: CheckerSpec,
  output: string,
): { status: FinalStatus; message?: string; diff?: OutputDiff } {
  if (test.expected === undefined || checker.type === 'custom') return { status: 'accepted' };
  const outcome = checkOutput(checker, test.expected, output);
  if (outcome.accepted) return { status: 'accepted' };
  const verdict: { status: FinalStatus; message?: string; diff?: OutputDiff } = {
    status: 'wrong_answer',
    message: outcome.message,
  };
  if (!test.hidden) {
    const diff = outputDiff(test.expected, output, checker.type === 'exact' ? 'exact' : 'trimmed');
    if (diff) verdict.diff = diff;
  }
  return verdict;
}

/**
 * Compiles an interactive problem's interactor in the judge's second lease and pairs it with the
 * program's lease; or says why it did not compile (operators only: the source is the problem's).
 */
async function prepareInteraction(
  deps: JudgeDeps,
  program: SandboxLease,
  partner: SandboxLease,
  request: JudgeRequest & { interactor: NonNullable<JudgeRequest['interactor']> },
  programCommand: string[],
): Promise<Interaction | { detail: string }> {
  const language = deps.registry.getInstalled(request.interactor.language);
  const version = (await deps.registry.version(language)) ?? 'unknown';
  const files: SandboxFile[] = [{ name: language.sourceFile, content: request.interactor.source }];
  partner.writeFiles(files);
  const compiled = await compileInto(deps, partner, {
    ...request,
    language,
    version,
    files,
    compileLimits: resolveCompileLimits(undefined, language, DEFAULT_MAX_LIMITS),
    compilerOptions: undefined,
  });
  if (!compiled.ok) {
    const output = `${compiled.stage?.stdout ?? ''}${compiled.stage?.stderr ?? ''}`;
    return { detail: output.slice(0, CHECKER_DETAIL_CHARS) };
  }
  const own = request.interactorLimits ?? request.limits;
  // The interactor outlives the program by the exit grace, so a deadlock ends at the program's
  // wall limit (time_limit_exceeded), never at the interactor's (see interactor.ts).
  const interactorLimits = { ...own, wallMs: Math.max(own.wallMs, request.limits.wallMs + EXIT_GRACE_MS) };
  return new Interaction({
    program,
    interactor: partner,
    programSpec: {
      command: programCommand,
      env: { ...DEFAULT_SANDBOX_ENV, ...request.language.env },
      limits: request.limits,
    },
    interactorSpec: {
      command: [...language.run],
      env: { ...DEFAULT_SANDBOX_ENV, ...language.env },
      limits: interactorLimits,
    },
  });
}

/** A test that was not judged: its group could no longer score, or judging stopped before it. */
export function skippedResult(test: TestCase): TestResult {
  const entry: TestResult = { status: 'skipped', cpuMs: 0, wallMs: 0, weight: test.weight ?? 1 };
  if (test.name) entry.name = test.name;
  if (test.hidden) entry.hidden = true;
  if (test.group !== undefined) entry.group = test.group;
  return entry;
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
  const language = deps.registry.getInstalled(checker.language);
  const version = (await deps.registry.version(language)) ?? 'unknown';
  // Extra files (headers) first: the source keeps its name whatever they are called.
  const files: SandboxFile[] = [
    ...(checker.files ?? []).filter((f) => f.name !== language.sourceFile),
    { name: language.sourceFile, content: checker.source },
  ];
  const kattis = checker.protocol === 'kattis';
  const lease = await deps.pool.acquire(request.signal);
  try {
    lease.writeFiles(files);
    const compiled = await compileInto(deps, lease, {
      ...request,
      language,
      version,
      files,
      compileLimits: resolveCompileLimits(undefined, language, DEFAULT_MAX_LIMITS),
      compilerOptions: undefined,
      problemFiles: undefined,
      grader: undefined,
    });
    if (!compiled.ok) {
      const detail = `${compiled.stage?.stdout ?? ''}${compiled.stage?.stderr ?? ''}`.slice(
        0,
        CHECKER_DETAIL_CHARS,
      );
      for (const [i, result] of results.entries()) {
        if (outputs[i] === undefined || result?.status !== 'accepted') continue;
        result.status = 'internal_error';
        result.message = 'the checker did not compile';
        result.detail = detail;
      }
      return;
    }
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
 * Judges one submission: compile once (or take the cached build), then run every test against the
 * same binary in the same work directory, compare, and score. With test groups, tests run group by
 * group (see groups.ts) and a group's remaining tests are skipped once it can no longer score.
 */
export async function judge(deps: JudgeDeps, asked: JudgeRequest): Promise<JudgeResult> {
  // A problem's grader changes what is compiled and run (judge/graders.ts); nothing else differs.
  const request = asked.grader ? { ...asked, language: withGrader(asked.language, asked.grader) } : asked;
  const { language, groups } = request;
  const checker = request.checker ?? DEFAULT_CHECKER;
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  const limits = request.limits;
  const command = [...language.run, ...(request.args ?? [])];
  const tests = request.tests ?? [];
  const order = groups ? judgingOrder(groups, tests) : tests.map((_, i) => i);
  const progress = groups ? new GroupProgress(groups, tests) : null;
  // By test index; without groups a test judging stopped before is left out, as it always was.
  const results: (TestResult | undefined)[] = [];
  const stages: (StageResult | undefined)[] = [];
  const outputs: (string | undefined)[] = [];
  let compile: CompileOutcome;

  const { interactor } = request;
  // An interactive problem's program and interactor run at once: two slots, taken together.
  const [lease, partner] = interactor
    ? await deps.pool.acquirePair(request.signal)
    : [await deps.pool.acquire(request.signal)];
  try {
    lease.writeFiles(request.files);
    // After the student's files: a name both have fails here rather than replace the problem's
    // (the service refuses such a submission before it is queued).
    if (request.problemFiles) lease.writeFiles(request.problemFiles);
    compile = await compileInto(deps, lease, request);
    if (!compile.ok) {
      return {
        status: compile.status!,
        compile: compile.stage,
        tests: [],
        ...scoreOf(request, []),
        score: tests.length ? 0 : null,
        compileCached: false,
      };
    }
    if (tests.length === 0) {
      const result = await lease.run(
        { command, env, limits, stdin: request.stdin, mergeStderr: request.mergeStderr },
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
      const prepared = await prepareInteraction(deps, lease, partner, { ...request, interactor }, command);
      if (!(prepared instanceof Interaction)) {
        const failed = tests.map((test): TestResult => ({
          ...skippedResult(test),
          status: 'internal_error',
          message: 'the interactor did not compile',
          detail: prepared.detail,
        }));
        return {
          status: 'internal_error',
          compile: compile.stage,
          tests: failed,
          ...scoreOf(request, failed),
          compileCached: compile.cached,
        };
      }
      interaction = prepared;
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
      let status: FinalStatus;
      let message: string | undefined;
      let diff: OutputDiff | undefined;
      let interactive: InteractionOutcome | undefined;
      if (interaction) {
        interactive = await interaction.runTest(test, request.signal);
        result = interactive.run;
        status = interactive.verdict.status;
        // A hidden test's wrong answer says nothing of its data; why an interactor failed is ours.
        if (!test.hidden || status === 'internal_error') message = interactive.verdict.message;
      } else {
        await lease.resetBetweenRuns();
        result = await lease.run(
          { command, env, limits, stdin: test.stdin, mergeStderr: request.mergeStderr },
          request.signal,
        );
        ({ status, message, diff } = testStatus(result, test, checker));
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
      // (service/visibility.ts), and an operator debugging a problem needs all of it.
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
        const { verdict, transcript } = interactive;
        if (verdict.fraction !== undefined) entry.fraction = verdict.fraction;
        if (verdict.detail !== undefined) entry.detail = verdict.detail.slice(0, CHECKER_DETAIL_CHARS);
        entry.transcript = transcript;
      }
      results[index] = entry;
      // A custom checker decides after all runs; until then a clean run counts as passing.
      progress?.record(index, shareOf(entry));
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
function summaryOf(last: TestResult): StageResult {
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
