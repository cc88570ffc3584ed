// Sandbox hardening (issue [G]): system calls a judged program has no use for, and which the
// namespaces do not confine, are refused by the seccomp filter. Each attack is a C program that calls
// them directly and prints what the kernel answered; the filter must answer before the call runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compileAndRun } from '../../src/judge/execute.js';
import { resolveLimits, type RunResult, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, probeOutcomes, registry, sh } from '../helpers/sandbox.js';

const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(1);
});
after(async () => {
  await pool?.close();
});

async function runC(source: string): Promise<RunResult> {
  const result = await compileAndRun(pool, {
    language: registry.get('c'),
    source,
    limits: resolveLimits({ cpuMs: 10_000, wallMs: 10_000 }),
  });
  assert.equal(result.compile?.status, 'accepted', `compile failed: ${JSON.stringify(result.compile)}`);
  assert.ok(result.run, 'a successful compile is followed by a run');
  return result.run;
}

const PROBE_HEADER = `#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
static void report(const char *name, long r) {
  printf("%s %ld %d\\n", name, r, r < 0 ? errno : 0);
  if (r >= 0 && r < 1024) close((int)r);
}
`;

async function assertNextRunWorks(): Promise<void> {
  const next = await sh(pool, 'echo ok');
  assert.equal(next.stdout.toString(), 'ok\n', describe(next));
}

test('AF_VSOCK sockets, which no network namespace confines, are refused (socket and socketpair)', async () => {
  const seen = probeOutcomes(
    await runC(`${PROBE_HEADER}
int main(void) {
  int sv[2];
  report("stream", socket(AF_VSOCK, SOCK_STREAM, 0));
  report("dgram", socket(AF_VSOCK, SOCK_DGRAM, 0));
  report("seqpacket", socket(AF_VSOCK, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  /* The kernel reads the family as an int: bits above it must not slip past the filter. */
  report("high_bits", syscall(SYS_socket, 0x100000000L | AF_VSOCK, SOCK_STREAM, 0));
  report("pair", socketpair(AF_VSOCK, SOCK_STREAM, 0, sv));
  report("unix", socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : -1);
  report("inet", socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : -1);
  return 0;
}`),
  );
  for (const name of ['stream', 'dgram', 'seqpacket', 'high_bits', 'pair'])
    assert.deepEqual(seen[name], { r: -1, errno: EAFNOSUPPORT }, `vsock ${name}: ${JSON.stringify(seen)}`);
  assert.deepEqual(seen.unix, { r: 0, errno: 0 }, 'Unix sockets still work');
  assert.deepEqual(seen.inet, { r: 0, errno: 0 }, 'IP sockets (confined to the box) still work');
  await assertNextRunWorks();
});

test('AF_NETLINK sockets are refused: kernel events, audit, socket diagnostics and routing', async () => {
  const seen = probeOutcomes(
    await runC(`${PROBE_HEADER}
#include <linux/netlink.h>
int main(void) {
  int sv[2];
  report("route", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
  report("sock_diag", socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG));
  report("audit", socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
  report("uevent", socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT));
  report("generic", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC));
  report("high_bits", syscall(SYS_socket, 0xffffffff00000000L | AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
  report("pair", socketpair(AF_NETLINK, SOCK_RAW, 0, sv));
  return 0;
}`),
  );
  for (const name of ['route', 'sock_diag', 'audit', 'uevent', 'generic', 'high_bits', 'pair'])
    assert.deepEqual(seen[name], { r: -1, errno: EAFNOSUPPORT }, `netlink ${name}: ${JSON.stringify(seen)}`);
  await assertNextRunWorks();
});

test('Linux AIO (io_setup and the rest of its family) is refused with EPERM', async () => {
  const seen = probeOutcomes(
    await runC(`${PROBE_HEADER}
#include <linux/aio_abi.h>
int main(void) {
  aio_context_t ctx = 0;
  report("io_setup", syscall(SYS_io_setup, 8, &ctx));
  report("io_submit", syscall(SYS_io_submit, ctx, 0, NULL));
  report("io_getevents", syscall(SYS_io_getevents, ctx, 0, 0, NULL, NULL));
  report("io_pgetevents", syscall(SYS_io_pgetevents, ctx, 0, 0, NULL, NULL, NULL));
  report("io_cancel", syscall(SYS_io_cancel, ctx, NULL, NULL));
  report("io_destroy", syscall(SYS_io_destroy, ctx));
  return 0;
}`),
  );
  for (const name of ['io_setup', 'io_submit', 'io_getevents', 'io_pgetevents', 'io_cancel', 'io_destroy'])
    assert.deepEqual(seen[name], { r: -1, errno: EPERM }, `${name}: ${JSON.stringify(seen)}`);
  await assertNextRunWorks();
});

test('sync and syncfs, which make the host flush every file system, are refused with EPERM', async () => {
  const seen = probeOutcomes(
    await runC(`${PROBE_HEADER}
int main(void) {
  int fd = open("/box", O_RDONLY | O_DIRECTORY);
  report("sync", syscall(SYS_sync));
  report("syncfs", syscall(SYS_syncfs, fd));
  report("fsync", fsync(fd)); /* an ordinary program's own flush stays allowed */
  return 0;
}`),
  );
  assert.deepEqual(seen.sync, { r: -1, errno: EPERM }, JSON.stringify(seen));
  assert.deepEqual(seen.syncfs, { r: -1, errno: EPERM }, JSON.stringify(seen));
  assert.deepEqual(seen.fsync, { r: 0, errno: 0 }, JSON.stringify(seen));
  await assertNextRunWorks();
});

/**
 * The highest x86_64 syscall number the machine's libseccomp can name, asked of libseccomp itself
 * (the supervisor's bound, worked out the same way but independently).
 */
function highestKnownSyscall(): number {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-scmp-'));
  try {
    writeFileSync(
      join(dir, 'highest.c'),
      `#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  int highest = -1;
  for (int nr = 0; nr < 4096; nr++) {
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (name) { highest = nr; free(name); }
  }
  printf("%d\\n", highest);
  return 0;
}
`,
    );
    execFileSync('gcc', ['-o', join(dir, 'highest'), join(dir, 'highest.c'), '-lseccomp']);
    return Number(execFileSync(join(dir, 'highest')).toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('syscall numbers above the highest one libseccomp knows are refused without running', async () => {
  const highest = highestKnownSyscall();
  assert.ok(highest >= 450, `libseccomp names syscalls up to ${highest}`);
  // Every argument is invalid (-1), so a call that really ran fails with EBADF, EFAULT or EINVAL;
  // only the filter answers ENOSYS (or EPERM). A kernel newer than libseccomp has real calls here.
  const first = highest + 1;
  const last = highest + 64;
  const seen = probeOutcomes(
    await runC(`${PROBE_HEADER}
int main(void) {
  char name[32];
  for (long nr = ${first}; nr <= ${last}; nr++) {
    snprintf(name, sizeof name, "nr%ld", nr);
    errno = 0;
    long r = syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
    printf("%s %ld %d\\n", name, r, r < 0 ? errno : 0);
  }
  return 0;
}`),
  );
  for (let nr = first; nr <= last; nr++) {
    const outcome = seen[`nr${nr}`];
    assert.equal(outcome?.r, -1, `syscall ${nr} ran: ${JSON.stringify(outcome)}`);
    assert.ok(
      [ENOSYS, EPERM].includes(outcome.errno),
      `syscall ${nr} reached the kernel (errno ${outcome.errno}, highest known ${highest})`,
    );
  }
  await assertNextRunWorks();
});
