import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  type Dirent,
} from 'node:fs';
import { join, posix } from 'node:path';
import { ArbiterError } from '../errors.js';

/** What the machine offers: v2 where Arbiter's own cgroup has the controllers, v1 otherwise. */
export interface CgroupSystem {
  version: 'v1' | 'v2';
  /**
   * v1: one mount per controller. v2: under the key 'unified', the subtree Arbiter may manage: its
   * own cgroup (a systemd service's with Delegate=yes, a container's namespace root), or the
   * hierarchy's root when Arbiter runs there.
   */
  roots: Record<string, string>;
  /** v2: that subtree as /proc/self/cgroup names it, for messages ("/system.slice/arbiter.service"). */
  cgroupPath?: string;
  /** v2: the subtree is the hierarchy's root, which the no-internal-process rule exempts. */
  hierarchyRoot?: boolean;
}

export const V1_CONTROLLERS = ['memory', 'pids', 'cpuacct'] as const;
const V2_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const V2_ENABLE = V2_CONTROLLERS.map((c) => `+${c}`).join(' ');

/**
 * The leaf a v2 subtree's processes move into (the server and whatever shares its cgroup), because
 * a cgroup that enables controllers for its children may hold no process itself. A process that
 * finds itself here (a second server started from the first's shell) manages the parent.
 */
export const SERVER_LEAF = 'arbiter-server';

/** How to give Arbiter a cgroup v2 subtree of its own; part of every message about one missing. */
export const DELEGATION_FIX =
  'run Arbiter as the systemd service in deploy/systemd (Delegate=yes), start it from a shell with ' +
  '`systemd-run --scope -p Delegate=yes -- arbiter serve`, or in a container give it its own cgroup ' +
  'namespace (podman/docker --cgroupns=private)';

function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

const controllersAt = (dir: string): string[] =>
  readIfExists(join(dir, 'cgroup.controllers'))?.trim().split(/\s+/) ?? [];

/** The v2 cgroup of a process, from the "0::PATH" line of /proc/PID/cgroup; null when there is none. */
export function unifiedCgroupPath(procCgroup: string): string | null {
  const line = procCgroup.split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3).trim() || '/' : null;
}

/** The subtree Arbiter manages, given its own v2 cgroup path: its own, or the parent of SERVER_LEAF. */
export function managedCgroupPath(ownPath: string): string {
  return posix.basename(ownPath) === SERVER_LEAF ? posix.dirname(ownPath) : ownPath;
}

/** The systemd unit a cgroup path belongs to: its deepest .service or .scope component, if any. */
export function systemdUnitOf(path: string): string | null {
  const units = path.split('/').filter((part) => /\.(service|scope)$/.test(part));
  return units.at(-1) ?? null;
}

/**
 * Finds a usable cgroup setup, or explains what is missing and how to fix it. Reads /sys and
 * /proc/self/cgroup; asks systemd (when it manages this machine) whether Arbiter's unit delegates.
 */
export function detectCgroups(
  base = '/sys/fs/cgroup',
  procCgroup = readIfExists('/proc/self/cgroup') ?? '',
): CgroupSystem {
  for (const unified of [base, join(base, 'unified')]) {
    if (!V2_CONTROLLERS.every((c) => controllersAt(unified).includes(c))) continue;
    const own = unifiedCgroupPath(procCgroup) ?? '/';
    const cgroupPath = managedCgroupPath(own);
    const dir = cgroupPath === '/' ? unified : join(unified, cgroupPath);
    if (!existsSync(join(dir, 'cgroup.procs'))) {
      throw new ArbiterError(
        'SANDBOX_UNAVAILABLE',
        `cgroup v2: Arbiter's cgroup ${own} is not visible under ${unified} (a cgroup mount from ` +
          `another cgroup namespace); mount this namespace's cgroup2 at ${base}, or ${DELEGATION_FIX}`,
      );
    }
    const missing = V2_CONTROLLERS.filter((c) => !controllersAt(dir).includes(c));
    if (missing.length > 0) {
      throw new ArbiterError(
        'SANDBOX_UNAVAILABLE',
        `cgroup v2: the ${missing.join(', ')} controller(s) are not available to Arbiter's cgroup ` +
          `${cgroupPath}, so it cannot limit runs there; ${DELEGATION_FIX}`,
      );
    }
    const hierarchyRoot = !existsSync(join(dir, 'cgroup.type'));
    if (!hierarchyRoot) checkSystemdDelegation(cgroupPath);
    return { version: 'v2', roots: { unified: dir }, cgroupPath, hierarchyRoot };
  }
  const roots: Record<string, string> = {};
  for (const controller of V1_CONTROLLERS) {
    const dir = join(base, controller);
    if (!existsSync(join(dir, 'cgroup.procs'))) {
      throw new ArbiterError(
        'SANDBOX_UNAVAILABLE',
        `no usable cgroups: neither cgroup v2 with ${V2_CONTROLLERS.join('+')} nor a v1 ${controller} hierarchy at ${dir}`,
      );
    }
    roots[controller] = dir;
  }
  return { version: 'v1', roots };
}

