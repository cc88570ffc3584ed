// Hostile programs, run for real: each one must be contained, and the pool must run the next
// program normally afterwards. The pool has a single slot, so "the next run" is always the same
// warm box the hostile program ran in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAndRun } from '../../src/judge/execute.js';
import { resolveLimits, type RunLimits, type RunResult, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, probeOutcomes, registry, sh } from '../helpers/sandbox.js';

// Set before the pool exists: nothing of the server's environment may reach a program.
const SECRET_NAME = 'ARBITER_TEST_SECRET';
const SECRET_VALUE = 's3cret';
process.env[SECRET_NAME] = SECRET_VALUE;

let pool: SandboxPool;

before(async () => {
  pool = await createTestPool(1);
});

after(async () => {
  await pool?.close();
});

/** The next run in the same pool is an ordinary, working run, on a slot that was not rebuilt. */
async function assertNextRunWorks(): Promise<void> {
  const next = await sh(pool, 'echo ok');
  assert.equal(next.status, 'accepted', `follow-up run: ${describe(next)}`);
  assert.equal(next.stdout.toString(), 'ok\n', `follow-up run: ${describe(next)}`);
  assert.equal(pool.stats().rebuilt, 0, 'no slot had to be thrown away and rebuilt');
}

/**
 * Time limits as generous as the wall clock: no test here is about time, and in the emulated guests
 * of test/vm a program is charged CPU time while the host has descheduled the guest.
 */
const UNTIMED: Partial<RunLimits> = { cpuMs: 10_000, wallMs: 10_000 };

async function python(code: string, limits: Partial<RunLimits> = {}): Promise<RunResult> {
  return pool.run({ command: ['python3', '-c', code], limits: resolveLimits({ ...UNTIMED, ...limits }) });
}

async function runC(source: string, limits: Partial<RunLimits> = {}): Promise<RunResult> {
  const result = await compileAndRun(pool, {
    language: registry.get('c'),
    source,
    limits: resolveLimits({ ...UNTIMED, ...limits }),
  });
  assert.ok(result.compile, 'C is a compiled language');
  assert.equal(result.compile.status, 'accepted', `compile failed: ${describe(result.compile)}`);
  assert.ok(result.run, 'a successful compile is followed by a run');
  return result.run;
}

/** Lists the processes the next run can see, and what is in its writable directories. */
const SNAPSHOT_PY = `
import json, os, time
time.sleep(0.3)  # a leftover that writes every 50 ms would have shown itself by now
procs = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            procs[int(p)] = open(f"/proc/{p}/comm").read().strip()
        except OSError:
            procs[int(p)] = "?"
print(json.dumps({"me": os.getpid(), "procs": sorted(procs.items()),
                  "tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm")),
                  "box": sorted(os.listdir("/box"))}))
`;

async function assertNothingLeftBehind(): Promise<void> {
  const next = await python(SNAPSHOT_PY);
  assert.equal(next.status, 'accepted', describe(next));
  const seen = JSON.parse(next.stdout.toString()) as {
    me: number;
    procs: [number, string][];
    tmp: string[];
    shm: string[];
    box: string[];
  };
  assert.deepEqual(
    seen.procs,
    [
      [1, '.supervisor'],
      [seen.me, 'python3'],
    ],
    `only the supervisor and this run's own process are alive: ${describe(next)}`,
  );
  assert.deepEqual(seen.tmp, [], `the next lease's /tmp is empty: ${describe(next)}`);
  assert.deepEqual(seen.shm, [], `the next lease's /dev/shm is empty: ${describe(next)}`);
  assert.deepEqual(seen.box, [], `the next lease's /box is empty: ${describe(next)}`);
}

