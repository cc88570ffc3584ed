// Every limit of a run, triggered for real through the sandbox, and checked for its own status and
// reason. Bounds are generous only where the machine is noisy (two shared cores); nothing here
// asserts how fast the machine is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { compileAndRun } from '../../src/judge/execute.js';
import { resolveLimits, SandboxPool, type RunLimits, type RunResult } from '../../src/sandbox/index.js';
import { createTestPool, describe, registry, sh } from '../helpers/sandbox.js';

let pool: SandboxPool;

before(async () => {
  pool = await createTestPool(2);
});

after(async () => {
  await pool?.close();
});

/** Compiles a C program in the sandbox and runs it; the compile itself must succeed. */
async function runC(source: string, limits: Partial<RunLimits>, on: SandboxPool = pool): Promise<RunResult> {
  const result = await compileAndRun(on, {
    language: registry.get('c'),
    source,
    limits: resolveLimits(limits),
  });
  assert.ok(result.compile, 'C is a compiled language');
  assert.equal(result.compile.status, 'accepted', `compile failed: ${describe(result.compile)}`);
  assert.ok(result.run, 'a successful compile is followed by a run');
  return result.run;
}

/** The pool still runs an ordinary program normally. */
async function assertNextRunWorks(): Promise<void> {
  const next = await sh(pool, 'echo ok');
  assert.equal(next.status, 'accepted', `follow-up run: ${describe(next)}`);
  assert.equal(next.stdout.toString(), 'ok\n', `follow-up run: ${describe(next)}`);
}

test('a CPU busy loop is stopped by the CPU limit: time_limit_exceeded, reason cpu', async () => {
  const result = await sh(pool, 'while :; do :; done', { limits: { cpuMs: 500, wallMs: 10_000 } });
  const info = describe(result);
  assert.equal(result.status, 'time_limit_exceeded', info);
  assert.equal(result.reason, 'cpu', info);
  assert.ok(result.limitsHit.includes('cpu'), info);
  assert.ok(!result.limitsHit.includes('wall'), `the CPU limit, not the wall clock, stopped it: ${info}`);
  assert.equal(result.signal, 9, info);
  assert.ok(result.cpuMs >= 500, `it used its whole CPU budget: ${info}`);
  // The kernel's own RLIMIT_CPU backstop sits at 2 s; the supervisor must stop it well before that.
  assert.ok(result.cpuMs < 2000, `stopped near the limit, not by the backstop: ${info}`);
});

test('a sleeping program is stopped by the wall-clock limit: time_limit_exceeded, reason wall', async () => {
  const result = await pool.run({
    command: ['sleep', '30'],
    limits: resolveLimits({ cpuMs: 2000, wallMs: 500 }),
  });
  const info = describe(result);
  assert.equal(result.status, 'time_limit_exceeded', info);
  assert.equal(result.reason, 'wall', info);
  assert.ok(result.limitsHit.includes('wall'), info);
  assert.ok(!result.limitsHit.includes('cpu'), info);
  assert.equal(result.signal, 9, info);
  assert.ok(result.wallMs >= 500, `it ran until the limit: ${info}`);
  assert.ok(result.wallMs < 10_000, `the limit, not the 30 s sleep, ended it: ${info}`);
  assert.ok(result.cpuMs < 500, `sleeping uses next to no CPU: ${info}`);
});

test('a C program that mallocs and touches memory past memoryKb: memory_limit_exceeded', async () => {
  const limitKb = 64 * 1024;
  const result = await runC(
    `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  for (int i = 0; i < 400; i++) {          /* 400 MiB in 1 MiB pieces, every page touched */
    char *p = malloc(1 << 20);
    if (!p) { puts("malloc returned NULL"); return 3; }
    memset(p, i, 1 << 20);
  }
  puts("allocated 400 MiB");
  return 0;
}`,
    { memoryKb: limitKb },
  );
  const info = describe(result);
  assert.equal(result.status, 'memory_limit_exceeded', info);
  assert.equal(result.reason, 'memory', info);
  assert.ok(result.limitsHit.includes('memory'), info);
  assert.ok(!result.stdout.toString().includes('allocated'), `it never got its 400 MiB: ${info}`);
  assert.ok(result.memoryKb <= limitKb + 1024, `peak stayed within the limit: ${info}`);
  assert.ok(result.memoryKb >= limitKb / 2, `it did fill the memory it had: ${info}`);
});

test('a Python bytearray above memoryKb: memory_limit_exceeded', async () => {
  const result = await pool.run({
    command: ['python3', '-c', 'x = bytearray(200 << 20); print("got", len(x))'],
    limits: resolveLimits({ memoryKb: 64 * 1024 }),
  });
  const info = describe(result);
  assert.equal(result.status, 'memory_limit_exceeded', info);
  assert.equal(result.reason, 'memory', info);
  assert.ok(result.limitsHit.includes('memory'), info);
  assert.ok(!result.stdout.toString().includes('got'), info);
});