/**
 * Refuses cgroup mounts Arbiter cannot write. Docker, podman and the kubelet mount a container's
 * /sys/fs/cgroup read-only unless it is privileged; the image's entrypoint (deploy/image/
 * entrypoint.sh) remounts the container's own cgroup read-write, and this names that fix for
 * anyone who starts Arbiter some other way.
 */
export function checkCgroupsWritable(system: CgroupSystem): void {
  for (const dir of Object.values(system.roots)) {
    try {
      accessSync(dir, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EROFS') throw cgroupFailure(`write to ${dir}`, error);
      throw new ArbiterError(
        'SANDBOX_UNAVAILABLE',
        `${dir} is on a read-only cgroup mount (a container that is not privileged): start the ` +
          `container through the image's entrypoint, which remounts its own cgroup read-write ` +
          `(deploy/image/entrypoint.sh; needs CAP_SYS_ADMIN, as bubblewrap does), or run ` +
          `\`mount -o remount,bind,rw /sys/fs/cgroup\` in the container before Arbiter starts`,
      );
    }
  }
}

/**
 * The cgroups the sandbox will use, checked: found (v1 controllers, or Arbiter's own delegated v2
 * subtree) and writable. The one check serve and doctor both make; throws SANDBOX_UNAVAILABLE
 * naming the fix.
 */
export function usableCgroups(): CgroupSystem {
  const system = detectCgroups();
  checkCgroupsWritable(system);
  return system;
}

/**
 * Where systemd manages this machine, a cgroup inside one of its units is systemd's unless the unit
 * says Delegate=yes: a login shell's session scope is the common case. Refuses such a cgroup,
 * naming the fix. Without systemd (a container, a plain VM) there is nobody to ask.
 */
function checkSystemdDelegation(cgroupPath: string, systemdRuntime = '/run/systemd/system'): void {
  const unit = systemdUnitOf(cgroupPath);
  if (!unit || !existsSync(systemdRuntime)) return;
  let delegate: string;
  try {
    delegate = execFileSync('systemctl', ['show', '--property=Delegate', '--value', unit], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return; // no systemctl, or it cannot answer: the writes that follow will tell
  }
  if (delegate === 'no') {
    throw new ArbiterError(
      'SANDBOX_UNAVAILABLE',
      `cgroup v2: Arbiter runs in ${cgroupPath}, which systemd's ${unit} manages and does not delegate ` +
        `(Delegate=no); ${DELEGATION_FIX}`,
    );
  }
}

/** A cgroup write or mkdir that failed, as SANDBOX_UNAVAILABLE with what it means and the fix. */
function cgroupFailure(what: string, error: unknown): ArbiterError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EROFS'
      ? 'the cgroup file system is mounted read-only (a container: see deploy/image/README.md)'
      : code === 'EBUSY'
        ? 'the cgroup still holds processes, which cgroup v2 forbids in a cgroup that enables controllers for its children'
        : code === 'EACCES' || code === 'EPERM' || code === 'ENOENT'
          ? `the cgroup is not Arbiter's to manage; ${DELEGATION_FIX}`
          : 'see the error';
  return new ArbiterError('SANDBOX_UNAVAILABLE', `cannot ${what}: ${(error as Error).message} (${why})`);
}

/**
 * Makes a v2 subtree ready for slots: everything in it moves into the SERVER_LEAF leaf, then the
 * controllers are enabled for its children. Idempotent; a second instance in the same subtree finds
 * the work done. Nothing to do on v1, or at the hierarchy's root.
 */
export function claimSubtree(system: CgroupSystem): void {
  if (system.version !== 'v2' || system.hierarchyRoot) return;
  const base = system.roots.unified!;
  const leaf = join(base, SERVER_LEAF);
  try {
    mkdirSync(leaf, { recursive: true });
  } catch (error) {
    throw cgroupFailure(`create ${leaf}`, error);
  }
  // A process may fork while we move the others: go round until the cgroup is empty.
  for (let round = 0; round < 20; round++) {
    const pids = readFileSync(join(base, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        writeFileSync(join(leaf, 'cgroup.procs'), pid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH')
          throw cgroupFailure(`move process ${pid} into ${leaf}`, error);
      }
    }
  }
  try {
    writeFileSync(join(base, 'cgroup.subtree_control'), V2_ENABLE);
  } catch (error) {
    throw cgroupFailure(`enable ${V2_ENABLE} in ${base}`, error);
  }
}

/** Directories (one per hierarchy) of one slot's cgroup; `name` is unique per slot start. */
export function slotCgroupDirs(system: CgroupSystem, instance: string, name: string): string[] {
  const names = system.version === 'v1' ? V1_CONTROLLERS : (['unified'] as const);
  return names.map((hierarchy) => join(system.roots[hierarchy]!, 'arbiter', instance, name));
}

/**
 * Creates a slot's cgroup directories; under v2 it enables the controllers on the way down to the
 * slot. The slot's own controllers are enabled by its supervisor once it has left the slot for its
 * leaf (see supervisor.c), since a cgroup that enables them may hold no process.
 */
export function createSlotCgroups(system: CgroupSystem, instance: string, name: string): string[] {
  const dirs = slotCgroupDirs(system, instance, name);
  try {
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw cgroupFailure(`create the slot cgroup ${dirs.join(', ')}`, error);
  }
  if (system.version === 'v2') {
    const root = system.roots.unified!;
    for (const dir of [root, join(root, 'arbiter'), join(root, 'arbiter', instance)]) {
      try {
        writeFileSync(join(dir, 'cgroup.subtree_control'), V2_ENABLE);
      } catch (error) {
        throw cgroupFailure(`enable ${V2_ENABLE} in ${dir}`, error);
      }
    }
  }
  return dirs;
}

/**
 * A directory's entries; none when it is gone. Another instance starting at the same moment may be
 * sweeping the same stale tree: whatever vanishes under us is already done.
 */
function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Removes a cgroup directory tree, deepest first. A cgroup that still holds tasks stays. */
export function removeCgroupTree(dir: string): void {
  for (const entry of entriesOf(dir)) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  }
  try {
    rmdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EBUSY' && code !== 'ENOENT') throw error;
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the per-process runtime directories (generated passwd, group, hosts) under `parent` whose
 * process is gone: a kill -9 never reaches the pool's close().
 */
export function removeStaleRuntimeDirs(parent: string): void {
  for (const { name } of entriesOf(parent)) {
    const pid = Number(name);
    if (/^\d+$/.test(name) && pid > 0 && !isAlive(pid))
      rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Whether any cgroup in a tree holds a process (a live slot's supervisor always sits in one). */
export function cgroupTreeHasProcesses(dir: string): boolean {
  let procs = '';
  try {
    procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (procs.trim() !== '') return true;
  return entriesOf(dir).some((entry) => entry.isDirectory() && cgroupTreeHasProcesses(join(dir, entry.name)));
}

/**
 * Removes the cgroups of Arbiter instances whose process is gone (after a crash or kill -9). The pid
 * in an instance's name means nothing to an Arbiter in another pid namespace (a container that
 * shares the host's cgroup tree), so a tree that still holds a process is never touched: a live
 * instance's supervisors sit in its slots' cgroups, and its runs' cgroups are not ours to remove.
 */
export function removeStaleInstances(system: CgroupSystem): void {
  for (const root of Object.values(system.roots)) {
    const parent = join(root, 'arbiter');
    for (const entry of entriesOf(parent)) {
      const pid = Number(entry.name.split('-')[0]);
      const dir = join(parent, entry.name);
      if (
        entry.isDirectory() &&
        Number.isInteger(pid) &&
        pid > 0 &&
        !isAlive(pid) &&
        !cgroupTreeHasProcesses(dir)
      ) {
        removeCgroupTree(dir);
      }
    }
  }
}
