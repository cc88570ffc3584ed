// A program starts with the signal state it would have outside the sandbox: every signal at its
// default and none blocked. The supervisor ignores SIGPIPE for itself (a report to a closed pipe
// must not kill it), and an ignored signal survives exec: a program writing to a closed pipe would
// then see EPIPE instead of dying of SIGPIPE, as `yes | head -n 1` does outside.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, sh } from '../helpers/sandbox.js';

let pool: SandboxPool;

before(async () => {
  pool = await createTestPool(1);
});

after(async () => {
  await pool?.close();
});

/** The bit of signal `signo` in a /proc/PID/status signal mask (bit 0 is signal 1). */
const bit = (signo: number) => 1n << BigInt(signo - 1);
const SIGPIPE = 13;

test('the program ignores no signal and blocks none (/proc/self/status)', async () => {
  // grep reads its own status: exec'd by the supervisor with nothing in between.
  const result = await pool.run({
    command: ['grep', '^Sig\\(Ign\\|Blk\\):', '/proc/self/status'],
    limits: resolveLimits({}),
  });
  assert.equal(result.status, 'accepted', describe(result));
  const masks = Object.fromEntries(
    result.stdout
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split(/:\s*/))
      .map(([name, hex]) => [name, BigInt(`0x${hex}`)]),
  );
  assert.deepEqual(Object.keys(masks).sort(), ['SigBlk', 'SigIgn'], describe(result));
  assert.equal(masks.SigIgn! & bit(SIGPIPE), 0n, 'SIGPIPE is not ignored');
  assert.equal(masks.SigIgn, 0n, `no signal is ignored: SigIgn ${masks.SigIgn!.toString(16)}`);
  assert.equal(masks.SigBlk, 0n, `no signal is blocked: SigBlk ${masks.SigBlk!.toString(16)}`);
});

test('a writer to a closed pipe dies of SIGPIPE, quietly: `yes | head -n 1`', async () => {
  const result = await sh(pool, 'yes | head -n 1');
  assert.equal(result.status, 'accepted', describe(result));
  assert.equal(result.stdout.toString(), 'y\n');
  assert.equal(result.stderr.toString(), '', 'yes saw no EPIPE: SIGPIPE ended it first');
});
