// The cgroup bookkeeping that does not need the kernel: detection from what a /sys/fs/cgroup tree
// holds, and the sweep of stale instances. Plain directories stand in for cgroupfs here (rmdir of an
// empty directory behaves the same); the real hierarchy is used by every sandbox test.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArbiterError } from '../errors.js';
import {
  detectCgroups,
  managedCgroupPath,
  removeCgroupTree,
  removeStaleInstances,
  removeStaleRuntimeDirs,
  SERVER_LEAF,
  systemdUnitOf,
  unifiedCgroupPath,
} from './cgroups.js';
import { scratchDir } from '../../test/helpers/scratch-dir.js';

const base = scratchDir('arbiter-cgroups-');

/** A pid that is certainly not running: above the kernel's pid_max ceiling. */
const DEAD_PID = 4_194_305;

/** A directory that looks like a cgroup v2 cgroup offering `controllers`; `root`: the hierarchy's root. */
function fakeCgroup(dir: string, controllers: string, root = false): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cgroup.controllers'), `${controllers}\n`);
  writeFileSync(join(dir, 'cgroup.procs'), '');
  if (!root) writeFileSync(join(dir, 'cgroup.type'), 'domain\n');
}

const unavailable = (pattern: RegExp) => (error: unknown) =>
  error instanceof ArbiterError &&
  error.code === 'ARB_ERR_SANDBOX_UNAVAILABLE' &&
  pattern.test(error.message);

test('cgroup v2 at the hierarchy root: the root is the subtree', () => {
  const root = join(base, 'v2');
  fakeCgroup(root, 'cpuset cpu io memory hugetlb pids rdma', true);
  assert.deepEqual(detectCgroups(root, '0::/\n'), {
    version: 'v2',
    roots: { unified: root },
    cgroupPath: '/',
    hierarchyRoot: true,
  });
});

test('cgroup v2 in a service: its own cgroup is the subtree, also when seen from its server leaf', () => {
  const root = join(base, 'v2-service');
  fakeCgroup(root, 'cpu memory pids', true);
  const service = join(root, 'system.slice', 'judge.service');
  fakeCgroup(service, 'cpu memory pids');
  const expected = { version: 'v2', roots: { unified: service }, cgroupPath: '/system.slice/judge.service' };
  assert.deepEqual(detectCgroups(root, '0::/system.slice/judge.service\n'), {
    ...expected,
    hierarchyRoot: false,
  });
  // A server started by another from the leaf it moved everything into manages the same subtree.
  assert.deepEqual(detectCgroups(root, `0::/system.slice/judge.service/${SERVER_LEAF}\n`), {
    ...expected,
    hierarchyRoot: false,
  });
});

test("cgroup v2 without the controllers in Arbiter's cgroup says it is not delegated, and how to fix it", () => {
  const root = join(base, 'v2-session');
  fakeCgroup(root, 'cpu memory pids', true);
  fakeCgroup(join(root, 'user.slice', 'session-3.scope'), 'memory pids');
  assert.throws(
    () => detectCgroups(root, '0::/user.slice/session-3.scope\n'),
    unavailable(
      /cpu controller\(s\) are not available .*session-3\.scope.*Delegate=yes.*systemd-run --scope/,
    ),
  );
  // A cgroup path from another namespace's view does not exist under this mount.
  assert.throws(() => detectCgroups(root, '0::/elsewhere.scope\n'), unavailable(/not visible under/));
});

test('cgroup paths: the v2 line of /proc/self/cgroup, the leaf rule, the systemd unit', () => {
  assert.equal(unifiedCgroupPath('12:pids:/\n0::/system.slice/a.service\n'), '/system.slice/a.service');
  assert.equal(unifiedCgroupPath('0::/\n'), '/');
  assert.equal(unifiedCgroupPath('4:memory:/x\n'), null);
  assert.equal(managedCgroupPath(`/a.service/${SERVER_LEAF}`), '/a.service');
  assert.equal(managedCgroupPath(`/${SERVER_LEAF}`), '/');
  assert.equal(managedCgroupPath('/a.service/other'), '/a.service/other');
  assert.equal(systemdUnitOf('/system.slice/arbiter.service/arbiter-server'), 'arbiter.service');
  assert.equal(systemdUnitOf('/user.slice/user-0.slice/session-3.scope'), 'session-3.scope');
  assert.equal(systemdUnitOf('/'), null);
});

test('v1 is used when v2 lacks a controller, and a missing v1 hierarchy is SANDBOX_UNAVAILABLE', () => {
  const root = join(base, 'v1');
  mkdirSync(join(root, 'unified'), { recursive: true });
  writeFileSync(join(root, 'unified', 'cgroup.controllers'), 'memory pids\n');
  for (const controller of ['memory', 'pids', 'cpuacct']) {
    mkdirSync(join(root, controller), { recursive: true });
    writeFileSync(join(root, controller, 'cgroup.procs'), '');
  }
  assert.equal(detectCgroups(root, '0::/\n').version, 'v1');
  rmSync(join(root, 'cpuacct'), { recursive: true });
  assert.throws(
    () => detectCgroups(root, '0::/\n'),
    (error: unknown) => error instanceof ArbiterError && error.code === 'ARB_ERR_SANDBOX_UNAVAILABLE',
  );
});

test('the stale sweep removes trees of dead instances, keeps live ones, and tolerates vanished ones', () => {
  const root = join(base, 'sweep');
  const dead = join(root, 'arbiter', `${DEAD_PID}-abc`, 'slot-0', 'run-1');
  const live = join(root, 'arbiter', `${process.pid}-def`, 'slot-0');
  // Named for a pid that is dead here, but its slot holds a process: an instance in another pid
  // namespace sharing this cgroup tree, which must keep its cgroups.
  const foreign = join(root, 'arbiter', `${DEAD_PID}-xyz`, 'slot-0-1');
  mkdirSync(dead, { recursive: true });
  mkdirSync(live, { recursive: true });
  mkdirSync(join(foreign, 'run'), { recursive: true });
  writeFileSync(join(foreign, 'cgroup.procs'), '4242\n');
  removeStaleInstances({ version: 'v2', roots: { unified: root } });
  assert.equal(existsSync(join(root, 'arbiter', `${DEAD_PID}-abc`)), false);
  assert.equal(existsSync(live), true);
  assert.equal(existsSync(join(foreign, 'run')), true, 'a populated tree is left whole');
  // Two instances sweeping at once: the second finds the tree gone and carries on.
  assert.doesNotThrow(() => removeCgroupTree(join(root, 'arbiter', `${DEAD_PID}-abc`)));
  assert.doesNotThrow(() => removeStaleInstances({ version: 'v2', roots: { unified: join(base, 'none') } }));
});

test('stale runtime dirs: the directory of a dead pid goes, a live one and non-pid names stay', () => {
  const parent = join(base, 'run');
  for (const name of [String(DEAD_PID), String(process.pid), 'notes'])
    mkdirSync(join(parent, name), { recursive: true });
  writeFileSync(join(parent, String(DEAD_PID), 'passwd'), 'x');
  removeStaleRuntimeDirs(parent);
  assert.equal(existsSync(join(parent, String(DEAD_PID))), false);
  assert.equal(existsSync(join(parent, String(process.pid))), true);
  assert.equal(existsSync(join(parent, 'notes')), true);
  assert.doesNotThrow(() => removeStaleRuntimeDirs(join(base, 'absent')));
});
