import type { Dirent } from 'node:fs';
import { chmod, chown, lchown, lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeReset, parseResetAnswer } from './protocol.js';
import type { SupervisorChannel } from './slot-run.js';

/**
 * Most entries (files and directories, of the work directory, /tmp and /dev/shm together) a reset
 * between leases deletes one by one. Past it the slot is rebuilt instead: killing bubblewrap drops
 * its tmpfs mounts, and everything in them, at once, and a new box starts in a few milliseconds.
 */
export const RESET_MAX_ENTRIES = 10_000;

/**
 * The wipe between leases: one request to the supervisor, which empties the work directory, /tmp
 * and /dev/shm inside the box and gives the work directory back to the slot's uid (see "reset N" in
 * supervisor.c). 'full' when they held more than RESET_MAX_ENTRIES entries: the caller rebuilds the
 * slot. Throws SANDBOX_FAILED when the supervisor could not wipe it.
 */
export async function wipeSlot(channel: SupervisorChannel): Promise<'clean' | 'full'> {
  channel.control.write(encodeReset(RESET_MAX_ENTRIES));
  return parseResetAnswer(await channel.reader.next());
}

/**
 * Fresh state for the next of a series of runs of one program, in the box under `root`. Without a
 * `baseline` (the first call of a lease) it freezes the work directory as it is (the compiled
 * program): everything in it becomes root-owned and read-only, and the directory itself root-owned
 * and sticky, so runs may add files beside it but can neither change, replace nor delete it. With
 * one it removes every entry of the work directory not named in it. Either way it empties /tmp and
 * /dev/shm. Returns the baseline: the work directory's names when it was frozen.
 */
export async function resetForNextRun(root: string, baseline: Set<string> | null): Promise<Set<string>> {
  const box = join(root, 'box');
  const resetBox = async (): Promise<Set<string>> => {
    if (baseline !== null) {
      await removeEntries(box, baseline);
      return baseline;
    }
    const frozen = await freezeEntries(box);
    await chown(box, 0, 0);
    await chmod(box, 0o1777);
    return frozen;
  };
  // No bound here as between leases: the inode cap of each tmpfs (BoxLayout.maxInodes) bounds what a
  // run can leave, and only this submission's own lease waits for its removal. All three settle
  // before this returns, so none outlives the caller's hold on the root fd (see SandboxSlot.close).
  const [boxStep, ...others] = await Promise.allSettled([
    resetBox(),
    removeEntries(join(root, 'tmp')),
    removeEntries(join(root, 'dev/shm')),
  ]);
  for (const step of [boxStep!, ...others]) if (step.status === 'rejected') throw step.reason;
  return (boxStep as PromiseFulfilledResult<Set<string>>).value;
}

/*
 * Asynchronous walks over a slot's writable directories, as the host sees them through the box's
 * root. Nothing of a program runs while they do (the supervisor proved the run's cgroup empty), so
 * what they find cannot change under them. They never follow a symlink, and every file system call
 * is its own request to the thread pool: a directory of any size costs the event loop many short
 * turns, never a long one. The inode cap of each tmpfs (BoxLayout.maxInodes) bounds their work.
 */

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
 * Reads a directory's entries (names, and whether each is a directory) in one request, the
 * cheapest way for the small directories most runs leave (the inode cap of each tmpfs bounds the
 * large ones).
 */
async function listDir(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  const out: { name: string; isDir: boolean }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }))
    out.push({ name: entry.name, isDir: await isDirectory(entry, join(dir, entry.name)) });
  return out;
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
