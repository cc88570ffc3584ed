import { createHash } from 'node:crypto';
import { ArbiterError } from '../errors.js';

/**
 * What names a compile-cache entry and its files, as pure functions: the key of a compile, which
 * files of a work directory are its artifacts, and which artifact names are safe to store.
 */

/** Version of the key encoding and of the on-disk manifest; bump it to orphan old entries. */
export const COMPILE_CACHE_FORMAT = 1;
/** A key names a directory: anything but a sha256 hex could point outside the cache. */
export const COMPILE_CACHE_KEY_PATTERN = /^[0-9a-f]{64}$/;
/** Longest artifact name, and longest path segment (the usual file-system limit). */
const MAX_ARTIFACT_NAME_LENGTH = 1024;
const MAX_SEGMENT_BYTES = 255;

/** What compileCacheKey hashes. */
export interface CompileCacheKeyParts {
  languageId: string;
  /** Toolchain version, so an upgraded compiler never reuses an old binary. */
  version: string;
  compileCommand: string[];
  /** The program's files; order does not matter, names must be unique. */
  files: { name: string; content: string | Buffer; executable?: boolean }[];
}

/**
 * The cache key of a compile: sha256 (hex) of an unambiguous encoding of everything that decides
 * its output. Every field is length-prefixed, so no two different inputs encode alike ("ab"+"c"
 * differs from "a"+"bc"), and files are sorted by name, so their order does not matter. A string
 * and a Buffer with the same UTF-8 bytes give the same key. Throws INVALID_INPUT for two files
 * with the same name.
 */
export function compileCacheKey(parts: CompileCacheKeyParts): string {
  const hash = createHash('sha256');
  const field = (value: string | Buffer): void => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(bytes.length));
    hash.update(length);
    hash.update(bytes);
  };
  field(`arbiter-compile-cache-v${COMPILE_CACHE_FORMAT}`);
  field(parts.languageId);
  field(parts.version);
  field(String(parts.compileCommand.length));
  for (const arg of parts.compileCommand) field(arg);
  const files = [...parts.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.name === files[i - 1]!.name) {
      throw new ArbiterError('INVALID_INPUT', `two files are named ${JSON.stringify(files[i]!.name)}`);
    }
  }
  field(String(files.length));
  for (const file of files) {
    field(file.name);
    field(file.executable ? 'x' : '-');
    field(file.content);
  }
  return hash.digest('hex');
}

/**
 * Which files in the work directory after a compile are its artifacts: every file present after
 * the compile (`after`, from SandboxLease.listFiles) that is not one of the program's sources,
 * sorted by name. Sources are left out because a cache hit writes them anyway. The listing from
 * before the compile (`_before`) does not change the answer: a file that was already there and is
 * not a source is carried like a new one, because the compile may have rewritten it. Files the
 * compile deleted are not in `after`, so they are never artifacts.
 */
export function selectArtifacts(
  _before: string[],
  after: { name: string; size: number; executable: boolean }[],
  sourceNames: string[],
): string[] {
  const sources = new Set(sourceNames);
  return after
    .map((file) => file.name)
    .filter((name) => !sources.has(name))
    .sort();
}

/** Whether an artifact name is a plain relative path that stays inside the entry's directory. */
export function isSafeArtifactName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_ARTIFACT_NAME_LENGTH) return false;
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/')) return false;
  return name
    .split('/')
    .every(
      (part) => part !== '' && part !== '.' && part !== '..' && Buffer.byteLength(part) <= MAX_SEGMENT_BYTES,
    );
}

/** Throws INVALID_INPUT unless `key` could be a compile's key (COMPILE_CACHE_KEY_PATTERN). */
export function checkCompileCacheKey(key: string): void {
  if (typeof key !== 'string' || !COMPILE_CACHE_KEY_PATTERN.test(key)) {
    throw new ArbiterError('INVALID_INPUT', 'a compile cache key must be 64 lowercase hex characters');
  }
}

/** Safe, unique, and no name is a directory of another ("a" and "a/b" cannot both be files). */
export function artifactNamesUsable(names: string[]): boolean {
  if (!names.every(isSafeArtifactName)) return false;
  const files = new Set(names);
  if (files.size !== names.length) return false;
  return names.every((name) => {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) if (files.has(parts.slice(0, i).join('/'))) return false;
    return true;
  });
}
