// The cgroup bookkeeping that does not need the kernel: detection from what a /sys/fs/cgroup tree
// holds, and the sweep of stale instances. Plain directories stand in for cgroupfs here (rmdir of an
// empty directory behaves the same); the real hierarchy is used by every sandbox test.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ArbiterError } from '../errors.js';
import { detectCgroups, removeCgroupTree, removeStaleInstances, removeStaleRuntimeDirs } from './cgroups.js';

const base = mkdtempSync(join(tmpdir(), 'arbiter-cgroups-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** A pid that is certainly not running: above the kernel's pid_max ceiling. */
const DEAD_PID = 4_194_305;

test('cgroup v2 is chosen when the unified root offers memory, pids and cpu', () => {
  const root = join(base, 'v2');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma\n');
  assert.deepEqual(detectCgroups(root), { version: 'v2', roots: { unified: root } });
});

test('v1 is used when v2 lacks a controller, and a missing v1 hierarchy is SANDBOX_UNAVAILABLE', () => {
  const root = join(base, 'v1');
  mkdirSync(join(root, 'unified'), { recursive: true });
  writeFileSync(join(root, 'unified', 'cgroup.controllers'), 'memory pids\n');
  for (const controller of ['memory', 'pids', 'cpuacct']) {
    mkdirSync(join(root, controller), { recursive: true });
    writeFileSync(join(root, controller, 'cgroup.procs'), '');
  }
  assert.equal(detectCgroups(root).version, 'v1');
  rmSync(join(root, 'cpuacct'), { recursive: true });
  assert.throws(
    () => detectCgroups(root),
    (error: unknown) => error instanceof ArbiterError && error.code === 'ARB_ERR_SANDBOX_UNAVAILABLE',
  );
});

test('the stale sweep removes trees of dead instances, keeps live ones, and tolerates vanished ones', () => {
  const root = join(base, 'sweep');
  const dead = join(root, 'arbiter', `${DEAD_PID}-abc`, 'slot-0', 'run-1');
  const live = join(root, 'arbiter', `${process.pid}-def`, 'slot-0');
  mkdirSync(dead, { recursive: true });
  mkdirSync(live, { recursive: true });
  removeStaleInstances({ version: 'v2', roots: { unified: root } });
  assert.equal(existsSync(join(root, 'arbiter', `${DEAD_PID}-abc`)), false);
  assert.equal(existsSync(live), true);
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
