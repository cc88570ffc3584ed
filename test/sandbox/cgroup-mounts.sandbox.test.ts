// How the sandbox meets a cgroup mount it cannot write: a container that is not privileged gets
// /sys/fs/cgroup read-only. Needs root (it mounts a read-only tmpfs to stand in for that mount).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ArbiterError } from '../../src/errors.js';
import { checkCgroupsWritable } from '../../src/sandbox/cgroups.js';

const base = mkdtempSync(join(tmpdir(), 'arbiter-ro-cgroup-'));
const readOnly = join(base, 'ro');
const writable = join(base, 'rw');
mkdirSync(readOnly);
mkdirSync(writable);
execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'arbiter-test', readOnly]);
after(() => {
  execFileSync('umount', [readOnly]);
  rmSync(base, { recursive: true, force: true });
});

test('a read-only cgroup mount is SANDBOX_UNAVAILABLE naming the remount, a writable one passes', () => {
  assert.doesNotThrow(() => checkCgroupsWritable({ version: 'v2', roots: { unified: writable } }));
  assert.throws(
    () => checkCgroupsWritable({ version: 'v1', roots: { memory: writable, pids: readOnly } }),
    (error: unknown) =>
      error instanceof ArbiterError &&
      error.code === 'ARB_ERR_SANDBOX_UNAVAILABLE' &&
      error.message.includes(readOnly) &&
      /read-only cgroup mount .*entrypoint.*remount,bind,rw/.test(error.message),
  );
});
