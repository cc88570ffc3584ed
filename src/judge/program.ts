// The one way a program gets from its files to a runnable command, for every caller: the judge (a
// submission, a custom checker, an interactor), compileAndRun (CLI, doctor, sandbox tests) and the
// interactive WebSocket session. Limits arrive resolved (limits-policy.ts); this module only uses them.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LanguageDefinition } from '../languages/language.js';
import {
  includesPrecompiledHeader,
  needsPlainCompile,
  PCH_PRELOAD,
  withPchPreload,
  withPrecompiledHeaders,
} from '../languages/precompiled-headers.js';
import type { SandboxLease } from '../sandbox/lease.js';
import type { RunLimits } from '../sandbox/limits.js';
import {
  DEFAULT_SANDBOX_ENV,
  type RunResult,
  type RunSpec,
  type RunStatus,
  type SandboxFile,
} from '../sandbox/run-spec.js';
import { compileCacheKey, selectArtifacts } from './compile-cache-key.js';
import type { CompileCache } from './compile-cache.js';
import { withGrader } from './graders.js';
import { toStage } from './stage.js';
import type { GraderPlan, StageResult } from './types.js';

/** A program as written into a lease: its language, its files and how to compile it. */
export interface ProgramSource {
  language: LanguageDefinition;
  /** Toolchain version, part of the compile cache's key. Default: 'unknown' (only matters with a cache). */
  version?: string;
  /** The program's files; the language's source file among them. */
  files: readonly SandboxFile[];
  /**
   * A problem's files, written after `files` (a name both have fails rather than replace the
   * problem's) and compiled with them; never compile artifacts.
   */
  problemFiles?: readonly SandboxFile[];
  /** The problem's grader for this language (graders.ts): changes what is compiled and run. */
  grader?: GraderPlan;
  /** Extra compiler flags, after the language's compile command. */
  compilerOptions?: readonly string[];
  /** Resolved compile limits (resolveCompileLimits); unused by interpreted languages. */
  compileLimits: RunLimits;
}

export interface PrepareOptions {
  /** Compiled artifacts by what was compiled; absent = always compile. */
  cache?: CompileCache;
  signal?: AbortSignal;
  /** Called just before a compile starts (not on a cache hit, nor for interpreted languages). */
  onCompileStart?(): void;
}

/** How a failed compile ends the caller's work: the compiler's fault, Arbiter's, or a cancel. */
export type CompileFailure = 'compilation_error' | 'internal_error' | 'cancelled';

/** What a program's run needs besides its limits. */
export interface RunExtras {
  args?: readonly string[];
  stdin?: string | Buffer;
  mergeStderr?: boolean;
}

/** A program ready in its lease. */
export interface Program {
  /** The language as run: the grader applied. */
  language: LanguageDefinition;
  env: Record<string, string>;
  /** The command that runs it, with `args` after the language's run command. */
  command(args?: readonly string[]): string[];
  /**
   * One run's spec with `limits` (resolved by the caller). It carries the language's minimum, so
   * the pool's safety clamp never lowers a limit below what the runtime needs to start.
   */
  spec(limits: RunLimits, extras?: RunExtras): RunSpec;
}

export type PreparedProgram =
  | {
      ok: true;
      program: Program;
      /** The compiler's run; absent for interpreted languages and cache hits. */
      compile?: RunResult;
      /** The compile as the API shows it; a cache hit's is the original compile's. */
      stage?: StageResult;
      cached: boolean;
    }
  | { ok: false; status: CompileFailure; compile: RunResult; stage: StageResult; cached: false };

/** The one mapping of a failed compile's run status to the caller's verdict. */
export function compileFailure(status: RunStatus): CompileFailure {
  return status === 'internal_error' || status === 'cancelled' ? status : 'compilation_error';
}

/** The program of `language` (grader applied) as a runnable command, with nothing to compile. */
export function programOf(language: LanguageDefinition): Program {
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  const command = (args: readonly string[] = []) => [...language.run, ...args];
  return {
    language,
    env,
    command,
    spec(limits, extras = {}) {
      const spec: RunSpec = { command: command(extras.args), env, limits };
      if (extras.stdin !== undefined) spec.stdin = extras.stdin;
      if (extras.mergeStderr) spec.mergeStderr = true;
      if (language.minimumLimits) spec.minimumLimits = language.minimumLimits;
      return spec;
    },
  };
}

/**
 * Writes a program's files into the lease and compiles them there (or restores an identical
 * earlier compile's artifacts from the cache), so the binary never leaves the box. A failed
 * compile is an outcome, not an exception.
 */