test('/etc/shadow is not there, and /etc/passwd holds no host accounts', async () => {
  const result = await sh(
    pool,
    'cat /etc/shadow; echo "shadow rc=$?"; cat /etc/gshadow; echo "gshadow rc=$?"; ls -a /etc; echo ---; cat /etc/passwd',
  );
  const info = describe(result);
  const [before, passwd] = result.stdout.toString().split('---\n');
  assert.ok(passwd !== undefined, info);
  assert.match(before!, /^shadow rc=[1-9]/m, `reading /etc/shadow fails: ${info}`);
  assert.match(before!, /^gshadow rc=[1-9]/m, `reading /etc/gshadow fails: ${info}`);
  assert.match(result.stderr.toString(), /\/etc\/shadow: No such file or directory/, info);
  const etc = before!.split('\n');
  assert.ok(etc.includes('passwd'), `the listing of /etc worked: ${info}`);
  assert.ok(!etc.includes('shadow') && !etc.includes('gshadow'), info);
  const accounts = passwd.trim().split('\n');
  assert.ok(accounts.length >= 2, info);
  for (const line of accounts)
    assert.match(line, /^(root|arbiter\d+):/, `no host account is listed: ${info}`);
  await assertNextRunWorks();
});

test("the server's environment does not reach the program (env, /proc/*/environ)", async () => {
  assert.equal(process.env[SECRET_NAME], SECRET_VALUE, 'the secret is in the server process');
  const result = await sh(
    pool,
    'env; echo ---; cat /proc/self/environ; echo; cat /proc/1/environ; echo; ' +
      'for f in /proc/[0-9]*/environ; do cat "$f"; echo; done; cat /proc/1/cmdline; echo',
  );
  const info = describe(result);
  const all = result.stdout.toString() + result.stderr.toString();
  assert.ok(!all.includes(SECRET_VALUE), `the secret's value leaked: ${info}`);
  assert.ok(!all.includes(SECRET_NAME), `the secret's name leaked: ${info}`);
  const env = result.stdout.toString().split('---\n')[0]!.trim().split('\n').sort();
  assert.deepEqual(
    env.map((line) => line.split('=')[0]),
    ['HOME', 'LANG', 'LC_ALL', 'PATH', 'PWD'],
    `only the sandbox's own environment: ${info}`,
  );

  const viaPython = await python(`
import os
found = []
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            found.append(open(f"/proc/{p}/environ", "rb").read())
        except OSError as e:
            found.append(repr(e).encode())
print(b"|".join(found).decode(errors="replace"))
print(sorted(os.environ))
`);
  const pyAll = viaPython.stdout.toString() + viaPython.stderr.toString();
  assert.equal(viaPython.status, 'accepted', describe(viaPython));
  assert.ok(!pyAll.includes(SECRET_VALUE) && !pyAll.includes(SECRET_NAME), describe(viaPython));
  await assertNextRunWorks();
});

test('/root, /home and the project directory are not visible', async () => {
  const result = await sh(
    pool,
    'for d in /root /home /work /work/main /proc/1/root/work /proc/1/root/root /proc/1/cwd/..; do ' +
      'if ls "$d" >/dev/null 2>&1; then echo "VISIBLE $d"; fi; done; ' +
      '[ -d /box ] && echo "control /box is visible"; echo ---; ls -A /',
  );
  const info = describe(result);
  const [checks, root] = result.stdout.toString().split('---\n');
  assert.equal(checks, 'control /box is visible\n', `none of the host directories is visible: ${info}`);
  const allowed = new Set([
    '.arbiter',
    '.supervisor',
    'bin',
    'box',
    'dev',
    'etc',
    'lib',
    'lib64',
    'proc',
    'sbin',
    'tmp',
    'usr',
    'var',
  ]);
  const entries = root!.trim().split('\n');
  assert.ok(entries.includes('usr'), info);
  for (const entry of entries) assert.ok(allowed.has(entry), `unexpected /${entry} in the box: ${info}`);
  await assertNextRunWorks();
});

