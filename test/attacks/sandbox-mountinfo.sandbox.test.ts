// Sandbox hardening (issue [G]): what a program learns about the host from the box's mount table.
// Bind mounts show the path of their source inside its file system, so a file bound in from
// /run/arbiter/<server pid>/ or from the project's build directory named both to every program.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../src/project-root.js';
import type { SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, sh } from '../helpers/sandbox.js';

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(1);
});
after(async () => {
  await pool?.close();
});

test('/proc/self/mountinfo shows neither /run/arbiter, the server pid nor the project directory', async () => {
  const result = await sh(
    pool,
    'cat /proc/self/mountinfo; echo ---; cat /proc/self/mounts; echo ---; cat /proc/1/mountinfo 2>/dev/null; ' +
      'echo ===; head -1 /etc/passwd; grep -c arbiter /etc/group; cat /etc/hosts; [ -f /.supervisor ] && echo supervisor',
  );
  assert.equal(result.status, 'accepted', describe(result));
  const [text = '', files] = result.stdout.toString().split('===\n');
  // What used to be bound in is still there, with the same contents.
  assert.equal(
    files,
    'root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n1\n127.0.0.1 localhost arbiter\n::1 localhost\nsupervisor\n',
    describe(result),
  );
  assert.match(text, / \/box /, `the mount table was read: ${text}`);
  const pid = String(process.pid);
  assert.ok(!text.includes('/run/arbiter'), `the runtime directory shows:\n${text}`);
  assert.ok(!text.includes(pool.options.runtimeDir), `the pool's own directory shows:\n${text}`);
  assert.ok(!text.includes(PROJECT_ROOT), `the project directory ${PROJECT_ROOT} shows:\n${text}`);
  // The pid as a path component (as in /run/arbiter/<pid>/passwd); mount ids are other numbers.
  const pidPattern = new RegExp(`/${pid}(/|\\s|$)`, 'm');
  assert.doesNotMatch(text, pidPattern, `the server's pid ${pid} shows:\n${text}`);
  for (const line of text.split('---\n')[0]!.trim().split('\n')) {
    const [, , , root, mountPoint] = line.split(' ');
    // A mount's root is its source's path inside its file system: it may be what the box shows
    // at the same place, or a path the box shows anyway; never a directory of the server's.
    assert.ok(
      !root!.startsWith('/run/') && !root!.startsWith(`${PROJECT_ROOT}/`),
      `${mountPoint} is bound from ${root}:\n${text}`,
    );
  }
});
