// Interactive runs: stdin fed while the program runs, output streamed as it is written.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe } from '../helpers/sandbox.js';

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(1);
});
after(() => pool.close());

const ECHO = [
  'python3',
  '-u',
  '-c',
  'import sys\nfor line in sys.stdin:\n    print("got", line.strip(), flush=True)\nprint("done")',
];

test('output of one line arrives before the next line is sent', async () => {
  const lease = await pool.acquire();
  try {
    let streamed = '';
    let check: (() => void) | undefined;
    // CPU time as generous as the wall clock: streaming is under test, not the CPU limit, and in the
    // emulated guests of test/vm Python's start-up alone comes close to the 2 s default.
    const run = lease.runInteractive(
      { command: ECHO, limits: resolveLimits({ cpuMs: 10_000, wallMs: 10_000 }) },
      {
        onStdout: (chunk) => {
          streamed += chunk.toString();
          check?.();
        },
      },
    );
    for (const word of ['alpha', 'beta', 'gamma']) {
      // Chunks may split a line anywhere: wait for the whole reply, bounded by the run's own limit.
      const seen = new Promise<void>((resolve) => {
        check = () => {
          if (streamed.includes(`got ${word}\n`)) resolve();
        };
      });
      run.write(`${word}\n`);
      const ended = run.result.then((r) =>
        Promise.reject(new Error(`the run ended before replying: ${describe(r)}`)),
      );
      await Promise.race([seen, ended]);
      ended.catch(() => undefined); // settles later, when the run ends normally
      assert.ok(!streamed.includes('done'), 'the program is still running, waiting for more input');
    }
    run.end();
    const result = await run.result;
    assert.equal(result.status, 'accepted', describe(result));
    assert.equal(result.stdout.toString(), 'got alpha\ngot beta\ngot gamma\ndone\n');
    assert.equal(streamed, result.stdout.toString(), 'the stream and the captured output agree');
  } finally {
    lease.release();
  }
});

test('a megabyte of stdin arrives intact', async () => {
  const lease = await pool.acquire();
  try {
    const run = lease.runInteractive(
      { command: ['sh', '-c', 'wc -c; sha256sum'], limits: resolveLimits({ wallMs: 10_000 }) },
      {},
    );
    const data = Buffer.alloc(1024 * 1024, 'x');
    run.write(data);
    run.end();
    const result = await run.result;
    assert.equal(result.status, 'accepted', describe(result));
    assert.match(result.stdout.toString(), /^1048576\n/);
  } finally {
    lease.release();
  }
});

test('limits hold: a program waiting for stdin forever hits the wall clock', async () => {
  const lease = await pool.acquire();
  try {
    const run = lease.runInteractive({ command: ['cat'], limits: resolveLimits({ wallMs: 500 }) }, {});
    const result = await run.result;
    assert.equal(result.status, 'time_limit_exceeded', describe(result));
    assert.equal(result.reason, 'wall');
  } finally {
    lease.release();
  }
});

test('an abort kills an interactive program at once, and the slot works after', async () => {
  const lease = await pool.acquire();
  const controller = new AbortController();
  try {
    const run = lease.runInteractive(
      { command: ECHO, limits: resolveLimits({ wallMs: 30_000 }) },
      {},
      controller.signal,
    );
    run.write('one\n');
    setTimeout(() => controller.abort(), 200);
    const result = await run.result;
    assert.equal(result.status, 'cancelled', describe(result));
  } finally {
    lease.release();
  }
  const next = await pool.run({ command: ['echo', 'ok'], limits: resolveLimits({}) });
  assert.equal(next.stdout.toString(), 'ok\n', describe(next));
});

test('stdin and its end sent after an interactive run ended do not break the slot for the next run', async () => {
  const lease = await pool.acquire();
  try {
    const run = lease.runInteractive({ command: ['true'], limits: resolveLimits({ wallMs: 10_000 }) }, {});
    const first = await run.result;
    assert.equal(first.status, 'accepted', describe(first));
    // A client that is slower than the program: its input and its end arrive after the report.
    run.write('late input\n');
    run.end();
    const next = await lease.run({ command: ['cat'], stdin: 'still fed\n', limits: resolveLimits({}) });
    assert.equal(next.status, 'accepted', describe(next));
    assert.equal(next.stdout.toString(), 'still fed\n', 'the next run reads its own stdin file');
  } finally {
    lease.release();
  }
});