export async function prepareProgram(
  lease: SandboxLease,
  source: ProgramSource,
  options: PrepareOptions = {},
): Promise<PreparedProgram> {
  const language = source.grader ? withGrader(source.language, source.grader) : source.language;
  const program = programOf(language);
  lease.writeFiles([...source.files]);
  if (source.problemFiles) lease.writeFiles([...source.problemFiles]);
  if (!language.compile) return { ok: true, program, cached: false };

  const command = [...language.compile, ...(source.compilerOptions ?? [])];
  const compiled = [...source.files, ...(source.problemFiles ?? [])];
  const { cache } = options;
  const key =
    cache &&
    compileCacheKey({
      languageId: language.id,
      version: source.version ?? 'unknown',
      compileCommand: command,
      // The problem's files (a grader, a header) are part of what is compiled.
      files: compiled,
    });
  const hit = key ? cache?.get(key) : undefined;
  if (hit) {
    lease.writeFiles(hit.artifacts);
    return { ok: true, program, stage: hit.compile, cached: true };
  }
  options.onCompileStart?.();
  const main = source.files.find((file) => file.name === language.sourceFile)?.content;
  const compile = await runCompile(
    lease,
    { language, command, source: main, env: program.env, limits: source.compileLimits },
    options.signal,
  );
  const stage = toStage(compile);
  if (compile.status !== 'accepted') {
    return { ok: false, status: compileFailure(compile.status), compile, stage, cached: false };
  }
  if (cache && key) keepArtifacts(lease, cache, key, compiled, stage);
  return { ok: true, program, compile, stage, cached: false };
}

/** Stores what a compile made; a cache that cannot write costs a recompile next time, nothing more. */
function keepArtifacts(
  lease: SandboxLease,
  cache: CompileCache,
  key: string,
  compiled: readonly SandboxFile[],
  stage: StageResult,
): void {
  // Problem files are written before every compile or cache hit: never artifacts.
  const sources = compiled.map((f) => f.name);
  const after = lease.listFiles();
  const names = new Set(selectArtifacts(sources, after, sources));
  const artifacts = after.flatMap((file) => {
    const content = names.has(file.name) ? lease.readFile(file.name) : null;
    return content ? [{ name: file.name, content, executable: file.executable }] : [];
  });
  try {
    cache.put(key, { artifacts, compile: stage });
  } catch (error) {
    // A full disk must not fail the submission that compiled.
    process.emitWarning(`compile cache write failed: ${(error as Error).message}`);
  }
}

/** One compile in a lease whose work directory already holds the program's files. */
export interface CompileStep {
  language: LanguageDefinition;
  /** The compile command as the cache key names it: the language's, plus any compiler options. */
  command: string[];
  /** The program's main source (the language's sourceFile), to see which headers it includes. */
  source: string | Buffer | undefined;
  env: Record<string, string>;
  limits: RunLimits;
}

/** Whether a path is a regular file; any failure to look counts as "no". */
const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isFile(),
    () => false,
  );

/**
 * One compile (prepareProgram's; bench/compile.ts measures it alone). When the language has
 * precompiled headers and the source includes one, the compile first runs with them; whatever it
 * said, the user sees a plain compile's words instead (needsPlainCompile), so diagnostics never depend on whether setup
 * made the headers. The artifacts are the same either way: GCC's .gch holds the parsed header, not
 * code of its own, and the preload setup built beside it (PCH_PRELOAD) changes only how the kernel
 * backs the compiler's memory. A compile done twice reports the time both took.
 */
export async function runCompile(
  lease: SandboxLease,
  step: CompileStep,
  signal?: AbortSignal,
): Promise<RunResult> {
  const { language, command, env, limits } = step;
  const pch = language.precompiledHeaders;
  if (pch && step.source !== undefined && includesPrecompiledHeader(pch, step.source)) {
    const preload = join(pch.dir, PCH_PRELOAD);
    // Only a library that is there: a missing one would make the loader complain on stderr, and any
    // word from the compile means compiling again without the headers.
    const fastEnv = (await isFile(preload)) ? withPchPreload(env, preload) : env;
    const fast = await lease.run(
      { command: withPrecompiledHeaders(command, pch), env: fastEnv, limits },
      signal,
    );
    if (!needsPlainCompile(fast)) return fast;
    const plain = await lease.run({ command, env, limits }, signal);
    // The plain compile's words and verdict; the time both took, as that is what the compile cost.
    return {
      ...plain,
      cpuMs: fast.cpuMs + plain.cpuMs,
      wallMs: fast.wallMs + plain.wallMs,
      memoryKb: Math.max(fast.memoryKb, plain.memoryKb),
    };
  }
  return lease.run({ command, env, limits }, signal);
}
