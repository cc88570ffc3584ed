// The bench's bare ceiling, bench/exec-loop.c: its report is read strictly, and the loop itself runs
// exactly the runs asked, feeds stdin, drains output, checks it, and stops a run that hangs. Needs
// gcc (scripts/setup installs it); without it the build throws, naming the compiler.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { buildExecLoop, execLoopArgs, parseExecLoopReport, type ExecLoop } from '../../bench/exec-loop.js';
import { addedMsPerRun } from '../../bench/throughput.js';

const PATH_ONLY = { PATH: '/usr/bin:/bin' };

const report = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    runs: 4,
    concurrency: 2,
    warmup: 1,
    wall_ns: 8_000_000,
    runs_per_second: 500,
    run_ns: { min: 1_000_000, median: 3_000_000, max: 5_000_000 },
    ...overrides,
  });

describe('parseExecLoopReport', () => {
  test('reads a well-formed report', () => {
    assert.deepEqual(parseExecLoopReport(report()), {
      runs: 4,
      concurrency: 2,
      warmup: 1,
      wallNs: 8_000_000,
      runsPerSecond: 500,
      runNs: { min: 1_000_000, median: 3_000_000, max: 5_000_000 },
    });
  });

  test('accepts the rate rounded to three decimals, as the loop prints it', () => {
    const parsed = parseExecLoopReport(report({ runs: 1, wall_ns: 3_000_000, runs_per_second: 333.333 }));
    assert.ok(Math.abs(parsed.runsPerSecond - 1000 / 3) < 1e-9);
  });

  for (const [why, text, message] of [
    ['not JSON', '{"runs":', /not JSON/],
    ['an array', '[1]', /not an object/],
    ['too long to be one report', `${report()}${' '.repeat(5000)}`, /not one line/],
    ['no runs', report({ runs: 0 }), /runs 0/],
    ['a fractional concurrency', report({ concurrency: 1.5 }), /concurrency 1.5/],
    ['a negative warm-up', report({ warmup: -1 }), /warmup -1/],
    ['a rate that is not runs / wall time', report({ runs_per_second: 1000 }), /not runs \/ wall_ns/],
    ['an infinite rate', report({ runs_per_second: 'Infinity' }), /runs_per_second/],
    ['no run times', report({ run_ns: null }), /no run_ns/],
    ['run times out of order', report({ run_ns: { min: 5, median: 3, max: 9 } }), /out of order/],
    ['a missing run time', report({ run_ns: { min: 1, max: 9 } }), /run_ns.median/],
  ] as const) {
    test(`rejects a report with ${why}`, () => {
      assert.throws(() => parseExecLoopReport(text), message);
    });
  }
});

describe('addedMsPerRun', () => {
  test('is the wall time each loop adds per run against the ceiling', () => {
    // 200/s against 400/s at concurrency 1: 5 ms a run against 2.5 ms.
    assert.equal(addedMsPerRun(1, 200, 400), 2.5);
    // Two loops at once: each run holds its loop for concurrency / rate.
    assert.equal(addedMsPerRun(2, 200, 400), 5);
    // Faster than the ceiling (noise): negative, not hidden.
    assert.equal(addedMsPerRun(1, 400, 200), -2.5);
  });

  test('refuses rates that would give a meaningless figure', () => {
    assert.throws(() => addedMsPerRun(1, 0, 400), /positive rates/);
    assert.throws(() => addedMsPerRun(0, 100, 400), /concurrency >= 1/);
    assert.throws(() => addedMsPerRun(1, 100, Number.NaN), /positive rates/);
  });
});

test('execLoopArgs passes the whole environment, the input files and the command after --', () => {
  const args = execLoopArgs(
    { command: ['python3', '-c', 'print(1)'], env: { PATH: '/usr/bin', HOME: '/tmp' }, runs: 5, cwd: '/w' },
    { stdin: '/f/in', expected: '/f/out' },
  );
  assert.deepEqual(args, [
    '-n',
    '5',
    '-c',
    '1',
    '-w',
    '0',
    '-t',
    '60000',
    '-d',
    '/w',
    '-i',
    '/f/in',
    '-o',
    '/f/out',
    '-e',
    'PATH=/usr/bin',
    '-e',
    'HOME=/tmp',
    '--',
    'python3',
    '-c',
    'print(1)',
  ]);
});

