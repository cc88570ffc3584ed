import type { LanguageRegistry } from '../languages/registry.js';
import { DEFAULT_MAX_LIMITS } from '../sandbox/limits.js';
import { DEFAULT_SANDBOX_ENV, type RunResult, type SandboxFile } from '../sandbox/run-spec.js';
import type { SandboxLease, SandboxPool } from '../sandbox/pool.js';
import { checkOutput, DEFAULT_CHECKER } from './checkers.js';
import { compileCacheKey, selectArtifacts, type CompileCache } from './compile-cache.js';
import { compileLimitsFor, resolveCompileLimits } from './limits-policy.js';
import { toStage } from './stage.js';
import type {
  CheckerSpec,
  FinalStatus,
  JudgeRequest,
  JudgeResult,
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
    files: request.files,
  });
  const hit = deps.compileCache?.get(key);
  if (hit) {
    lease.writeFiles(hit.artifacts);
    return { ok: true, stage: hit.compile, cached: true };
  }
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  // Stored requests carry resolved compile limits; rows queued by an older version may not.
  const limits = request.compileLimits ?? compileLimitsFor(language);
  const result = await lease.run({ command: compileCommand, env, limits }, request.signal);
  const stage = toStage(result);
  if (result.status !== 'accepted') {
    const status: FinalStatus =
      result.status === 'internal_error' || result.status === 'cancelled'
        ? result.status
        : 'compilation_error';
    return { ok: false, stage, status, cached: false };
  }
  if (deps.compileCache) {
    const sources = request.files.map((f) => f.name);
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
): { status: FinalStatus; message?: string } {
  if (run.status !== 'accepted') return { status: run.status };
  if (test.expected === undefined || checker.type === 'custom') return { status: 'accepted' };
  const outcome = checkOutput(checker, test.expected, run.stdout.toString('utf8'));
  return outcome.accepted ? { status: 'accepted' } : { status: 'wrong_answer', message: outcome.message };
}

/** Runs a custom checker program over every test that ran cleanly, in a lease of its own. */
async function runCustomChecker(
  deps: JudgeDeps,
  request: JudgeRequest,
  checker: Extract<CheckerSpec, { type: 'custom' }>,
  outputs: (string | null)[],
  results: TestResult[],
): Promise<void> {
  const language = deps.registry.getInstalled(checker.language);
  const version = (await deps.registry.version(language)) ?? 'unknown';
  const files: SandboxFile[] = [{ name: language.sourceFile, content: checker.source }];
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
    });
    if (!compiled.ok) {
      const detail = `${compiled.stage?.stdout ?? ''}${compiled.stage?.stderr ?? ''}`.slice(
        0,
        CHECKER_DETAIL_CHARS,
      );
      for (const [i, result] of results.entries()) {
        if (outputs[i] === null || outputs[i] === undefined || result.status !== 'accepted') continue;
        result.status = 'internal_error';
        result.message = 'the checker did not compile';
        result.detail = detail;
      }
      return;
    }
    const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
    // The checker is the problem's program: it runs with the problem's limits, never the student's.
    const limits = request.checkerLimits ?? request.limits;
    for (const [i, test] of (request.tests ?? []).entries()) {
      const output = outputs[i];
      const result = results[i]!;
      if (output === null || output === undefined || result.status !== 'accepted') continue;
      // Nothing an earlier checker run left (a hidden test's data in /tmp) reaches this one.
      await lease.resetBetweenRuns();
      for (const name of ['input.txt', 'expected.txt', 'output.txt']) lease.removeFile(name);
      lease.writeFiles([
        { name: 'input.txt', content: test.stdin ?? '' },
        { name: 'expected.txt', content: test.expected ?? '' },
        { name: 'output.txt', content: output },
      ]);
      const verdict = await lease.run({ command: language.run, env, limits }, request.signal);
      const message = verdict.stdout.toString('utf8').trim().slice(0, 1000) || undefined;
      if (verdict.status === 'accepted') continue;
      if (verdict.status === 'runtime_error' && verdict.exitCode === 1) {
        result.status = 'wrong_answer';
        if (!test.hidden) result.message = message;
      } else {
        // What a failing checker printed may quote the test's data: only operators see it.
        result.status = 'internal_error';
        result.message = `the checker failed (${verdict.status})`;
        result.detail = (message ?? verdict.stderr.toString()).slice(0, CHECKER_DETAIL_CHARS);
      }
    }
  } finally {
    lease.release();
  }
}

function overallStatus(results: TestResult[]): FinalStatus {
  return results.find((r) => r.status !== 'accepted')?.status ?? 'accepted';
}

/**
 * Judges one submission: compile once (or take the cached build), then run every test against the
 * same binary in the same work directory, compare, and score.
 */
export async function judge(deps: JudgeDeps, request: JudgeRequest): Promise<JudgeResult> {
  const { language } = request;
  const checker = request.checker ?? DEFAULT_CHECKER;
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  const limits = request.limits;
  const command = [...language.run, ...(request.args ?? [])];
  const tests = request.tests ?? [];
  const results: TestResult[] = [];
  const outputs: (string | null)[] = [];
  let run: StageResult | undefined;
  let compile: CompileOutcome;

  const lease = await deps.pool.acquire(request.signal);
  try {
    lease.writeFiles(request.files);
    compile = await compileInto(deps, lease, request);
    if (!compile.ok) {
      return {
        status: compile.status!,
        compile: compile.stage,
        tests: [],
        score: tests.length ? 0 : null,
        maxScore: maxScore(tests),
        compileCached: false,
      };
    }
    if (tests.length === 0) {
      const result = await lease.run(
        { command, env, limits, stdin: request.stdin, mergeStderr: request.mergeStderr },
        request.signal,
      );
      run = toStage(result);
      return {
        status: result.status,
        compile: compile.stage,
        run,
        tests: [],
        score: null,
        maxScore: null,
        compileCached: compile.cached,
      };
    }
    for (const test of tests) {
      // Each test starts from the compiled program alone: nothing an earlier test left survives.
      await lease.resetBetweenRuns();
      const result = await lease.run(
        { command, env, limits, stdin: test.stdin, mergeStderr: request.mergeStderr },
        request.signal,
      );
      const { status, message } = testStatus(result, test, checker);
      const stage = toStage(result);
      outputs.push(stage.stdout);
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
      if (message) entry.message = message;
      else {
        entry.stdout = stage.stdout;
        entry.stderr = stage.stderr;
        if (stage.stdoutBase64 !== undefined) entry.stdoutBase64 = stage.stdoutBase64;
        if (stage.stderrBase64 !== undefined) entry.stderrBase64 = stage.stderrBase64;
      }
      if (stage.signal !== null) entry.signal = stage.signal;
      results.push(entry);
      if (status !== 'accepted' && run === undefined) run = stage;
      if (status === 'cancelled' || status === 'internal_error') break;
      if (status !== 'accepted' && request.stopOnFirstFailure) break;
    }
    run ??= summaryOf(results.at(-1)!);
  } finally {
    lease.release();
  }
  if (checker.type === 'custom') await runCustomChecker(deps, request, checker, outputs, results);
  const score = results.reduce((sum, r) => sum + (r.status === 'accepted' ? r.weight : 0), 0);
  return {
    status: overallStatus(results),
    compile: compile.stage,
    run,
    tests: results,
    score,
    maxScore: maxScore(tests),
    compileCached: compile.cached,
  };
}

function maxScore(tests: TestCase[]): number | null {
  return tests.length ? tests.reduce((sum, t) => sum + (t.weight ?? 1), 0) : null;
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
