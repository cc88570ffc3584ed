// The server checks that each slot's supervisor is still there by reading /proc/PID/ns/mnt. In a
// container the server has no CAP_SYS_PTRACE, and that read then works only while the supervisor
// is dumpable. A supervisor that starts runs with a vfork-style child shares its memory map with
// the child until exec, and the child's uid switch marks that map undumpable: the supervisor must
// mark itself dumpable again, or a containerised server takes every slot for gone after one run
// (the image test caught it). Here the read is made without CAP_SYS_PTRACE, after runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, sh } from '../helpers/sandbox.js';

let pool: SandboxPool;

before(async () => {
  pool = await createTestPool(1);
});

after(async () => {
  await pool.close();
});

/** The parent of process `pid`, from /proc/PID/stat (the field after the command's closing paren). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** This process's descendants whose command line names the supervisor. */
function supervisors(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('supervisor')) continue;
      for (let up = parentOf(pid); up > 1; up = parentOf(up)) {
        if (up === process.pid) {
          found.push(pid);
          break;
        }
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

test('after runs, a reader without CAP_SYS_PTRACE can still read the supervisor’s /proc/PID/ns/mnt', async () => {
  for (let i = 0; i < 3; i++) {
    const result = await sh(pool, 'echo ran');
    assert.equal(result.stdout.toString(), 'ran\n', describe(result));
  }
  const found = supervisors();
  assert.ok(found.length >= 1, 'the pool has a supervisor process');
  for (const pid of found) {
    // setpriv (util-linux) drops CAP_SYS_PTRACE from every set, as a container's runtime does.
    const read = spawnSync(
      'setpriv',
      ['--bounding-set=-sys_ptrace', '--inh-caps=-sys_ptrace', '--', 'readlink', `/proc/${pid}/ns/mnt`],
      { encoding: 'utf8' },
    );
    assert.equal(read.error, undefined, `setpriv: ${read.error?.message}`);
    assert.equal(read.status, 0, `readlink /proc/${pid}/ns/mnt without CAP_SYS_PTRACE: ${read.stderr}`);
    assert.match(read.stdout, /^mnt:\[\d+\]$/m);
  }
});