test('a bash fork bomb runs into the process limit, and the next run works', async () => {
  const result = await pool.run({
    command: ['bash', '-c', ':(){ :|:& };:; sleep 30'],
    limits: resolveLimits({ pids: 16, cpuMs: 2000, wallMs: 2000 }),
  });
  const info = describe(result);
  assert.notEqual(result.status, 'internal_error', info);
  assert.notEqual(result.status, 'accepted', info);
  assert.ok(result.stderr.toString().includes('fork'), `bash reports failed forks: ${info}`);
  assert.ok(result.limitsHit.includes('processes'), `limitsHit must include processes: ${info}`);
  await assertNextRunWorks();
});

test('a C fork loop gets at most pids - 1 children, and the run reports the process limit', async () => {
  const pids = 16;
  const result = await runC(
    `#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  int n = 0;
  for (;;) {
    pid_t p = fork();
    if (p == 0) { pause(); _exit(0); }
    if (p < 0) { printf("%d %s\\n", n, strerror(errno)); return 0; }
    n++;
  }
}`,
    { pids },
  );
  const info = describe(result);
  const match = /^(\d+) (.*)\n$/.exec(result.stdout.toString());
  assert.ok(match, `the program reports how many forks it got: ${info}`);
  const forked = Number(match[1]);
  assert.ok(forked >= 1 && forked <= pids - 1, `forked ${forked} children with pids=${pids}: ${info}`);
  assert.equal(match[2], 'Resource temporarily unavailable', info);
  assert.ok(result.limitsHit.includes('processes'), `limitsHit must include processes: ${info}`);
  await assertNextRunWorks();
});

test('a C thread bomb runs into the process limit', async () => {
  const pids = 16;
  const result = await runC(
    `#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void *park(void *arg) { (void)arg; pause(); return NULL; }
int main(void) {
  int n = 0;
  for (;;) {
    pthread_t t;
    int e = pthread_create(&t, NULL, park, NULL);
    if (e) { printf("%d %s\\n", n, strerror(e)); fflush(stdout); return 0; }
    n++;
  }
}`,
    { pids },
  );
  const info = describe(result);
  const match = /^(\d+) (.*)\n$/.exec(result.stdout.toString());
  assert.ok(match, `the program reports how many threads it got: ${info}`);
  const threads = Number(match[1]);
  assert.ok(threads >= 1 && threads <= pids - 1, `created ${threads} threads with pids=${pids}: ${info}`);
  assert.ok(result.limitsHit.includes('processes'), `limitsHit must include processes: ${info}`);
  await assertNextRunWorks();
});

test('an output flood (yes) is cut at exactly outputKb: output_limit_exceeded', async () => {
  const outputKb = 64;
  const result = await pool.run({ command: ['yes'], limits: resolveLimits({ outputKb }) });
  const info = describe(result);
  assert.equal(result.status, 'output_limit_exceeded', info);
  assert.equal(result.reason, 'output', info);
  assert.ok(result.limitsHit.includes('output'), info);
  assert.equal(result.stdoutTruncated, true, info);
  assert.equal(result.stdout.length, outputKb * 1024, info);
  assert.equal(
    result.stdout.toString(),
    'y\n'.repeat((outputKb * 1024) / 2),
    'the kept bytes are the first ones',
  );
});

test('a stderr flood is cut at exactly outputKb too', async () => {
  const outputKb = 32;
  const result = await sh(pool, 'yes err >&2', { limits: { outputKb } });
  const info = describe(result);
  assert.equal(result.status, 'output_limit_exceeded', info);
  assert.equal(result.stderrTruncated, true, info);
  assert.equal(result.stdoutTruncated, false, info);
  assert.equal(result.stderr.length, outputKb * 1024, info);
});

test('writing a file larger than fileSizeKb: runtime_error, reason file_size', async () => {
  const fileSizeKb = 1024;
  const lease = await pool.acquire();
  try {
    const result = await lease.run({
      command: ['dd', 'if=/dev/zero', 'of=big', 'bs=1024', 'count=4096'],
      limits: resolveLimits({ fileSizeKb }),
    });
    const info = describe(result);
    assert.equal(result.status, 'runtime_error', info);
    assert.equal(result.reason, 'file_size', info);
    assert.ok(result.limitsHit.includes('file_size'), info);
    assert.equal(result.signal, 25, `SIGXFSZ: ${info}`);
    const written = lease.readFile('big');
    assert.ok(written, 'dd created the file before it was stopped');
    assert.equal(written.length, fileSizeKb * 1024, 'the file stops exactly at the limit');
  } finally {
    lease.release();
  }
});

