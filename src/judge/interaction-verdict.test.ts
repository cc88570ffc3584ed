import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckerVerdict } from './checker-protocol.js';
import { decideInteraction, type InteractionRuns } from './interaction-verdict.js';

const clean = { status: 'accepted', reason: null } as const;
const ok: CheckerVerdict = { kind: 'accepted' };
const wa: CheckerVerdict = { kind: 'wrong_answer', message: 'guessed 7, the number is 5' };
const runs = (overrides: Partial<InteractionRuns>): InteractionRuns => ({
  program: clean,
  interactor: ok,
  programEndedFirst: true,
  cancelled: false,
  ...overrides,
});

test('a clean program and an accepting interactor: accepted', () => {
  assert.deepEqual(decideInteraction(runs({})), { status: 'accepted' });
  assert.deepEqual(decideInteraction(runs({ programEndedFirst: false })), { status: 'accepted' });
});

test("the interactor's wrong answer, with its message, when the program ran cleanly", () => {
  assert.deepEqual(decideInteraction(runs({ interactor: wa })), {
    status: 'wrong_answer',
    message: 'guessed 7, the number is 5',
  });
});

test('partial points (exit 7) are a wrong answer with a share', () => {
  assert.deepEqual(decideInteraction(runs({ interactor: { kind: 'partial', share: 0.25 } })), {
    status: 'wrong_answer',
    fraction: 0.25,
  });
});

test("the program's own limit wins over the wrong answer its death caused", () => {
  for (const [status, reason] of [
    ['time_limit_exceeded', 'wall'],
    ['memory_limit_exceeded', 'memory'],
    ['runtime_error', 'signal'],
    ['output_limit_exceeded', 'output'],
  ] as const) {
    assert.deepEqual(decideInteraction(runs({ program: { status, reason }, interactor: wa })), {
      status,
      reason,
    });
  }
});

test('an interactor that gave its wrong answer first keeps it, whatever the program did after', () => {
  const verdict = decideInteraction(
    runs({
      program: { status: 'runtime_error', reason: 'signal' },
      interactor: wa,
      programEndedFirst: false,
    }),
  );
  assert.equal(verdict.status, 'wrong_answer');
});

test('a program that fails after the interactor accepted still fails', () => {
  const verdict = decideInteraction(
    runs({ program: { status: 'runtime_error', reason: 'exit_code' }, programEndedFirst: false }),
  );
  assert.deepEqual(verdict, { status: 'runtime_error', reason: 'exit_code' });
});

test("Arbiter's own stops are the limits they stand for", () => {
  const cancelled = { status: 'cancelled', reason: 'cancelled' } as const;
  assert.deepEqual(
    decideInteraction(runs({ program: cancelled, programStop: 'relay_cap', interactor: wa })),
    { status: 'output_limit_exceeded', reason: 'output' },
  );
  assert.deepEqual(
    decideInteraction(runs({ program: cancelled, programStop: 'grace', programEndedFirst: false })),
    { status: 'time_limit_exceeded', reason: 'wall' },
  );
  // A stop nobody asked for is the sandbox's fault, never the student's verdict.
  assert.equal(decideInteraction(runs({ program: cancelled })).status, 'internal_error');
});

test('a failing interactor is internal_error with its report as operator detail, even when the program failed too', () => {
  const failed: CheckerVerdict = {
    kind: 'failed',
    reason: 'the checker failed (exit 139)',
    report: 'secret 5',
  };
  for (const program of [clean, { status: 'time_limit_exceeded', reason: 'wall' } as const]) {
    assert.deepEqual(decideInteraction(runs({ program, interactor: failed })), {
      status: 'internal_error',
      message: 'the checker failed (exit 139)',
      detail: 'secret 5',
    });
  }
});

test('a cancelled submission is cancelled, whatever the runs say', () => {
  const verdict = decideInteraction(
    runs({ cancelled: true, interactor: { kind: 'failed', reason: 'x' }, program: clean }),
  );
  assert.deepEqual(verdict, { status: 'cancelled' });
});

test("the program's sandbox failing is internal_error", () => {
  const verdict = decideInteraction(runs({ program: { status: 'internal_error', reason: 'sandbox' } }));
  assert.equal(verdict.status, 'internal_error');
});
