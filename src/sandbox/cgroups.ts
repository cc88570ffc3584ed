import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  type Dirent,
} from 'node:fs';
import { join } from 'node:path';
import { ArbiterError } from '../errors.js';

/** What the machine offers: v2 where its unified hierarchy has the controllers, v1 otherwise. */
export interface CgroupSystem {
  version: 'v1' | 'v2';
  /** v1: one mount per controller; v2: the unified mount, under the key 'unified'. */
  roots: Record<string, string>;
}

export const V1_CONTROLLERS = ['memory', 'pids', 'cpuacct'] as const;
const V2_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;

function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Finds a usable cgroup setup, or explains what is missing. Pure apart from reading /sys. */
export function detectCgroups(base = '/sys/fs/cgroup'): CgroupSystem {
  for (const unified of [base, join(base, 'unified')]) {
    const controllers = readIfExists(join(unified, 'cgroup.controllers'))?.trim().split(/\s+/) ?? [];
    if (V2_CONTROLLERS.every((c) => controllers.includes(c))) return { version: 'v2', roots: { unified } };
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

/** Directories (one per hierarchy) that hold one slot's per-run cgroups. */
export function slotCgroupDirs(system: CgroupSystem, instance: string, slot: number): string[] {
  const names = system.version === 'v1' ? V1_CONTROLLERS : (['unified'] as const);
  return names.map((name) => join(system.roots[name]!, 'arbiter', instance, `slot-${slot}`));
}

/** Creates a slot's cgroup directories; under v2 it enables the controllers on the way down. */
export function createSlotCgroups(system: CgroupSystem, instance: string, slot: number): string[] {
  const dirs = slotCgroupDirs(system, instance, slot);
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  if (system.version === 'v2') {
    const root = system.roots.unified!;
    const enable = V2_CONTROLLERS.map((c) => `+${c}`).join(' ');
    for (const dir of [root, join(root, 'arbiter'), join(root, 'arbiter', instance), dirs[0]!]) {
      writeFileSync(join(dir, 'cgroup.subtree_control'), enable);
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

/** Removes the cgroups of Arbiter instances whose process is gone (after a crash or kill -9). */
export function removeStaleInstances(system: CgroupSystem): void {
  for (const root of Object.values(system.roots)) {
    const parent = join(root, 'arbiter');
    for (const entry of entriesOf(parent)) {
      const pid = Number(entry.name.split('-')[0]);
      if (entry.isDirectory() && Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
        removeCgroupTree(join(parent, entry.name));
      }
    }
  }
}
