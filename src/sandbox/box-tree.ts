import type { Dir, Dirent } from 'node:fs';
import { chmod, lchown, lstat, opendir, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * Asynchronous walks over a slot's writable directories, as the host sees them through the box's
 * root. Nothing of a program runs while they do (the supervisor proved the run's cgroup empty), so
 * what they find cannot change under them. They never follow a symlink, and every file system call
 * is its own request to the thread pool: a directory of any size costs the event loop many short
 * turns, never a long one. The inode cap of each tmpfs (BoxLayout.maxInodes) bounds their work.
 */

/** Entries read from the kernel per directory read. */
const DIR_BUFFER = 256;

/** Whether an entry is a directory, without following a symlink. */
async function isDirectory(entry: Dirent, path: string): Promise<boolean> {
  if (entry.isDirectory()) return true;
  const typed =
    entry.isFile() ||
    entry.isSymbolicLink() ||
    entry.isFIFO() ||
    entry.isSocket() ||
    entry.isCharacterDevice() ||
    entry.isBlockDevice();
  // A file system that does not report types (tmpfs does) needs a look at the entry itself.
  return !typed && (await lstat(path)).isDirectory();
}

/**
 * Reads a directory's entries (names, and whether each is a directory). Without a limit it reads
 * them in one request, the cheapest way for the small directories most runs leave (the inode cap
 * of each tmpfs bounds the large ones); with one, it stops reading once it has `limit`.
 */
async function listDir(dir: string, limit = Infinity): Promise<{ name: string; isDir: boolean }[]> {
  const out: { name: string; isDir: boolean }[] = [];
  if (limit === Infinity) {
    for (const entry of await readdir(dir, { withFileTypes: true }))
      out.push({ name: entry.name, isDir: await isDirectory(entry, join(dir, entry.name)) });
    return out;
  }
  const handle: Dir = await opendir(dir, { bufferSize: DIR_BUFFER });
  // Iterating closes the handle, also when the loop is left early.
  for await (const entry of handle) {
    out.push({ name: entry.name, isDir: await isDirectory(entry, join(dir, entry.name)) });
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * Counts the entries under `dir`, subdirectories' entries included. Stops once the count passes
 * `limit`, so a directory holding millions costs no more than one holding `limit + 1`.
 */
export async function countEntries(dir: string, limit: number): Promise<number> {
  let count = 0;
  const pending = [dir];
  while (pending.length > 0 && count <= limit) {
    const current = pending.pop()!;
    for (const entry of await listDir(current, limit - count + 1)) {
      count++;
      if (entry.isDir) pending.push(join(current, entry.name));
    }
  }
  return count;
}

/**
 * Removals in flight at once: enough to overlap their round trips, few enough to leave most of the
 * thread pool to the rest of the server.
 */
const REMOVE_CONCURRENCY = 4;

/** Runs `work` over `items`, REMOVE_CONCURRENCY at a time; every one settles before it returns. */
async function forEachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(REMOVE_CONCURRENCY, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  for (const lane of await Promise.allSettled(lanes)) if (lane.status === 'rejected') throw lane.reason;
}

/**
 * Removes the entries of `dir` (directories with everything in them) whose names are not in
 * `keep`; `dir` itself stays. Returns how many of its own entries went.
 */
export async function removeEntries(dir: string, keep?: ReadonlySet<string>): Promise<number> {
  const top = (await listDir(dir)).filter((entry) => !keep?.has(entry.name));
  // Everything to go, found first: files are then unlinked a few at a time, and directories,
  // emptied by then, removed deepest first.
  const files: string[] = [];
  const dirs: string[] = [];
  const pending = top.map((entry) => ({ path: join(dir, entry.name), isDir: entry.isDir }));
  while (pending.length > 0) {
    const { path, isDir } = pending.pop()!;
    if (!isDir) {
      files.push(path);
      continue;
    }
    dirs.push(path);
    for (const entry of await listDir(path))
      pending.push({ path: join(path, entry.name), isDir: entry.isDir });
  }
  await forEachLimited(files, (path) => unlink(path));
  for (const path of dirs.reverse()) await rmdir(path);
  return top.length;
}

/**
 * Hands everything under `dir` to root and makes it read-only to everyone else: directories 0755,
 * files 0444 (0555 when executable), symlinks only re-owned (chmod would follow them). A program
 * can then neither change, replace nor delete any of it, nor add anything inside those directories.
 * chmod also narrows the mask of any ACL the program set, so an ACL cannot keep a write grant.
 * Returns the names of `dir`'s own entries.
 */
export async function freezeEntries(dir: string): Promise<Set<string>> {
  const top = await listDir(dir);
  const pending = top.map((entry) => ({ path: join(dir, entry.name), isDir: entry.isDir }));
  while (pending.length > 0) {
    const { path, isDir } = pending.pop()!;
    await lchown(path, 0, 0);
    if (isDir) {
      await chmod(path, 0o755);
      for (const entry of await listDir(path))
        pending.push({ path: join(path, entry.name), isDir: entry.isDir });
      continue;
    }
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) continue;
    await chmod(path, stat.mode & 0o111 ? 0o555 : 0o444);
  }
  return new Set(top.map((entry) => entry.name));
}
