// Runs cannot see each other: not two at once in different slots, and not one lease after another
// in the same slot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  resolveLimits,
  type RunResult,
  type SandboxLease,
  type SandboxPool,
} from '../../src/sandbox/index.js';
import { createTestPool, describe } from '../helpers/sandbox.js';

let pool: SandboxPool;

before(async () => {
  pool = await createTestPool(2);
});

after(async () => {
  await pool?.close();
});

function run(lease: SandboxLease, script: string, wallMs = 10_000): Promise<RunResult> {
  // CPU time as generous as the wall clock: it is not what these tests are about, and in the
  // emulated guests of test/vm the probe's polling loop alone uses more than the 2 s default.
  return lease.run({ command: ['sh', '-c', script], limits: resolveLimits({ cpuMs: wallMs, wallMs }) });
}

/** Polls until `check` holds, failing after `ms`. */
async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One side of the concurrent test: write, signal ready, wait for go, then look for the other. */
function probeScript(me: string, other: string): string {
  return `
echo ${me} > /box/mine-${me}; echo ${me} > /tmp/mine-${me}; echo ${me} > /dev/shm/mine-${me}
sh -c 'sleep 20' marker-${me} &
touch /box/ready
while [ ! -e /box/go ]; do sleep 0.01; done
echo "box: $(ls -A /box | tr '\\n' ' ')"
echo "tmp: $(ls -A /tmp | tr '\\n' ' ')"
echo "shm: $(ls -A /dev/shm | tr '\\n' ' ')"
for f in /box/mine-${other} /tmp/mine-${other} /dev/shm/mine-${other}; do
  if cat "$f" 2>/dev/null; then echo "READ $f"; fi
done
for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done | grep -o 'marker-[A-Z]' | sort -u | sed 's/^/proc: /'
`;
}

test("two runs at once (concurrency 2) cannot see each other's files or processes", async () => {
  const leaseA = await pool.acquire();
  const leaseB = await pool.acquire();
  try {
    assert.notEqual(leaseA.slot.index, leaseB.slot.index, 'the two leases hold different slots');
    const runA = run(leaseA, probeScript('A', 'B'));
    const runB = run(leaseB, probeScript('B', 'A'));
    // A real barrier: neither program looks until both have written their files and are alive.
    await waitFor(
      () => leaseA.readFile('ready') !== null && leaseB.readFile('ready') !== null,
      8000,
      'both programs to be ready',
    );
    leaseA.writeFiles([{ name: 'go', content: '' }]);
    leaseB.writeFiles([{ name: 'go', content: '' }]);
    const [a, b] = await Promise.all([runA, runB]);

    for (const [me, result] of [
      ['A', a],
      ['B', b],
    ] as const) {
      const info = describe(result);
      assert.equal(result.status, 'accepted', info);
      assert.equal(
        result.stdout.toString(),
        [
          `box: go mine-${me} ready `,
          `tmp: mine-${me} `,
          `shm: mine-${me} `,
          `proc: marker-${me}`, // its own marker process is visible, the other's is not
          '',
        ].join('\n'),
        `run ${me} sees only its own files and processes: ${info}`,
      );
    }
  } finally {
    leaseA.release();
    leaseB.release();
  }
});

test('after a lease is released, the next lease on that slot starts with empty /box, /tmp and /dev/shm', async () => {
  // Hold the other slot, so the next lease can only get the slot that was just released.
  const holder = await pool.acquire();
  const first = await pool.acquire();
  const slot = first.slot;
  try {
    first.writeFiles([{ name: 'input/data.txt', content: 'from the host\n' }]);
    const litter = await run(
      first,
      `
set -e
echo secret > /box/left.txt; echo secret > /box/.hidden
mkdir -p /box/deep/er/est; echo secret > /box/deep/er/est/file; chmod 000 /box/deep/er /box/deep
echo secret > /tmp/left.txt; mkdir /tmp/dir; echo secret > /tmp/dir/f; chmod 000 /tmp/dir
mkfifo /tmp/fifo; ln -s / /tmp/root-link; ln -s /usr /box/usr-link
echo secret > /dev/shm/left.txt
chmod 000 /box/left.txt
echo littered
`,
    );
    assert.equal(litter.stdout.toString(), 'littered\n', describe(litter));
  } finally {
    first.release();
  }

  const next = await pool.acquire();
  try {
    assert.equal(next.slot, slot, 'the next lease got the released slot');
    const look = await run(
      next,
      'echo "box: $(ls -A /box)"; echo "tmp: $(ls -A /tmp)"; echo "shm: $(ls -A /dev/shm)"',
    );
    assert.equal(look.stdout.toString(), 'box: \ntmp: \nshm: \n', describe(look));
    // And the fresh /box is the program's to use.
    const use = await run(next, 'echo hi > /box/x && cat /box/x');
    assert.equal(use.stdout.toString(), 'hi\n', describe(use));
  } finally {
    next.release();
    holder.release();
  }
  assert.equal(pool.stats().rebuilt, 0, 'the slot was reset, not thrown away');
});

