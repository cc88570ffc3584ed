import type { RunCost } from '../queue/run-cost.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { PrecompiledHeaders } from './precompiled-headers.js';

/** One language as data. Adding a language means adding an entry, not a code path. */
export interface LanguageDefinition {
  /** Stable id used by the API and the CLI, e.g. "python3". */
  id: string;
  /** Display name, e.g. "Python". */
  name: string;
  /** Other names a request may use ("py", "python"). */
  aliases: string[];
  /** File extensions that `arbiter run FILE` maps to this language. */
  extensions: string[];
  /** Name the source is saved under in the work directory. */
  sourceFile: string;
  /** Compile command (argv, run inside the sandbox with compile limits); absent for interpreters. */
  compile?: string[];
  /**
   * How the queue classes this language's jobs before its judges have been timed (queue/run-cost):
   * within a fair round cheap jobs go first, then moderate, then costly. Default: costly with a
   * compile step, cheap without. Set to moderate where the compile is quick (C's).
   */
  queueCost?: RunCost;
  /**
   * Headers scripts/setup precompiles for this compile command; a compile whose source includes one
   * puts their directory first on the include path (precompiled-headers.ts). Absent: none.
   */
  precompiledHeaders?: PrecompiledHeaders;
  /** Run command (argv, inside the sandbox). */
  run: string[];
  /** Absolute host path whose presence means the toolchain is installed. */
  binary: string;
  /** Host command that prints the version, and the pattern whose first group is the version. */
  version: { command: string[]; pattern: RegExp };
  /** Debian packages that provide the toolchain (scripts/debian-packages.txt lists them all). */
  packages: string[];
  /** Environment added to the sandbox's default one, for compile and run. */
  env?: Record<string, string>;
  /** Floors a runtime needs to start at all (a JVM's threads); a request is raised to these. */
  minimumLimits?: Partial<RunLimits>;
  /** Compile limits that differ from DEFAULT_COMPILE_LIMITS (slow compilers). */
  compileLimits?: Partial<RunLimits>;
  /** Host directories outside /usr that the toolchain needs visible, read-only. */
  readOnlyDirs?: string[];
  /**
   * The id of the language this entry is another version of (GCC 11 beside `c`'s GCC 12). A request
   * for that language whose `version` selects this entry's installed version reaches it; without a
   * version a request gets the language's own entry, or its first installed version when that one
   * is not installed. Absent for a language's own entry.
   */
  versionOf?: string;
  /**
   * Judge0 CE language ids that map here (used by the Judge0-compatible API). Where Debian ships
   * several versions, each id goes to the installed version nearest the one Judge0 names.
   */
  judge0Ids?: number[];
  /** How Judge0 names it, `{v}` standing for the installed version ("C (Clang {v})"). Default: `name ({v})`. */
  judge0Name?: string;
  /** Piston runtime name (used by the Piston-compatible API); several versions share one. Default: `id`. */
  pistonName?: string;
  /** Piston's `runtime` where one Piston language has several implementations (`pypy` for Python). */
  pistonRuntime?: string;
}
