import type { LanguageDefinition } from '../languages/language.js';
import { DEFAULT_COMPILE_LIMITS, type RunLimits } from '../sandbox/limits.js';
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
  /** Run limits, already resolved against the server maximum. */
  limits: RunLimits;
  /** Compile limits. Default: DEFAULT_COMPILE_LIMITS with the language's own overrides. */
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

/** Raises limits to what the language's runtime needs to start at all (a JVM's threads). */
export function applyMinimumLimits(limits: RunLimits, language: LanguageDefinition): RunLimits {
  const out = { ...limits };
  for (const [key, floor] of Object.entries(language.minimumLimits ?? {}) as [keyof RunLimits, number][]) {
    out[key] = Math.max(out[key], floor);
  }
  return out;
}

export function compileLimitsFor(language: LanguageDefinition): RunLimits {
  return { ...DEFAULT_COMPILE_LIMITS, ...language.compileLimits };
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
      const compileLimits = applyMinimumLimits(request.compileLimits ?? compileLimitsFor(language), language);
      compile = await lease.run(
        { command: language.compile, env, limits: compileLimits, mergeStderr: false },
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
        limits: applyMinimumLimits(request.limits, language),
      },
      request.signal,
    );
    return { compile, run, status: run.status };
  } finally {
    lease.release();
  }
}
