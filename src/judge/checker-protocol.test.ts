import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCheckerRun, readKattisValidatorRun, type CheckerRun } from './checker-protocol.js';

const exit = (exitCode: number, stdout = '', stderr = ''): CheckerRun => ({
  status: exitCode === 0 ? 'accepted' : 'runtime_error',
  exitCode,
  stdout,
  stderr,
});

test('exit 0 accepts and 1 rejects, with the report from stdout, else stderr', () => {
  assert.deepEqual(readCheckerRun(exit(0, '', 'ok answer is 5\n')), {
    kind: 'accepted',
    message: 'ok answer is 5',
  });
  assert.deepEqual(readCheckerRun(exit(1, '3 is odd\n', 'ignored')), {
    kind: 'wrong_answer',
    message: '3 is odd',
  });
  assert.deepEqual(readCheckerRun(exit(1)), { kind: 'wrong_answer', message: undefined });
});

test("testlib's presentation error, extra output and unexpected end are wrong answers", () => {
  for (const code of [2, 4, 8])
    assert.equal(readCheckerRun(exit(code, '', 'wrong output format')).kind, 'wrong_answer');
});

test('exit 7 reads the share as quitp prints it, with or without the word points', () => {
  assert.deepEqual(readCheckerRun(exit(7, '', 'points 0.25 one of four right\n')), {
    kind: 'partial',
    share: 0.25,
    message: 'one of four right',
  });
  assert.deepEqual(readCheckerRun(exit(7, '.5')), { kind: 'partial', share: 0.5, message: undefined });
  assert.deepEqual(readCheckerRun(exit(7, '', 'points 1')), { kind: 'accepted', message: undefined });
  assert.deepEqual(readCheckerRun(exit(7, '', 'points 0 nothing')), {
    kind: 'partial',
    share: 0,
    message: 'nothing',
  });
});

test("a share out of range, or none, or testlib's fail, or a crash is the checker's failure", () => {
  for (const report of ['points 1.5', 'points -0.1', 'points half', '', 'points NaN', 'points 1e400']) {
    const verdict = readCheckerRun(exit(7, '', report));
    assert.equal(verdict.kind, 'failed', report);
  }
  const fail = readCheckerRun(exit(3, '', 'FAIL answer file is broken'));
  assert.deepEqual(fail, {
    kind: 'failed',
    reason: 'the checker reported a failure (exit 3)',
    report: 'FAIL answer file is broken',
  });
  assert.equal(readCheckerRun(exit(139)).kind, 'failed');
  const limit = readCheckerRun({ status: 'time_limit_exceeded', exitCode: null, stdout: '', stderr: '' });
  assert.deepEqual(limit, {
    kind: 'failed',
    reason: 'the checker failed (time_limit_exceeded)',
    report: undefined,
  });
});

test('a long report is cut to 1000 characters', () => {
  const verdict = readCheckerRun(exit(1, 'x'.repeat(5000)));
  assert.equal(verdict.kind === 'wrong_answer' && verdict.message?.length, 1000);
});

test('a Kattis validator: 42 accepted, 43 wrong answer with its judgemessage.txt, anything else its failure', () => {
  assert.deepEqual(readKattisValidatorRun(exit(42)), { kind: 'accepted', message: undefined });
  assert.deepEqual(readKattisValidatorRun(exit(43, 'printed'), 'expected 5, got 6\n'), {
    kind: 'wrong_answer',
    message: 'expected 5, got 6',
  });
  assert.deepEqual(readKattisValidatorRun(exit(43, 'printed')), { kind: 'wrong_answer', message: 'printed' });
  // testlib's codes mean nothing here: 0 and 1 are the validator's failure.
  assert.equal(
    readKattisValidatorRun({ status: 'accepted', exitCode: 0, stdout: '', stderr: '' }).kind,
    'failed',
  );
  assert.deepEqual(readKattisValidatorRun(exit(1, '', 'crash')), {
    kind: 'failed',
    reason: 'the output validator failed (exit 1; it must exit 42 or 43)',
    report: 'crash',
  });
  const limit = readKattisValidatorRun({
    status: 'time_limit_exceeded',
    exitCode: null,
    stdout: '',
    stderr: '',
  });
  assert.equal(limit.kind, 'failed');
});
