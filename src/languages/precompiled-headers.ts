/**
 * Precompiled headers: what a language entry says about them, and the pure rules the compile step
 * and scripts/setup share. The I/O (building, checking on disk) is in pch-build.ts.
 *
 * GCC looks for `<dir>/bits/stdc++.h.gch` before `<dir>/bits/stdc++.h` in every include directory,
 * and uses it only when the compiler, the flags that shape code and the macros defined before the
 * `#include` all match the ones it was built with; otherwise it silently reads the real header. So a
 * missing, stale or foreign .gch costs speed, never correctness, and the compile command only has to
 * put the directory first on the include path. Clang does not look for precompiled headers behind an
 * `#include` at all (only through -include-pch, which changes what a program means when it defines
 * macros before the include, and fails hard on a stale file), so Clang entries have none.
 */

/** The headers scripts/setup precompiles for one language entry, and where its compiles find them. */
export interface PrecompiledHeaders {
  /**
   * Directory holding `<header>.gch` (`<dir>/bits/stdc++.h.gch`) and setup's stamp. Under /usr, so
   * every sandbox sees it read-only through its /usr bind; one per language entry, as a .gch is
   * tied to one compiler and one flag set.
   */
  dir: string;
  /** The headers, as a program's `#include <…>` names them ('bits/stdc++.h'). */
  headers: string[];
  /**
   * The compiler and exactly the flags of the entry's compile command that shape the code, then the
   * header's language (`-x c++-header`); setup adds the header and `-o`. A registry test checks them
   * against the compile command, as GCC ignores a .gch built with other flags.
   */
  build: string[];
}

/** The file name of a stamp scripts/setup writes beside the .gch files once they are complete. */
export const PCH_STAMP = 'arbiter-pch.json';
/**
 * The library scripts/setup builds beside the .gch files from native/pch-populate.c, preloaded into
 * the compiles that use them: it fills the .gch's mapping in two calls, the pages a compile writes
 * to (recorded at setup in `<gch>.writes`) as copies and the rest from the shared page cache, and
 * gives the compiler's heap huge pages, instead of a page fault (often a copy-on-write) per 4 KiB.
 * That file says why this matters. A .gch compile's wall time on our VM: 45% of a plain compile's
 * without it, about 37% with it.
 */
export const PCH_PRELOAD = 'arbiter-pch-populate.so';
/** Beside each .gch, the record of which of its pages a compile writes to (PCH_PRELOAD reads it). */
export const PCH_WRITES_SUFFIX = '.writes';
/** Set to a file name, has the preload record the pages a compile writes to there (setup only). */
export const PCH_RECORD_ENV = 'ARBITER_PCH_RECORD';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a source includes one of the precompiled headers on a line of its own. Only a hint: GCC
 * decides whether the .gch is usable (it is not after other includes or code, or after a macro it
 * depends on was defined), so a hint that is wrong costs at most a second compile, never a result.
 */
export function includesPrecompiledHeader(pch: PrecompiledHeaders, source: string | Buffer): boolean {
  // latin1 maps every byte to one character: a source that is not UTF-8 is still searched, linearly.
  const text = typeof source === 'string' ? source : source.toString('latin1');
  return pch.headers.some((header) =>
    new RegExp(`^[ \\t]*#[ \\t]*include[ \\t]*[<"]${escapeRegExp(header)}[>"]`, 'm').test(text),
  );
}

/** The compile command with the precompiled headers' directory first on the include path. */
export function withPrecompiledHeaders(command: readonly string[], pch: PrecompiledHeaders): string[] {
  const [compiler, ...rest] = command;
  if (compiler === undefined) throw new Error('an empty compile command');
  return [compiler, `-I${pch.dir}`, ...rest];
}

/** The compile's environment with the preload (PCH_PRELOAD at `path`) put first in LD_PRELOAD. */
export function withPchPreload(env: Readonly<Record<string, string>>, path: string): Record<string, string> {
  const others = env.LD_PRELOAD;
  return { ...env, LD_PRELOAD: others ? `${path} ${others}` : path };
}

/**
 * Whether a compile that used the precompiled headers must be done again without them, so what the
 * user sees is exactly what a plain compile says. A diagnostic located in a header names the chain
 * of includes that led to it, and with a .gch GCC leaves out the last link ("from main.cpp:1"), so
 * any compile that said something (an error, a warning) is redone plain and its words reported; a
 * silent success is the same program either way. A compile stopped by a limit or cancelled is not
 * redone: a plain compile is slower still, and doubling a hostile compile's cost serves no one.
 */
export function needsPlainCompile(result: {
  status: string;
  stdout: Buffer | string;
  stderr: Buffer | string;
}): boolean {
  if (result.status === 'runtime_error') return true;
  return result.status === 'accepted' && (result.stdout.length > 0 || result.stderr.length > 0);
}
