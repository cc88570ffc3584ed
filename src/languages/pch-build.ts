import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../project-root.js';
import type { LanguageDefinition } from './language.js';
import {
  PCH_PRELOAD,
  PCH_RECORD_ENV,
  PCH_STAMP,
  PCH_WRITES_SUFFIX,
  type PrecompiledHeaders,
  withPchPreload,
} from './precompiled-headers.js';

/**
 * Making and checking a language's precompiled headers on the host (scripts/setup, arbiter doctor).
 * A stamp beside the .gch files records what they were built from: the command, the compiler's
 * version and binary, every file the headers read, and the preload's source (PCH_PRELOAD, built
 * beside them). Setup rebuilds when any of these changed;
 * GCC itself ignores a .gch from another compiler build, so a stale one never changes a result,
 * but a header edited in place under the same compiler would go unnoticed by GCC: the stamp's file
 * list is what catches that.
 */

/** GCC parses bits/stdc++.h in seconds; this bounds a compiler that hangs. */
const BUILD_TIMEOUT_MS = 5 * 60_000;
const PROBE_TIMEOUT_MS = 30_000;
/** The host environment the compiler runs in: the same search path the registry uses. */
const HOST_ENV = { PATH: '/usr/bin:/bin', HOME: '/tmp', LC_ALL: 'C' };
const STAMP_FORMAT = 2;
/** The preload's C source, which ships with the server (the container images copy it too). */
export const PRELOAD_SOURCE = join(PROJECT_ROOT, 'src', 'languages', 'native', 'pch-populate.c');
/**
 * Built by the entry's own driver as C, so nothing beyond the compiler the entry already needs;
 * --as-needed keeps libstdc++, which a C++ driver links by default, out of every process it enters.
 */
const PRELOAD_FLAGS = [
  '-x',
  'c',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-shared',
  '-fPIC',
  '-Wl,--as-needed',
];

interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

interface Stamp {
  format: typeof STAMP_FORMAT;
  build: string[];
  compiler: string;
  driver: FileIdentity;
  headers: { header: string; path: string; deps: FileIdentity[] }[];
  /** SHA-256 of the preload's source when it was built. */
  preload: string;
}

/** Whether a language's precompiled headers are there and current, and if not, why. */
export interface PchStatus {
  fresh: boolean;
  detail: string;
}

function run(
  argv: readonly string[],
  stdin: string | null,
  timeout: number,
  env: Record<string, string> = HOST_ENV,
): Promise<{ stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = execFile(
      file!,
      args,
      { timeout, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const how = error.killed ? `stopped by ${error.signal ?? 'a signal'}` : `exit ${String(error.code)}`;
        reject(new Error(`${argv.join(' ')} failed (${how}): ${stderr.trim().slice(0, 2000)}`));
      },
    );
    // A compiler that exits without reading its input (-v) closes the pipe: its exit status is the
    // answer, so a write it never read is not an error of its own.
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    if (stdin === null) child.stdin?.end();
    else child.stdin?.end(stdin);
  });
}

async function identity(path: string): Promise<FileIdentity> {
  const info = await stat(path);
  return { path, size: info.size, mtimeMs: info.mtimeMs };
}

/** The compiler's own account of itself (`gcc version 12.2.0 (Debian …)`) and its resolved binary. */
async function compilerIdentity(
  pch: PrecompiledHeaders,
): Promise<{ compiler: string; driver: FileIdentity }> {
  const compiler = pch.build[0]!;
  const { stderr } = await run([compiler, '-v'], null, PROBE_TIMEOUT_MS);
  const version = stderr
    .split('\n')
    .find((line) => / version /.test(line))
    ?.trim();
  if (!version) throw new Error(`${compiler} -v printed no version line`);
  return { compiler: version, driver: await identity(await realpath(await onPath(compiler))) };
}

/** Where HOST_ENV's PATH finds a command, as execFile would. */
async function onPath(command: string): Promise<string> {
  if (command.includes('/')) return command;
  for (const dir of HOST_ENV.PATH.split(':')) {
    const path = join(dir, command);
    if (await exists(path)) return path;
  }
  throw new Error(`${command} is not on ${HOST_ENV.PATH}`);
}