test('writing outside the work directory fails (/usr, /etc, /, /bin and more)', async () => {
  const name = 'arbiter-probe-hostile';
  const targets = [
    '/usr',
    '/usr/bin',
    '/usr/local',
    '/etc',
    '/',
    '/bin',
    '/lib',
    '/var',
    '/var/lib',
    '/dev',
    '/proc',
  ];
  const script = [
    ...targets.map(
      (d) =>
        `if (echo x > ${d}/${name}) 2>/dev/null || mkdir ${d}/${name}-dir 2>/dev/null; then echo "WROTE ${d}"; else echo "refused ${d}"; fi`,
    ),
    `if (echo x > /proc/sys/kernel/hostname) 2>/dev/null; then echo "WROTE hostname"; else echo "refused hostname"; fi`,
    // Controls: the places a program may write.
    `echo x > /box/${name} && echo "wrote /box"`,
    `echo x > /tmp/${name} && echo "wrote /tmp"`,
  ].join('\n');
  const result = await sh(pool, script, { limits: UNTIMED });
  const info = describe(result);
  const lines = result.stdout.toString().trim().split('\n');
  assert.deepEqual(
    lines,
    [...targets.map((d) => `refused ${d}`), 'refused hostname', 'wrote /box', 'wrote /tmp'],
    info,
  );
  for (const d of ['/usr', '/usr/bin', '/usr/local', '/etc', '/', '/var', '/var/lib']) {
    assert.ok(!existsSync(join(d, name)), `host ${join(d, name)} must not exist`);
    assert.ok(!existsSync(join(d, `${name}-dir`)), `host ${join(d, name)}-dir must not exist`);
  }
  await assertNextRunWorks();
});

/** Connects from the host, to prove the service really is listening there. */
function hostCanConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

test('Redis (6379) and PostgreSQL (5432) on the host are unreachable from inside', async () => {
  for (const port of [6379, 5432]) {
    assert.equal(await hostCanConnect(port), true, `the host itself reaches 127.0.0.1:${port}`);
  }
  const bash = await pool.run({
    command: [
      'bash',
      '-c',
      'for p in 6379 5432; do if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "CONNECTED $p"; else echo "refused $p"; fi; done',
    ],
    limits: resolveLimits({}),
  });
  assert.equal(bash.stdout.toString(), 'refused 6379\nrefused 5432\n', describe(bash));

  const py = await python(`
import socket
for host, port in (("127.0.0.1", 6379), ("127.0.0.1", 5432), ("1.1.1.1", 53)):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect((host, port))
        print("CONNECTED", host, port)
    except OSError as e:
        print("failed", host, port, e.errno)
    finally:
        s.close()
`);
  const info = describe(py);
  assert.equal(py.status, 'accepted', info);
  assert.ok(!py.stdout.toString().includes('CONNECTED'), info);
  assert.match(py.stdout.toString(), /^failed 127\.0\.0\.1 6379 \d+$/m, info);
  assert.match(py.stdout.toString(), /^failed 127\.0\.0\.1 5432 \d+$/m, info);
  assert.match(py.stdout.toString(), /^failed 1\.1\.1\.1 53 101$/m, `no route out (ENETUNREACH): ${info}`);
  await assertNextRunWorks();
});

test('kill -9 -1 ends the run, cannot touch PID 1, and the pool stays healthy', async () => {
  // The builtin kill(-1) skips its caller, so a child does it: it takes out the shell (the run's
  // main process) and the two sleepers.
  const result = await sh(
    pool,
    'sleep 30 & sleep 30 & kill -9 1; echo "pid1 rc=$?"; python3 -c "import os; os.kill(-1, 9)"; echo unreachable',
    { limits: { wallMs: 10_000 } },
  );
  const info = describe(result);
  assert.match(result.stdout.toString(), /^pid1 rc=[1-9]/m, `killing PID 1 is refused: ${info}`);
  assert.match(result.stderr.toString(), /Operation not permitted/, info);
  assert.ok(!result.stdout.toString().includes('unreachable'), info);
  assert.equal(result.status, 'runtime_error', info);
  assert.equal(result.signal, 9, info);
  assert.ok(!result.limitsHit.includes('wall'), `the run ended, it did not wait for the sleepers: ${info}`);

  const direct = await sh(pool, 'kill -9 -1; echo "still here rc=$?"', { limits: UNTIMED });
  assert.equal(direct.status, 'accepted', describe(direct));
  await assertNextRunWorks();
  await assertNothingLeftBehind();
});

