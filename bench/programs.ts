import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** CPU the busy loop burns before it stops, in microseconds of its own process CPU clock. */
export const BUSY_TARGET_US = 500_000;
/** Memory the toucher allocates and writes, in MiB. */
export const TOUCH_MIB = 64;
/** What the hello program prints; checked on every run so a broken run never counts as fast. */
export const HELLO_OUTPUT = 'hello, world\n';

/**
 * The C programs, built with the host's gcc. Their constants come from -D flags so that the truth
 * the bench compares against is defined once, above.
 */
const SOURCES = {
  hello: `#include <stdio.h>
int main(void) { fputs("hello, world\\n", stdout); return 0; }
`,
  // Spins until its own CPU clock passes the target, then prints the clock: the truth for this run,
  // read from the same process the sandbox meters. The inner loop keeps most of the time in user
  // space rather than in clock_gettime, which is a real syscall for this clock.
  busy: `#include <stdio.h>
#include <time.h>
static long long cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}
int main(void) {
  volatile unsigned long spin = 0;
  while (cpu_us() < BUSY_TARGET_US)
    for (int i = 0; i < 20000; i++) spin++;
  printf("cpu_us=%lld\\n", cpu_us());
  return 0;
}
`,
  // memset makes every page real; the empty asm keeps gcc -O2 from deleting a buffer nobody reads.
  touch: `#include <stdlib.h>
#include <string.h>
int main(void) {
  size_t size = (size_t)TOUCH_MIB << 20;
  char *p = malloc(size);
  if (!p) return 1;
  memset(p, 0xa5, size);
  __asm__ volatile("" : : "r"(p) : "memory");
  return 0;
}
`,
} as const;

export type ProgramName = keyof typeof SOURCES;

export interface BuiltPrograms {
  /** Host paths of the binaries, for bare runs. */
  paths: Record<ProgramName, string>;
  /** The hello binary's bytes, for the sandbox variant that copies it into the box on every run. */
  helloBytes: Buffer;
  /** Removes the build directory. */
  remove(): void;
}

/** Compiles every program with gcc -O2 into a fresh temporary directory. */
export function buildPrograms(): BuiltPrograms {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-'));
  const defines = [`-DBUSY_TARGET_US=${BUSY_TARGET_US}`, `-DTOUCH_MIB=${TOUCH_MIB}`];
  const paths = {} as Record<ProgramName, string>;
  for (const [name, source] of Object.entries(SOURCES) as [ProgramName, string][]) {
    const sourcePath = join(dir, `${name}.c`);
    writeFileSync(sourcePath, source);
    paths[name] = join(dir, name);
    execFileSync('gcc', ['-O2', ...defines, '-o', paths[name], sourcePath], { stdio: 'inherit' });
  }
  return {
    paths,
    helloBytes: readFileSync(paths.hello),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface StagedPrograms {
  /** The host directory to pass to the pool as a readOnlyDirs entry. */
  dir: string;
  /** Paths of the binaries, the same on the host and inside the box. */
  paths: Record<ProgramName, string>;
  remove(): void;
}

/**
 * Copies the binaries into a host directory the pool shows read-only at the same path, so a run
 * needs no file copy. The directory is deliberately outside /usr: the box binds all of /usr anyway,
 * so a directory under /usr/local would be visible even if readOnlyDirs did nothing.
 */
export function stageReadOnly(built: BuiltPrograms, parent = '/var/lib'): StagedPrograms {
  const dir = mkdtempSync(join(parent, 'arbiter-bench-'));
  // mkdtemp makes the directory 0700; the slots' unprivileged uids must be able to enter it.
  chmodSync(dir, 0o755);
  const paths = {} as Record<ProgramName, string>;
  for (const name of Object.keys(built.paths) as ProgramName[]) {
    paths[name] = join(dir, name);
    copyFileSync(built.paths[name], paths[name]);
    chmodSync(paths[name], 0o755);
  }
  return { dir, paths, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
