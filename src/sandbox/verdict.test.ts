import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RUN_LIMITS } from './limits.js';
import type { SupervisorReport } from './protocol.js';
import { decideVerdict } from './verdict.js';

const clean: SupervisorReport = {
  exit: 0,
  signal: 0,
  execErrno: 0,
  setupUs: 100,
  cpuUs: 1000,
  wallUs: 1200,
  memBytes: 1 << 20,
  oom: 0,
  pidsHit: 0,
  killed: 'none',
  outBytes: 3,
  outTruncated: false,
  errBytes: 0,
  errTruncated: false,
  clean: true,
  intoCgroup: false,
};
const verdict = (changes: Partial<SupervisorReport>) =>
  decideVerdict({ ...clean, ...changes }, DEFAULT_RUN_LIMITS);

test('a clean exit 0 is accepted', () => {
  assert.deepEqual(verdict({}), { status: 'accepted', reason: null, limitsHit: [] });
});

test('an OOM kill is memory_limit_exceeded even though it looks like SIGKILL', () => {
  const v = verdict({ signal: 9, exit: -1, oom: 1 });
  assert.equal(v.status, 'memory_limit_exceeded');
  assert.equal(v.reason, 'memory');
});

test('SIGKILL without an OOM record is not blamed on memory', () => {
  assert.equal(verdict({ signal: 9, exit: -1 }).status, 'runtime_error');
});

test('time limits say whether CPU or wall time ran out', () => {
  assert.deepEqual(
    [verdict({ killed: 'cpu', signal: 9 }).reason, verdict({ killed: 'wall', signal: 9 }).reason],
    ['cpu', 'wall'],
  );
  // CPU over the limit counts even if the program exited by itself before the supervisor's check.
  assert.equal(verdict({ cpuUs: (DEFAULT_RUN_LIMITS.cpuMs + 5) * 1000 }).status, 'time_limit_exceeded');
});

test('output, file size, processes and cancellation each have their own outcome', () => {
  assert.equal(verdict({ killed: 'output', outTruncated: true, signal: 9 }).status, 'output_limit_exceeded');
  assert.deepEqual(verdict({ signal: 25 }), {
    status: 'runtime_error',
    reason: 'file_size',
    limitsHit: ['file_size'],
  });
  const forkBomb = verdict({ exit: 1, pidsHit: 40 });
  assert.equal(forkBomb.reason, 'processes');
  assert.deepEqual(forkBomb.limitsHit, ['processes']);
  assert.equal(verdict({ killed: 'cancel', signal: 9 }).status, 'cancelled');
});

test('a memory kill wins over the time limit it may also have hit', () => {
  const v = verdict({ oom: 1, killed: 'wall', signal: 9 });
  assert.equal(v.status, 'memory_limit_exceeded');
  assert.deepEqual(v.limitsHit, ['memory', 'wall']);
});

test('a command that cannot start is the sandbox’s fault, not the program’s', () => {
  const v = verdict({ execErrno: 2, exit: 127 });
  assert.equal(v.status, 'internal_error');
  assert.match(v.message ?? '', /errno 2/);
});