test('opening files until failure stops at the openFiles limit', async () => {
  const source = `#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  int n = 0;
  for (;;) {
    if (open("/dev/null", O_RDONLY) < 0) { printf("%d %s\\n", n, strerror(errno)); return 0; }
    n++;
  }
}`;
  const counts: number[] = [];
  for (const openFiles of [32, 64]) {
    const result = await runC(source, { openFiles });
    const info = describe(result);
    assert.equal(result.status, 'accepted', info);
    const match = /^(\d+) (.*)\n$/.exec(result.stdout.toString());
    assert.ok(match, info);
    const opened = Number(match[1]);
    assert.equal(match[2], 'Too many open files', info);
    // stdin, stdout and stderr are open already; nothing else of the sandbox's may leak in.
    assert.ok(opened <= openFiles - 3, `opened ${opened} with openFiles=${openFiles}: ${info}`);
    assert.ok(opened >= openFiles - 8, `the limit, not something else, stopped it: ${info}`);
    counts.push(opened);
  }
  assert.ok(counts[1]! > counts[0]!, `a higher limit allows more files: ${counts.join(' < ')}`);
});

test('deep recursion under a small stackKb dies with SIGSEGV; a big stack lets it finish', async () => {
  // 100 000 frames of at least 256 bytes: about 25 MiB of stack.
  const source = `#include <stdio.h>
static int down(volatile char *prev, int n) {
  volatile char frame[256];
  frame[0] = (char)n;
  frame[255] = prev ? prev[0] : 0;
  if (n == 100000) return frame[0];
  return down(frame, n + 1) + frame[255];
}
int main(void) { printf("depth reached %d\\n", down(0, 0) != -1); return 0; }`;
  const small = await runC(source, { stackKb: 1024 });
  const info = describe(small);
  assert.equal(small.status, 'runtime_error', info);
  assert.equal(small.signal, 11, `SIGSEGV: ${info}`);
  assert.equal(small.reason, 'signal', info);

  const big = await runC(source, { stackKb: 128 * 1024 });
  assert.equal(big.status, 'accepted', `with a 128 MiB stack the same recursion finishes: ${describe(big)}`);
  assert.equal(big.stdout.toString(), 'depth reached 1\n', describe(big));
});

test('metering: a ~300 ms CPU loop reports cpuMs within 250..450', async () => {
  const result = await runC(
    `#include <stdio.h>
#include <time.h>
int main(void) {
  volatile unsigned long spins = 0;
  while (clock() < (clock_t)(0.3 * CLOCKS_PER_SEC)) spins++;
  printf("%d\\n", spins > 0);
  return 0;
}`,
    { cpuMs: 5000, wallMs: 20_000 },
  );
  const info = describe(result);
  assert.equal(result.status, 'accepted', info);
  assert.equal(result.stdout.toString(), '1\n', info);
  assert.ok(result.cpuMs >= 250 && result.cpuMs <= 450, `cpuMs=${result.cpuMs}: ${info}`);
});

const TOUCH_64_MIB = `#include <stdio.h>
#include <stdlib.h>
int main(void) {
  size_t n = (size_t)64 << 20;
  volatile char *p = malloc(n);
  if (!p) return 3;
  for (size_t i = 0; i < n; i += 4096) p[i] = (char)(i >> 12);
  unsigned long sum = 0;
  for (size_t i = 0; i < n; i += 4096) sum += (unsigned char)p[i];
  printf("%lu\\n", sum);
  return 0;
}`;

function assertAbout64MiB(result: RunResult): void {
  const info = describe(result);
  assert.equal(result.status, 'accepted', info);
  assert.match(result.stdout.toString(), /^\d+\n$/, info);
  assert.ok(result.memoryKb >= 64 * 1024, `memoryKb=${result.memoryKb}: ${info}`);
  assert.ok(result.memoryKb < 256 * 1024, `memoryKb=${result.memoryKb}: ${info}`);
}

test('metering: a program touching 64 MiB reports memoryKb >= 64 MiB', async () => {
  assertAbout64MiB(await runC(TOUCH_64_MIB, { memoryKb: 256 * 1024 }));
});

test('metering without memory.peak (cgroup v2 before kernel 5.19): sampled peak memory is right too', async () => {
  const sampled = await SandboxPool.create({
    concurrency: 1,
    readOnlyDirs: registry.readOnlyDirs(),
    sampledMemory: true,
  });
  try {
    const stats = sampled.stats();
    // cgroup v1 has its own high-water mark (max_usage_in_bytes) and never samples.
    assert.equal(stats.memoryPeak, stats.cgroupVersion === 'v1' ? 'max_usage_in_bytes' : 'sampled');
    assertAbout64MiB(await runC(TOUCH_64_MIB, { memoryKb: 256 * 1024 }, sampled));
    // A short-lived program is caught too: the sampling misses it, its maximum resident set does not.
    const quick = await runC(
      '#include <stdlib.h>\nint main(void){volatile char*p=malloc(48<<20);for(int i=0;i<(48<<20);i+=4096)p[i]=1;return p[4096]-1;}',
      { memoryKb: 256 * 1024 },
      sampled,
    );
    assert.equal(quick.status, 'accepted', describe(quick));
    assert.ok(quick.memoryKb >= 48 * 1024, `memoryKb=${quick.memoryKb}: ${describe(quick)}`);
  } finally {
    await sampled.close();
  }
});
