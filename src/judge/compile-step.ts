import type { LanguageDefinition } from '../languages/language.js';
import {
  includesPrecompiledHeader,
  needsPlainCompile,
  withPrecompiledHeaders,
} from '../languages/precompiled-headers.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { SandboxLease } from '../sandbox/pool.js';
import type { RunResult } from '../sandbox/run-spec.js';

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

/**
 * The one way a program is compiled (judge, CLI, doctor). When the language has precompiled headers
 * and the source includes one, the compile first runs with them; whatever it said, the user sees a
 * plain compile's words instead (needsPlainCompile), so diagnostics never depend on whether setup
 * made the headers. The artifacts are the same either way: GCC's .gch holds the parsed header, not
 * code of its own. A compile done twice reports the time both took.
 */
export async function runCompile(
  lease: SandboxLease,
  step: CompileStep,
  signal?: AbortSignal,
): Promise<RunResult> {
  const { language, command, env, limits } = step;
  const pch = language.precompiledHeaders;
  if (pch && step.source !== undefined && includesPrecompiledHeader(pch, step.source)) {
    const fast = await lease.run({ command: withPrecompiledHeaders(command, pch), env, limits }, signal);
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