test('ptrace is refused with EPERM (PTRACE_TRACEME, PTRACE_ATTACH to PID 1)', async () => {
  const result = await python(`
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
for name, req, pid in (("traceme", 0, 0), ("attach", 16, 1), ("seize", 0x4206, 1)):
    ctypes.set_errno(0)
    r = libc.ptrace(req, pid, None, None)
    print(name, r, ctypes.get_errno())
`);
  const info = describe(result);
  assert.equal(result.status, 'accepted', info);
  assert.equal(result.stdout.toString(), 'traceme -1 1\nattach -1 1\nseize -1 1\n', info);
  await assertNextRunWorks();
});

test('mount(2), unshare(CLONE_NEWUSER) and namespace clones are refused', async () => {
  const result = await runC(`#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
static void report(const char *name, long r) {
  printf("%s %ld %d\\n", name, r, r < 0 ? errno : 0);
  if (r == 0 && strncmp(name, "clone", 5) == 0) _exit(0); /* a child that should not exist */
}
int main(void) {
  report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  report("mount_box", mount("/usr", "/box", NULL, MS_BIND, NULL));
  report("unshare_user", unshare(CLONE_NEWUSER));
  report("unshare_ns", unshare(CLONE_NEWNS));
  report("unshare_net", unshare(CLONE_NEWNET));
  report("clone_user", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_NEWUSER;
  args.exit_signal = SIGCHLD;
  report("clone3_user", syscall(SYS_clone3, &args, sizeof args));
  report("chroot", chroot("/tmp"));
  return 0;
}`);
  const info = describe(result);
  const lines = probeOutcomes(result);
  for (const name of [
    'mount',
    'mount_box',
    'unshare_user',
    'unshare_ns',
    'unshare_net',
    'clone_user',
    'chroot',
  ]) {
    assert.deepEqual(lines[name], { r: -1, errno: 1 }, `${name} must fail with EPERM: ${info}`);
  }
  // clone3's flags are out of a filter's reach, so it is refused outright (ENOSYS or EPERM).
  assert.equal(lines.clone3_user?.r, -1, info);
  assert.ok([1, 38].includes(lines.clone3_user!.errno), info);
  await assertNextRunWorks();
});

test('a setsid daemon started in the background does not outlive the run', async () => {
  const daemon = await sh(
    pool,
    "setsid sh -c 'while :; do date > /tmp/ghost; sleep 0.05; done' >/dev/null 2>&1 </dev/null & " +
      // Waits for the daemon's first write (an emulated guest can take a second to start it).
      'for i in $(seq 100); do [ -e /tmp/ghost ] && break; sleep 0.1; done; [ -e /tmp/ghost ] && echo "daemon running"',
    { limits: UNTIMED },
  );
  assert.equal(daemon.stdout.toString(), 'daemon running\n', describe(daemon));
  await assertNothingLeftBehind();
  await assertNextRunWorks();
});