test('between runs of one lease the compiled program stays, read-only, and everything runs added goes', async () => {
  const holder = await pool.acquire();
  const lease = await pool.acquire();
  const slot = lease.slot;
  try {
    lease.writeFiles([
      { name: 'main', content: '#!/bin/sh\necho original\n', executable: true },
      { name: 'lib/data.txt', content: 'data\n' },
    ]);
    await lease.resetBetweenRuns();
    const attack = await run(
      lease,
      `
echo secret > /tmp/t; mkdir /tmp/dir; echo secret > /tmp/dir/f; chmod 000 /tmp/dir; mkfifo /tmp/fifo
ln -s / /tmp/root-link; ln -s /usr /box/usr-link; echo secret > /dev/shm/s
mkdir -p /box/mine/deep; echo secret > /box/mine/deep/f; chmod 000 /box/mine/deep /box/mine
for try in "echo x > main" "rm -f main" "mv main other" "chmod 777 main" "echo x > lib/data.txt" \
  "touch lib/new" "rm -rf lib" "chmod 777 /box"; do
  if sh -c "$try" 2>/dev/null; then echo "ALLOWED $try"; fi
done
echo done
`,
    );
    assert.equal(attack.stdout.toString(), 'done\n', describe(attack));
    lease.writeFiles([{ name: 'input.txt', content: 'from the host\n' }]);
    await lease.resetBetweenRuns();
    const look = await run(
      lease,
      'echo "box: $(ls -A /box | tr "\\n" " ")"; echo "lib: $(ls -A /box/lib)"; echo "tmp: $(ls -A /tmp)"; ' +
        'echo "shm: $(ls -A /dev/shm)"; ./main; cat lib/data.txt; echo new > /box/mine.txt && cat /box/mine.txt',
    );
    assert.equal(
      look.stdout.toString(),
      'box: lib main \nlib: data.txt\ntmp: \nshm: \noriginal\ndata\nnew\n',
      describe(look),
    );
  } finally {
    lease.release();
  }
  // The next lease gets an ordinary work directory again: the program's own, writable, empty.
  const next = await pool.acquire();
  try {
    assert.equal(next.slot, slot, 'the next lease got the released slot');
    const look = await run(next, 'ls -A /box; stat -c "%U %a" /box; echo hi > /box/main && cat /box/main');
    assert.equal(look.stdout.toString(), `arbiter${slot.uid} 755\nhi\n`, describe(look));
  } finally {
    next.release();
    holder.release();
  }
  assert.equal(pool.stats().rebuilt, 0, 'the slot was reset, not thrown away');
});

test('System V IPC is refused, so no shm, message queue or semaphore outlives its lease', async () => {
  const holder = await pool.acquire();
  const first = await pool.acquire();
  try {
    const create = await first.run({
      command: [
        'python3',
        '-c',
        `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shmid = libc.shmget(0x4152, 1 << 20, 0o1000 | 0o666)
if shmid >= 0:
    addr = libc.shmat(shmid, None, 0)
    ctypes.memmove(addr, b"left-behind", 11)
print(shmid >= 0, libc.msgget(0x4153, 0o1000 | 0o666) >= 0, libc.semget(0x4154, 1, 0o1000 | 0o666) >= 0)
`,
      ],
      limits: resolveLimits({}),
    });
    // The seccomp filter refuses System V IPC outright (its objects would outlive the run in the
    // slot's IPC namespace); the check below still holds if that policy ever changes.
    assert.equal(
      create.stdout.toString(),
      'False False False\n',
      `shmget, msgget and semget are refused: ${describe(create)}`,
    );
  } finally {
    first.release();
  }
  const next = await pool.acquire();
  try {
    const look = await run(
      next,
      'for t in shm msg sem; do echo "$t $(tail -n +2 /proc/sysvipc/$t | wc -l)"; done; tail -n +2 /proc/sysvipc/shm',
    );
    const counts = look.stdout.toString().split('\n').slice(0, 3);
    assert.deepEqual(
      counts,
      ['shm 0', 'msg 0', 'sem 0'],
      `the next lease sees the previous lease's IPC objects: ${describe(look)}`,
    );
  } finally {
    next.release();
    holder.release();
  }
});
