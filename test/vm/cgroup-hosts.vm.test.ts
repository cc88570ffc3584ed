// The sandbox on the kinds of host it must run on (../shared/DESIGN.md, "Hosts the sandbox must run
// on"), proven rather than assumed: each test boots a real Debian 12 kernel under qemu (software
// emulation, no KVM needed) whose root is this machine's own filesystem, arranges cgroups like one
// kind of host, and runs there the sandbox suite (test/sandbox) and a served end-to-end submission
// (scripts/vm/guest-checks.sh). The harness is scripts/vm/run-guest.
//
// Needs root, qemu-system-x86 and the guest kernel (scripts/vm/prepare, called by
// `scripts/setup --test`); without them every test fails, naming the fix. It never skips.
//
// The guests run one after another, each on 2 emulated CPUs: two at once would starve a 2-core
// machine and make every timing in the suite meaningless.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const runGuest = join(root, 'scripts/vm/run-guest');
/**
 * Where each guest's results stay for reading after the run (console.log, output.log): a directory
 * of this run's own, since two checkouts may run these tests on one machine at the same time.
 */
const resultsRoot = mkdtempSync(join(tmpdir(), 'arbiter-vm-test-'));
/**
 * run-guest's own hard limit for one guest, boot included. A guest takes 2-3 min on an idle 2-core
 * machine and about 5 on a busy one; scripts/vm/guest-checks.sh bounds each of its steps, so that
 * even a guest whose sandbox hangs every run stops within about 25 min.
 */
const guestTimeoutS = 1800;
/** Ours on top, should run-guest itself hang: then its whole process group is killed. */
const testTimeoutMs = (guestTimeoutS + 120) * 1000;

/** Fails at once, naming the fix, when something the guests need is missing on this machine. */
function preflight(): void {
  const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  if (qemu.error || qemu.status !== 0) {
    throw new Error(
      'qemu-system-x86_64 is missing: install the packages of scripts/debian-packages-test.txt (bash scripts/setup --test)',
    );
  }
  const cache = process.env.ARBITER_VM_CACHE ?? '/var/cache/arbiter-vm';
  if (!existsSync(join(cache, 'current/vmlinuz')) || !existsSync(join(cache, 'current/initrd.img'))) {
    throw new Error(`the guest kernel is missing from ${cache}: run bash scripts/vm/prepare`);
  }
  // The suite runs from the TypeScript sources, but the served submission runs the compiled server
  // and supervisor: stale ones would test yesterday's code. The same rules as scripts/setup.
  const stamp = join(root, 'dist/.build-stamp');
  const supervisor = join(root, 'build/arbiter-supervisor');
  if (!existsSync(stamp) || !existsSync(supervisor)) {
    throw new Error('the server is not built: run bash scripts/setup');
  }
  const newer = spawnSync(
    'find',
    ['src', 'packages/client/src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', '-newer', stamp],
    { cwd: root, encoding: 'utf8' },
  );
  const stale = newer.stdout.split('\n').filter((line) => line !== '');
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale[0]}: run bash scripts/setup`);
  const source = join(root, 'src/sandbox/native/supervisor.c');
  if (statSync(source).mtimeMs > statSync(supervisor).mtimeMs) {
    throw new Error('build/arbiter-supervisor is older than supervisor.c: run bash scripts/setup');
  }
}

before(() => preflight());

interface GuestRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** The guest command's own output (scripts/vm/guest-checks.sh), from the results share. */
  output: string;
  wallS: number;
  bootS: string;
}

/** Boots one guest with run-guest's default command and waits for it, bounded. */
function bootGuest(scenario: string): Promise<GuestRun> {
  const results = join(resultsRoot, scenario);
  const started = Date.now();
  // Its own process group, so that a kill reaches qemu too whatever state run-guest is in.
  const child = spawn(
    'bash',
    [runGuest, '--quiet', '--timeout', String(guestTimeoutS), '--results', results, scenario],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => {
    stderr += `\ntest: run-guest did not end within ${testTimeoutMs} ms; killed`;
    process.kill(-child.pid!, 'SIGKILL');
  }, testTimeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      const read = (name: string): string =>
        existsSync(join(results, name)) ? readFileSync(join(results, name), 'utf8') : '';
      resolve({
        code,
        signal,
        stderr,
        output: read('output.log'),
        wallS: (Date.now() - started) / 1000,
        bootS: read('boot-seconds').trim() || '?',
      });
    });
  });
}

/** The closing counts of node's test runner ("ℹ tests 35" in spec, "# tests 35" in TAP). */
function suiteCounts(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of output.matchAll(/^(?:ℹ|#) (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
    counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

/** "vm-check: <step> exit N in Xs" lines of guest-checks.sh, by step. */
function checkTimes(output: string): Record<string, { exit: number; seconds: number }> {
  const steps: Record<string, { exit: number; seconds: number }> = {};
  for (const match of output.matchAll(/^vm-check: (.+) exit (\d+) in ([\d.]+)s$/gm)) {
    steps[match[1]!] = { exit: Number(match[2]), seconds: Number(match[3]) };
  }
  return steps;
}

/**
 * What a failure message needs: each failing test with its first error lines (the runner prints them
 * as tests end, so they are there even when the suite was stopped before its summary), the guest's
 * own step lines and every FAILED line.
 */
function failureReport(run: GuestRun): string {
  const lines = run.output.split('\n');
  const summary = lines.indexOf('✖ failing tests:');
  const failures: string[] = [];
  (summary >= 0 ? lines.slice(0, summary) : lines).forEach((line, i) => {
    if (line.startsWith('✖ '))
      failures.push(line, ...lines.slice(i + 1, i + 4).filter((l) => l.trim() !== ''));
  });
  const steps = lines.filter((line) => /^vm-check: |^vm-services: |FAILED|ARBITER-VM-FATAL/.test(line));
  return [
    `run-guest exited ${run.code ?? run.signal} after ${run.wallS.toFixed(0)}s`,
    run.stderr.trim(),
    ...failures.slice(0, 60),
    ...steps,
    run.output === '' ? '(the guest produced no output)' : '',
    `guest output and console: ${resultsRoot}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