/** Whether a path exists; only "it does not" is an answer, any other failure is thrown. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/** The file GCC reads for `#include <header>` with these flags (the first line of its -H listing). */
async function headerPath(pch: PrecompiledHeaders, header: string): Promise<string> {
  const { stderr } = await run(
    [...pch.build, '-E', '-H', '-o', '/dev/null', '-'],
    `#include <${header}>\n`,
    PROBE_TIMEOUT_MS,
  );
  const first = stderr.split('\n').find((line) => line.startsWith('. '));
  if (!first) throw new Error(`${pch.build[0]} does not find <${header}>`);
  return first.slice(2).trim();
}

/** The prerequisites of a make rule as GCC's -MD writes it (`target: a b \` continued). */
export function parseDepFile(text: string): string[] {
  const joined = text.replace(/\\\n/g, ' ');
  const colon = joined.indexOf(': ');
  if (colon < 0) return [];
  return joined
    .slice(colon + 2)
    .split(/\s+/)
    .filter((path) => path !== '');
}

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/**
 * Puts a file at `final` whole or not at all: `make` writes it beside it (`<final>.partial`), which
 * then gets `mode` and is renamed into place, so a compile running meanwhile sees the old file or
 * the new one. A `make` that throws leaves nothing behind.
 */
async function replaceFile(final: string, mode: number, make: (partial: string) => Promise<void>) {
  const partial = `${final}.partial`;
  try {
    await make(partial);
    await chmod(partial, mode);
    await rename(partial, final);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Builds the preload into the directory, loadable by every sandbox uid; returns its source's hash. */
async function buildPreload(pch: PrecompiledHeaders): Promise<string> {
  const hash = await sha256(PRELOAD_SOURCE);
  await replaceFile(join(pch.dir, PCH_PRELOAD), 0o755, async (partial) => {
    await run([pch.build[0]!, ...PRELOAD_FLAGS, '-o', partial, PRELOAD_SOURCE], null, PROBE_TIMEOUT_MS);
  });
  return hash;
}

const gchPath = (pch: PrecompiledHeaders, header: string): string => join(pch.dir, `${header}.gch`);
const writesPath = (pch: PrecompiledHeaders, header: string): string =>
  `${gchPath(pch, header)}${PCH_WRITES_SUFFIX}`;

/**
 * Records which pages of a header's .gch a compile writes to (native/pch-populate.c), by compiling
 * `#include <header>` with it as a judged program would, with the preload recording. Also proves
 * the .gch usable: GCC maps it only when it takes it, so no record means it was passed over.
 */
async function recordWrites(pch: PrecompiledHeaders, header: string): Promise<void> {
  // The build's flags without its `-x c++-header`: the flags a compile that uses the .gch has.
  const codeFlags = pch.build.slice(1).filter((flag, i, all) => flag !== '-x' && all[i - 1] !== '-x');
  await replaceFile(writesPath(pch, header), 0o644, async (partial) => {
    const env = { ...withPchPreload(HOST_ENV, join(pch.dir, PCH_PRELOAD)), [PCH_RECORD_ENV]: partial };
    await run(
      [pch.build[0]!, `-I${pch.dir}`, ...codeFlags, '-x', 'c++', '-S', '-o', '/dev/null', '-'],
      `#include <${header}>\n`,
      BUILD_TIMEOUT_MS,
      env,
    );
    if (!(await exists(partial)))
      throw new Error(`${pch.build[0]} did not use ${gchPath(pch, header)}, which it has just made`);
  });
}

async function readStamp(pch: PrecompiledHeaders): Promise<Stamp | null> {
  let text: string;
  try {
    text = await readFile(join(pch.dir, PCH_STAMP), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Stamp;
    return value.format === STAMP_FORMAT && Array.isArray(value.headers) ? value : null;
  } catch {
    return null; // a damaged stamp means "rebuild", which is what the caller does with null
  }
}

/** Whether a file is still what it was when recorded; a file that is gone is not. */
const sameIdentity = async (recorded: FileIdentity): Promise<boolean> => {
  if (!(await exists(recorded.path))) return false;
  const now = await identity(recorded.path);
  return now.size === recorded.size && now.mtimeMs === recorded.mtimeMs;
};

/** Whether the precompiled headers of a language are present and were built from what is installed now. */
export async function pchStatus(language: LanguageDefinition): Promise<PchStatus> {
  const pch = language.precompiledHeaders;
  if (!pch) return { fresh: true, detail: 'none' };
  const stamp = await readStamp(pch);
  if (!stamp) return { fresh: false, detail: `missing (${pch.dir})` };
  if (JSON.stringify(stamp.build) !== JSON.stringify(pch.build))
    return { fresh: false, detail: 'built with other flags' };
  const now = await compilerIdentity(pch);
  if (now.compiler !== stamp.compiler || JSON.stringify(now.driver) !== JSON.stringify(stamp.driver))
    return { fresh: false, detail: `built by ${stamp.compiler}, now ${now.compiler}` };
  if (!(await exists(join(pch.dir, PCH_PRELOAD)))) return { fresh: false, detail: `${PCH_PRELOAD} missing` };
  if (stamp.preload !== (await sha256(PRELOAD_SOURCE)))
    return { fresh: false, detail: `${PCH_PRELOAD} was built from another source` };
  for (const header of pch.headers) {
    const entry = stamp.headers.find((h) => h.header === header);
    if (!entry) return { fresh: false, detail: `${header} missing` };
    for (const file of [gchPath(pch, header), writesPath(pch, header)])
      if (!(await exists(file))) return { fresh: false, detail: `${file} missing` };
    for (const dep of entry.deps) {
      if (!(await sameIdentity(dep)))
        return { fresh: false, detail: `${dep.path} changed since it was built` };
    }
  }
  return { fresh: true, detail: `${pch.headers.join(', ')} for ${now.compiler}` };
}

/**
 * Builds a language's precompiled headers unless they are fresh: the preload, then each .gch and
 * the record of the pages a compile writes to in it. Each file is put in place whole (replaceFile),
 * and the stamp comes last, so an interrupted build is redone next time. Readable by every sandbox
 * uid. Returns what it did; throws when the compiler fails.
 */
export async function buildPrecompiledHeaders(language: LanguageDefinition): Promise<'fresh' | 'built'> {
  const pch = language.precompiledHeaders;
  if (!pch || (await pchStatus(language)).fresh) return 'fresh';
  const { compiler, driver } = await compilerIdentity(pch);
  await mkdir(pch.dir, { recursive: true, mode: 0o755 });
  await rm(join(pch.dir, PCH_STAMP), { force: true });
  // First, as recording the pages a compile writes to needs it.
  const preload = await buildPreload(pch);
  const headers: Stamp['headers'] = [];
  for (const header of pch.headers) {
    const path = await headerPath(pch, header);
    const final = gchPath(pch, header);
    const depFile = `${final}.d`;
    await mkdir(dirname(final), { recursive: true, mode: 0o755 });
    // An old record does not describe the new .gch; until the new one is made, there is none.
    await rm(writesPath(pch, header), { force: true });
    try {
      await replaceFile(final, 0o644, async (partial) => {
        await run([...pch.build, path, '-o', partial, '-MD', '-MF', depFile], null, BUILD_TIMEOUT_MS);
        const deps = parseDepFile(await readFile(depFile, 'utf8'));
        headers.push({ header, path, deps: await Promise.all(deps.map(identity)) });
      });
    } finally {
      await rm(depFile, { force: true });
    }
    await recordWrites(pch, header);
  }
  const stamp: Stamp = { format: STAMP_FORMAT, build: pch.build, compiler, driver, headers, preload };
  await replaceFile(join(pch.dir, PCH_STAMP), 0o644, (partial) => writeFile(partial, JSON.stringify(stamp)));
  return 'built';
}