test('a C double-forked daemon writing to /tmp every 50 ms does not outlive the run', async () => {
  const result = await runC(`#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  if (fork() == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    int fd = open("/dev/null", O_RDWR);
    dup2(fd, 0); dup2(fd, 1); dup2(fd, 2);
    for (int i = 0;; i++) {
      FILE *f = fopen("/tmp/daemon.txt", "w");
      if (f) { fprintf(f, "%d\\n", i); fclose(f); }
      f = fopen("/dev/shm/daemon.txt", "w");
      if (f) { fprintf(f, "%d\\n", i); fclose(f); }
      usleep(50000);
    }
  }
  for (int i = 0; i < 100 && access("/tmp/daemon.txt", F_OK) != 0; i++) usleep(10000);
  puts(access("/tmp/daemon.txt", F_OK) == 0 ? "daemon running" : "daemon did not start");
  return 0;
}`);
  assert.equal(result.status, 'accepted', describe(result));
  assert.equal(result.stdout.toString(), 'daemon running\n', describe(result));
  await assertNothingLeftBehind();
  await assertNextRunWorks();
});

test('the program runs unprivileged: uid != 0, no capabilities, NoNewPrivs, seccomp, only lo', async () => {
  const result = await sh(
    pool,
    'id -u; id -g; id -G; grep -E "^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; ' +
      "echo ---; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
  );
  const info = describe(result);
  assert.equal(result.status, 'accepted', info);
  const [ids, ifaces] = result.stdout.toString().split('---\n');
  const lines = ids!.trim().split('\n');
  const [uid, gid, groups] = lines;
  assert.match(uid!, /^\d+$/, info);
  assert.notEqual(Number(uid), 0, `uid: ${info}`);
  assert.notEqual(Number(gid), 0, `gid: ${info}`);
  assert.ok(!groups!.split(' ').includes('0'), `no root group: ${info}`);
  const status = Object.fromEntries(lines.slice(3).map((l) => l.split(':\t') as [string, string]));
  assert.equal(status.CapEff, '0000000000000000', info);
  assert.equal(status.CapPrm, '0000000000000000', info);
  assert.equal(status.CapBnd, '0000000000000000', info);
  assert.equal(status.CapAmb, '0000000000000000', info);
  assert.equal(status.NoNewPrivs, '1', info);
  assert.equal(status.Seccomp, '2', info);
  assert.deepEqual(ifaces!.trim().split('\n'), ['lo'], `only the loopback interface: ${info}`);
  await assertNextRunWorks();
});

test('the program holds no inheritable capabilities either (CapInh is 0)', async () => {
  const result = await sh(pool, 'grep "^CapInh:" /proc/self/status');
  assert.equal(result.stdout.toString(), 'CapInh:\t0000000000000000\n', describe(result));
  await assertNextRunWorks();
});

test("a symlink planted in /box cannot redirect the host's later writeFiles outside the box", async () => {
  // A host directory the program names by its absolute path. Through /proc/PID/root, an absolute
  // symlink resolves against the host's root, so following it would land here.
  const target = mkdtempSync(join(tmpdir(), 'arbiter-escape-'));
  const lease = await pool.acquire();
  try {
    const plant = await lease.run({
      command: [
        'sh',
        '-c',
        `ln -s ${target} /box/tests && ln -s ${target}/planted.txt /box/answer.txt && echo planted`,
      ],
      limits: resolveLimits({}),
    });
    assert.equal(plant.stdout.toString(), 'planted\n', describe(plant));
    // Whatever the lease does with these names, nothing may appear on the host, and the host
    // directory must keep its owner.
    let threw: unknown = null;
    try {
      lease.writeFiles([{ name: 'tests/input1.txt', content: 'test input\n' }]);
    } catch (error) {
      threw = error;
    }
    assert.deepEqual(
      readdirSync(target),
      [],
      `writeFiles wrote into the host directory ${target} (threw: ${String(threw)})`,
    );
    assert.equal(
      statSync(target).uid,
      0,
      `writeFiles chowned the host directory ${target} to the sandbox uid`,
    );
    assert.equal(lease.readFile('answer.txt'), null, 'readFile refuses a symlink');
  } finally {
    lease.release();
    rmSync(target, { recursive: true, force: true });
  }
  await assertNextRunWorks();
});