describe('the C loop', () => {
  let loop: ExecLoop;
  let dir: string;
  before(() => {
    loop = buildExecLoop();
    dir = mkdtempSync(join(tmpdir(), 'arbiter-exec-loop-test-'));
  });
  after(() => {
    loop.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs the command exactly warm-up + runs times, spread over the loops', async () => {
    const tally = join(dir, 'tally');
    const result = await loop.run({
      command: ['/bin/sh', '-c', `echo run >> ${tally}`],
      env: PATH_ONLY,
      runs: 7,
      concurrency: 3,
      warmupRuns: 2,
    });
    assert.equal(readFileSync(tally, 'utf8').split('\n').filter(Boolean).length, 9);
    assert.equal(result.runs, 7);
    assert.equal(result.concurrency, 3);
    assert.equal(result.warmup, 2);
    assert.ok(result.runsPerSecond > 0 && result.runNs.min > 0);
  });

  test('feeds stdin through a pipe and accepts exactly the expected output', async () => {
    const result = await loop.run({
      command: ['cat'],
      env: PATH_ONLY,
      stdin: 'world\n',
      expectedStdout: 'world\n',
      runs: 3,
    });
    assert.equal(result.runs, 3);
  });

  test('gives the run exactly the environment asked for, and the working directory', async () => {
    await loop.run({
      command: ['/bin/sh', '-c', 'env; pwd'],
      env: { A: 'one', ...PATH_ONLY },
      cwd: dir,
      expectedStdout: `A=one\nPATH=/usr/bin:/bin\nPWD=${dir}\n${dir}\n`,
      runs: 1,
    });
  });

  test('fails on output other than the expected, naming what was printed', async () => {
    await assert.rejects(
      loop.run({ command: ['echo', 'hullo'], env: PATH_ONLY, expectedStdout: 'hello\n', runs: 2 }),
      /run 0 printed something other than the expected output; stdout \(6 bytes\) begins "hullo/,
    );
    // A prefix of the expected output is not the expected output either.
    await assert.rejects(
      loop.run({ command: ['printf', 'hell'], env: PATH_ONLY, expectedStdout: 'hello', runs: 1 }),
      /other than the expected output/,
    );
  });

  test('fails on a non-zero exit or a signal, with the run stderr', async () => {
    await assert.rejects(
      loop.run({ command: ['/bin/sh', '-c', 'echo oops >&2; exit 3'], env: PATH_ONLY, runs: 1 }),
      /run 0 exited 3.*stderr begins "oops/s,
    );
    await assert.rejects(
      loop.run({ command: ['/bin/sh', '-c', 'kill -9 $$'], env: PATH_ONLY, runs: 1 }),
      /died of signal 9/,
    );
  });

  test('fails on a command that is not in PATH, before any run', async () => {
    await assert.rejects(
      loop.run({ command: ['no-such-command-here'], env: PATH_ONLY, runs: 1 }),
      /no-such-command-here is not in PATH \/usr\/bin:\/bin/,
    );
  });

  test('drains output far larger than a pipe holds, on stdout and stderr at once', async () => {
    // 4 MiB on each: a loop that waited for exit before reading would block both sides until the timeout.
    const result = await loop.run({
      command: ['/bin/sh', '-c', 'head -c 4194304 /dev/zero >&2 & head -c 4194304 /dev/zero; wait'],
      env: PATH_ONLY,
      runs: 2,
      timeoutMs: 20_000,
    });
    assert.equal(result.runs, 2);
  });

  test('kills a run that outlives its timeout, and what it started', async () => {
    const pidFile = join(dir, 'grandchild');
    await assert.rejects(
      loop.run({
        command: ['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`],
        env: PATH_ONLY,
        runs: 1,
        timeoutMs: 300,
      }),
      /run 0 still going after 300 ms; killed/,
    );
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    // Killed with the process group: signal 0 finds no such process (or only its zombie, reaped by init).
    const alive = (): boolean => {
      try {
        process.kill(grandchild, 0);
        return !readFileSync(`/proc/${grandchild}/stat`, 'utf8').includes(') Z ');
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
        return false;
      }
    };
    // SIGKILL is sent at once but takes effect when the kernel next runs the process, which on a
    // loaded machine can be a moment later: wait for it (a sleep 30 that was never signalled stays).
    for (let waited = 0; alive() && waited < 10_000; waited += 50) await delay(50);
    assert.equal(alive(), false, `sleep ${grandchild} outlived the timed-out run`);
  });

  test('refuses bad counts before running anything', async () => {
    await assert.rejects(loop.run({ command: ['true'], env: PATH_ONLY, runs: 0 }), /-n wants a whole number/);
    await assert.rejects(
      loop.run({ command: ['true'], env: PATH_ONLY, runs: 1, concurrency: 10_000 }),
      /-c wants a whole number from 1 to 256/,
    );
  });
});
