// The supervisor's per-run step timings (steps_us, issue [M]) as the bench reads them: every step
// named in order, fork to exec adding up to setup_us, and none of it in what a run returns.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { installSetupProbe, parseSteps, type SetupProbe } from '../../bench/setup-probe.js';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool } from '../helpers/sandbox.js';

const STEPS = [
  'limits',
  'files',
  'fork',
  'cgroup',
  'fds',
  'rlimits',
  'uid',
  'seccomp',
  'exec',
  'meter',
  'reset',
];
/** The steps between the fork and the exec, which setup_us covers. */
const FORK_TO_EXEC = ['fork', 'cgroup', 'fds', 'rlimits', 'uid', 'seccomp', 'exec'];

let pool: SandboxPool;
let probe: SetupProbe;

before(async () => {
  probe = installSetupProbe();
  pool = await createTestPool(1);
});

after(async () => {
  await pool?.close();
  probe?.dispose();
});

test('parseSteps keeps the names in order with their microseconds', () => {
  assert.deepEqual(
    [...parseSteps('limits:12,fork:80,exec:7')],
    [
      ['limits', 12],
      ['fork', 80],
      ['exec', 7],
    ],
  );
});

test('every run reports its steps; fork to exec adds up to setup_us; the result carries none of it', async () => {
  probe.drain();
  probe.drainSteps();
  const limits = resolveLimits({});
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await pool.run({ command: ['sh', '-c', 'echo hi'], limits }));
  const setupUs = probe.drain();
  const steps = probe.drainSteps();
  assert.equal(steps.length, 3, 'one steps_us per run');
  assert.equal(setupUs.length, 3);
  for (const [i, run] of runs.entries()) {
    assert.equal(run.status, 'accepted', JSON.stringify(run));
    assert.equal(run.stdout.toString(), 'hi\n');
    assert.deepEqual([...steps[i]!.keys()], STEPS);
    for (const [name, us] of steps[i]!) assert.ok(Number.isInteger(us) && us >= 0, `${name}=${us}`);
    const forkToExec = FORK_TO_EXEC.reduce((sum, name) => sum + steps[i]!.get(name)!, 0);
    assert.equal(forkToExec, setupUs[i], 'the steps between fork and exec are setup_us');
    for (const key of Object.keys(run))
      assert.ok(!/step|setup/i.test(key), `the run result has no ${key}: timings are the bench's only`);
  }
  assert.ok(steps[1]!.get('reset')! > 0, "the second run reports the first run's reset");
});

test('a command that cannot start still reports its steps, up to the failure', async () => {
  probe.drain();
  probe.drainSteps();
  const run = await pool.run({ command: ['/no/such/program'], limits: resolveLimits({}) });
  assert.equal(run.status, 'internal_error');
  const [steps] = probe.drainSteps();
  assert.ok(steps, 'steps reported');
  assert.deepEqual([...steps.keys()], STEPS);
  assert.equal(
    FORK_TO_EXEC.reduce((sum, name) => sum + steps.get(name)!, 0),
    probe.drain()[0],
  );
});
