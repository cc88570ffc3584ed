import {
  lchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ArbiterError } from '../errors.js';
import type { SandboxFile } from './run-spec.js';

/*
 * The work directory's files as the host reaches them, through a slot's root (/proc/self/fd/N, an
 * fd on the box's root). A program that ran earlier in the lease may have left symlinks there;
 * through the root fd they would resolve against the host's root, so nothing here ever follows one.
 * Nothing of the program runs while these are called (the supervisor proved its cgroup empty), so
 * what they check cannot change under them.
 */

/** A box entry the host may hand out: a file's path relative to the work directory, and its facts. */
export interface BoxFileEntry {
  name: string;
  size: number;
  executable: boolean;
}

/** Checks a file name from a request: relative, inside the work directory, no tricks. */
export function safeRelativePath(name: string): string {
  const clean = normalize(name);
  if (
    name.length === 0 ||
    name.length > 255 ||
    name.includes('\0') ||
    clean.startsWith('/') ||
    clean === '..' ||
    clean.startsWith('../') ||
    clean === '.'
  ) {
    throw new ArbiterError(
      'FILE_NAME_INVALID',
      `file name ${JSON.stringify(name)} must be a relative path inside the work directory`,
    );
  }
  return clean;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Places files in the work directory under `root`, owned by `uid`; every directory on the way is
 * checked with lstat and never followed.
 */
export function writeBoxFiles(root: string, uid: number, files: readonly SandboxFile[]): void {
  const box = join(root, 'box');
  for (const file of files) {
    const rel = safeRelativePath(file.name);
    let dir = box;
    for (const part of dirname(rel) === '.' ? [] : dirname(rel).split('/')) {
      dir = join(dir, part);
      const stat = lstatOrNull(dir);
      if (stat && !stat.isDirectory()) {
        throw new ArbiterError(
          'FILE_NAME_INVALID',
          `cannot write ${file.name}: ${part} exists and is not a directory`,
        );
      }
      if (!stat) {
        mkdirSync(dir);
        lchownSync(dir, uid, uid);
      }
    }
    const path = join(box, rel);
    // 'wx' is O_CREAT|O_EXCL: it refuses an existing name, a dangling symlink included.
    writeFileSync(path, file.content, { mode: file.executable ? 0o755 : 0o644, flag: 'wx' });
    lchownSync(path, uid, uid);
  }
}

/** Reads a file the program left in the work directory; null for a symlink, on the way or at the end. */
export function readBoxFile(root: string, name: string): Buffer | null {
  const box = join(root, 'box');
  const path = join(box, safeRelativePath(name));
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    // Missing, or a path through something that is not a directory: there is no such file.
    return null;
  }
  if (!stat.isFile()) return null;
  for (let dir = dirname(path); dir !== box; dir = dirname(dir)) {
    if (lstatSync(dir).isSymbolicLink()) return null;
  }
  return readFileSync(path);
}

/**
 * Lists the regular files under the work directory (relative paths), without following symlinks,
 * for carrying a compiler's output into the compile cache. Stops at `maxFiles`.
 */
export function listBoxFiles(root: string, maxFiles = 1000): BoxFileEntry[] {
  const out: BoxFileEntry[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (out.length >= maxFiles) return;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), rel);
      else if (entry.isFile()) {
        const stat = lstatSync(join(dir, entry.name));
        out.push({ name: rel, size: stat.size, executable: (stat.mode & 0o111) !== 0 });
      }
    }
  };
  walk(join(root, 'box'), '');
  return out;
}

/** Removes one file or directory from the work directory (a symlink itself, never its target). */
export function removeBoxFile(root: string, name: string): void {
  const box = join(root, 'box');
  const path = join(box, safeRelativePath(name));
  for (let dir = dirname(path); dir !== box; dir = dirname(dir)) {
    if (lstatOrNull(dir)?.isSymbolicLink())
      throw new ArbiterError('FILE_NAME_INVALID', `cannot remove ${name}: a parent is a symlink`);
  }
  rmSync(path, { recursive: true, force: true });
}