for (const scenario of ['v1', 'v2-systemd', 'v2-container']) {
  test(
    `the sandbox suite and a served submission pass in a ${scenario} guest`,
    { timeout: testTimeoutMs + 10_000 },
    async () => {
      const run = await bootGuest(scenario);
      const counts = suiteCounts(run.output);
      const steps = checkTimes(run.output);
      const resultLine = run.output.match(/^e2e: result (\{.*\})$/m)?.[1];
      const result = resultLine ? (JSON.parse(resultLine) as { status?: string }) : undefined;
      // For the closing note: one line per guest with its timings and counts.
      console.log(
        `vm ${scenario}: boot ${run.bootS}s, node -e 1 ${steps['node -e 1']?.seconds ?? '?'}s, ` +
          `services ${steps.services?.seconds ?? '?'}s, suite ${steps['sandbox suite']?.seconds ?? '?'}s ` +
          `(tests ${counts.tests ?? '?'}, pass ${counts.pass ?? '?'}, fail ${counts.fail ?? '?'}), ` +
          `e2e ${steps.e2e?.seconds ?? '?'}s (${result?.status ?? 'no result'}), ${run.wallS.toFixed(0)}s in all`,
      );
      const report = failureReport(run);
      assert.ok((counts.tests ?? 0) > 0, `no test ran in the guest:\n${report}`);
      assert.ok((counts.pass ?? 0) > 0, `no test passed in the guest:\n${report}`);
      assert.equal(counts.fail, 0, `failures in the guest:\n${report}`);
      assert.equal(counts.cancelled ?? 0, 0, `cancelled tests in the guest:\n${report}`);
      assert.equal(result?.status, 'accepted', `the served submission:\n${report}`);
      assert.equal(run.code, 0, report);
    },
  );
}
