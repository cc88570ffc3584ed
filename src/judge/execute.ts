import type { LanguageDefinition } from '../languages/language.js';
import { DEFAULT_RUN_LIMITS, type RunLimits } from '../sandbox/limits.js';
import type { SandboxPool } from '../sandbox/pool.js';
import type { RunResult, SandboxFile } from '../sandbox/run-spec.js';
import { resolveCompileLimits, resolveRunLimits } from './limits-policy.js';
import { prepareProgram, type CompileFailure } from './program.js';

export interface ExecuteRequest {
  language: LanguageDefinition;
  /** The program; saved under the language's sourceFile unless `files` names it. */
  source: string | Buffer;
  /** More files for the work directory. */
  files?: SandboxFile[];
  stdin?: string | Buffer;
  args?: string[];
  /**
   * Run limits as asked; resolved here by resolveRunLimits against the built-in defaults and the
   * pool's maximum (the language's minimum included), as the CLI and doctor have no server settings.
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
  status: RunResult['status'] | CompileFailure;
}

/**
 * Compiles (when the language needs it) and runs one program in one sandbox lease, so the binary
 * never leaves the box. A failed compile is a verdict, not an error.
 */
export async function compileAndRun(pool: SandboxPool, request: ExecuteRequest): Promise<ExecuteResult> {
  const { language } = request;
  // The pool's maximum is the server's here: resolving against another would let its clamp decide.
  const max = pool.options.maxLimits;
  const limits = resolveRunLimits({ requested: request.limits, defaults: DEFAULT_RUN_LIMITS, language, max });
  const compileLimits = request.compileLimits ?? resolveCompileLimits(undefined, language, max);
  const extra = request.files ?? [];
  const named = extra.some((f) => f.name === language.sourceFile);
  const files = named ? extra : [{ name: language.sourceFile, content: request.source }, ...extra];
  const lease = await pool.acquire(request.signal);
  try {
    const prepared = await prepareProgram(
      lease,
      { language, files, compileLimits },
      { signal: request.signal },
    );
    if (!prepared.ok) return { compile: prepared.compile, status: prepared.status };
    const run = await lease.run(
      prepared.program.spec(limits, { args: request.args, stdin: request.stdin }),
      request.signal,
    );
    return { compile: prepared.compile, run, status: run.status };
  } finally {
    lease.release();
  }
}
