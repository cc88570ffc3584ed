// Slot resets (issue [G]): a program that leaves a huge number of files behind must not freeze the
// server while its slot is cleaned. A synchronous sweep of 600k empty files held the event loop ~9 s,
// and with it every request, /health included.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { compileAndRun } from '../../src/judge/execute.js';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, registry, sh } from '../helpers/sandbox.js';

/** Far below the freezes measured (3 s against 9 s), so a loaded machine does not make it flaky. */
const MAX_EVENT_LOOP_GAP_MS = 3_000;
const FILES = 200_000;
/** `ls -A /tmp /dev/shm /box; echo ok` in a clean box. */
const EMPTY_LISTING = '/box:\n\n/dev/shm:\n\n/tmp:\nok\n';

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(1);
});
after(async () => {
  await pool?.close();
});

/**
 * Runs `work` while a 20 ms interval ticks, and reports the longest gap between ticks: how long the
 * event loop was held while it ran.
 */
async function measureLoop<T>(work: () => Promise<T>): Promise<{ value: T; heldMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 20);
  try {
    const value = await work();
    return { value, heldMs: Math.max(longest, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

/** Creates up to FILES empty files in each of `dirs` (until the file system refuses); prints how many. */
const litter = (...dirs: string[]): string => `#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  static const char *dirs[] = {${dirs.map((d) => JSON.stringify(d)).join(', ')}};
  char path[64];
  int made = 0;
  for (unsigned d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
    mkdir(dirs[d], 01777); /* the litter's own directory, where it is not a tmpfs already */
    for (int i = 0; i < ${FILES}; i++) {
      snprintf(path, sizeof path, "%s/f%d", dirs[d], i);
      int fd = open(path, O_CREAT | O_WRONLY, 0644);
      if (fd < 0) break;
      close(fd);
      made++;
    }
  }
  printf("%d\\n", made);
  return 0;
}`;

const LITTER_LIMITS = { cpuMs: 20_000, wallMs: 30_000, memoryKb: 1024 * 1024 };

test(`a program leaving ${FILES} empty files in /tmp and as many in /dev/shm does not hold the event loop while its slot is reset`, async () => {
  const rebuilt = pool.stats().rebuilt;
  const { value, heldMs } = await measureLoop(async () => {
    const result = await compileAndRun(pool, {
      language: registry.get('c'),
      source: litter('/tmp', '/dev/shm'),
      limits: resolveLimits(LITTER_LIMITS),
    });
    // The pool has one slot: this run waits for the reset of the slot the litter is in.
    return { result, next: await sh(pool, 'ls -A /tmp /dev/shm /box; echo ok') };
  });
  const { result, next } = value;
  assert.equal(result.status, 'accepted', JSON.stringify(result.compile ?? result));
  const made = Number(result.run!.stdout.toString());
  assert.ok(made >= 10_000, `the program left ${made} files`);
  assert.ok(
    heldMs < MAX_EVENT_LOOP_GAP_MS,
    `the event loop was held ${Math.round(heldMs)} ms during the reset`,
  );
  assert.equal(next.stdout.toString(), EMPTY_LISTING, describe(next));
  // Each tmpfs holds at most maxInodes inodes (its root directory is one of them).
  assert.ok(made < 2 * pool.options.maxInodes, `the inode cap held: ${made} files`);
  assert.equal(pool.stats().rebuilt, rebuilt + 1, 'past RESET_MAX_ENTRIES the slot is rebuilt, not swept');
});

test('the same litter in the work directory (flat and in a subdirectory) is bounded too; the slot keeps working', async () => {
  const { value, heldMs } = await measureLoop(async () => {
    const result = await compileAndRun(pool, {
      language: registry.get('c'),
      source: litter('/box', '/box/litter'),
      limits: resolveLimits(LITTER_LIMITS),
    });
    return { result, next: await sh(pool, 'ls -A /tmp /dev/shm /box; echo ok') };
  });
  assert.equal(value.result.run?.status, 'accepted', JSON.stringify(value.result.compile ?? value.result));
  assert.ok(
    heldMs < MAX_EVENT_LOOP_GAP_MS,
    `the event loop was held ${Math.round(heldMs)} ms during the reset`,
  );
  assert.equal(value.next.stdout.toString(), EMPTY_LISTING, describe(value.next));
});

test('between the tests of one submission the same litter is removed without holding the event loop', async () => {
  const lease = await pool.acquire();
  try {
    lease.writeFiles([{ name: 'main.c', content: litter('/tmp', '/dev/shm', '/box/litter') }]);
    const compiled = await lease.run({
      command: ['gcc', '-O2', '-o', 'main', 'main.c'],
      limits: resolveLimits({ cpuMs: 20_000, wallMs: 30_000 }),
    });
    assert.equal(compiled.status, 'accepted', describe(compiled));
    await lease.resetBetweenRuns();
    const result = await lease.run({ command: ['./main'], limits: resolveLimits(LITTER_LIMITS) });
    assert.equal(result.status, 'accepted', describe(result));
    const { heldMs } = await measureLoop(() => lease.resetBetweenRuns());
    assert.ok(
      heldMs < MAX_EVENT_LOOP_GAP_MS,
      `the event loop was held ${Math.round(heldMs)} ms during the reset`,
    );
    const look = await lease.run({
      command: ['sh', '-c', 'ls -A /tmp /dev/shm /box; echo ok'],
      limits: resolveLimits({}),
    });
    assert.equal(look.stdout.toString(), '/box:\nmain\nmain.c\n\n/dev/shm:\n\n/tmp:\nok\n', describe(look));
  } finally {
    lease.release();
  }
});

// The wipe between leases runs in the supervisor, as root with DAC_OVERRIDE and FOWNER raised: a
// symlink it followed would let a program delete or re-own what the supervisor can reach (its
// cgroup directories are open as fds 3 to 5, the box's mounts are its own).
test('the wipe between leases removes symlinks to the supervisor’s fds, /, and the mounts without following them', async () => {
  const rebuilt = pool.stats().rebuilt;
  const litter = await sh(
    pool,
    `set -e
for n in 3 4 5 6 7 8; do ln -s /proc/1/fd/$n /box/fd$n; ln -s /proc/1/fd/$n /tmp/fd$n; done
ln -s / /box/root; ln -s /tmp /box/tmp-link; ln -s /box /dev/shm/box-link; ln -s /proc/1/root /tmp/root1
mkdir /box/locked; ln -s /usr /box/locked/usr; chmod 000 /box/locked
echo littered`,
  );
  assert.equal(litter.stdout.toString(), 'littered\n', describe(litter));
  const next = await sh(pool, 'ls -A /tmp /dev/shm /box; stat -c "%u %a" /box /tmp /dev/shm; echo ok');
  assert.equal(
    next.stdout.toString(),
    `${EMPTY_LISTING.slice(0, -'ok\n'.length)}${pool.options.uidBase} 755\n0 1777\n0 1777\nok\n`,
    describe(next),
  );
  assert.equal(pool.stats().rebuilt, rebuilt, 'a handful of symlinks is wiped, not rebuilt');
});

test('a tree nested deeper than the wipe descends is not followed down: the slot is rebuilt and comes back empty', async () => {
  const rebuilt = pool.stats().rebuilt;
  const deep = await sh(pool, 'd=/tmp; for i in $(seq 100); do d=$d/d; mkdir $d; done; echo deep');
  assert.equal(deep.stdout.toString(), 'deep\n', describe(deep));
  const next = await sh(pool, 'ls -A /tmp /dev/shm /box; echo ok');
  assert.equal(next.stdout.toString(), EMPTY_LISTING, describe(next));
  assert.equal(pool.stats().rebuilt, rebuilt + 1, 'past the wipe’s depth the slot is rebuilt');
});
