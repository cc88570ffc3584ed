import type { LanguageDefinition } from '../languages/language.js';
import { DEFAULT_MAX_LIMITS, DEFAULT_RUN_LIMITS, type RunLimits } from '../sandbox/limits.js';
import { runCompile } from './compile-step.js';
import { resolveCompileLimits, resolveRunLimits } from './limits-policy.js';
import type { SandboxPool } from '../sandbox/pool.js';
import { DEFAULT_SANDBOX_ENV, type RunResult, type SandboxFile } from '../sandbox/run-spec.js';

export interface ExecuteRequest {
  language: LanguageDefinition;
  /** The program; saved under the language's sourceFile unless `files` names it. */
  source: string | Buffer;
  /** More files for the work directory. */
  files?: SandboxFile[];
  stdin?: string | Buffer;
  args?: string[];
  /**
   * Run limits as asked; resolved here by resolveRunLimits against the built-in defaults and
   * ceiling (the language's minimum included), as the CLI and doctor have no server settings.
   */
  limits: Partial<RunLimits>;
  /** Compile limits. Default: the language's compile defaults (resolveCompileLimits). */
  compileLimits?: RunLimits;
  signal?: AbortSignal;
}

export interface ExecuteResult {
  /** Absent for interpreted languages. */
  compile?: RunResult;
  /** Absent when compilation failed. */
  run?: RunResult;
  /** compilation_error when the compiler failed; otherwise the run's status. */
  status: RunResult['status'] | 'compilation_error';
}

/**
 * Compiles (when the language needs it) and runs one program in one sandbox lease, so the binary
 * never leaves the box. A failed compile is a verdict, not an error.
 */
export async function compileAndRun(pool: SandboxPool, request: ExecuteRequest): Promise<ExecuteResult> {
  const { language } = request;
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  const lease = await pool.acquire(request.signal);
  try {
    const files = request.files ?? [];
    const hasSource = files.some((f) => f.name === language.sourceFile);
    lease.writeFiles(hasSource ? files : [{ name: language.sourceFile, content: request.source }, ...files]);
    let compile: RunResult | undefined;
    if (language.compile) {
      const compileLimits =
        request.compileLimits ?? resolveCompileLimits(undefined, language, DEFAULT_MAX_LIMITS);
      const source = hasSource ? files.find((f) => f.name === language.sourceFile)?.content : request.source;
      compile = await runCompile(
        lease,
        { language, command: language.compile, source, env, limits: compileLimits },
        request.signal,
      );
      if (compile.status !== 'accepted') {
        const status =
          compile.status === 'internal_error' || compile.status === 'cancelled'
            ? compile.status
            : 'compilation_error';
        return { compile, status };
      }
    }
    const run = await lease.run(
      {
        command: [...language.run, ...(request.args ?? [])],
        env,
        stdin: request.stdin,
        limits: resolveRunLimits({
          requested: request.limits,
          defaults: DEFAULT_RUN_LIMITS,
          language,
          max: DEFAULT_MAX_LIMITS,
        }),
      },
      request.signal,
    );
    return { compile, run, status: run.status };
  } finally {
    lease.release();
  }
}
