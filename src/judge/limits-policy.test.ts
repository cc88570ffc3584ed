import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { clampLimits, DEFAULT_MAX_LIMITS, DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import { resolveCompileLimits, resolveRunLimits } from './limits-policy.js';

const plain = { minimumLimits: undefined };
const jvm = { minimumLimits: { pids: 128, memoryKb: 512 * 1024 } };
const base = { defaults: DEFAULT_RUN_LIMITS, max: DEFAULT_MAX_LIMITS };

test('a request may lower a problem limit, never raise it', () => {
  const problem = { cpuMs: 500 };
  const raised = resolveRunLimits({ ...base, requested: { cpuMs: 1500 }, problem, language: plain });
  assert.equal(raised.cpuMs, 500, 'the problem binds');
  const lowered = resolveRunLimits({ ...base, requested: { cpuMs: 200 }, problem, language: plain });
  assert.equal(lowered.cpuMs, 200);
});

test('a problem binds even the limits it leaves unset: they are the server defaults', () => {
  const limits = resolveRunLimits({
    ...base,
    requested: { memoryKb: 1024 * 1024 },
    problem: {},
    language: plain,
  });
  assert.equal(limits.memoryKb, DEFAULT_RUN_LIMITS.memoryKb);
});

test('without a problem a request may ask for anything up to the server maximum', () => {
  const limits = resolveRunLimits({ ...base, requested: { cpuMs: 10_000 }, language: plain });
  assert.equal(limits.cpuMs, 10_000);
  assert.equal(limits.wallMs, DEFAULT_RUN_LIMITS.wallMs);
});

test('above the server maximum is refused with LIMIT_INVALID', () => {
  assert.throws(
    () => resolveRunLimits({ ...base, requested: { cpuMs: DEFAULT_MAX_LIMITS.cpuMs + 1 }, language: plain }),
    (error) => isArbiterError(error, 'LIMIT_INVALID'),
  );
});

test("the language's minimum raises a problem's limit, and the server maximum caps the rest", () => {
  const limits = resolveRunLimits({ ...base, problem: { pids: 16 }, language: jvm });
  assert.equal(limits.pids, 128);
  const small = { ...DEFAULT_MAX_LIMITS, memoryKb: 256 * 1024, cpuMs: 1000 };
  const capped = resolveRunLimits({ defaults: DEFAULT_RUN_LIMITS, max: small, language: jvm });
  assert.equal(capped.cpuMs, 1000, 'a limit without a minimum stays within the maximum');
});

test("a maximum below the language's minimum allows the minimum, and no more (issue [K])", () => {
  // The pool clamps to the same ceiling (clampLimits), so it cannot undo what is resolved here.
  const max = { ...DEFAULT_MAX_LIMITS, memoryKb: 256 * 1024 };
  const limits = resolveRunLimits({ defaults: DEFAULT_RUN_LIMITS, max, language: jvm });
  assert.equal(limits.memoryKb, 512 * 1024);
  assert.deepEqual(clampLimits(limits, max, jvm.minimumLimits), limits);
  assert.throws(
    () =>
      resolveRunLimits({
        requested: { memoryKb: 600 * 1024 },
        defaults: DEFAULT_RUN_LIMITS,
        max,
        language: jvm,
      }),
    (error) => isArbiterError(error, 'LIMIT_INVALID'),
    'a request is still held to the server maximum',
  );
  const plainRun = resolveRunLimits({ defaults: DEFAULT_RUN_LIMITS, max, language: plain });
  assert.equal(plainRun.memoryKb, 256 * 1024, 'another language gets the maximum alone');
});

test("compile limits: the language's compile defaults, what the request asks within the maximum", () => {
  const slow = { compileLimits: { cpuMs: 25_000 }, minimumLimits: undefined };
  assert.equal(resolveCompileLimits(undefined, slow, DEFAULT_MAX_LIMITS).cpuMs, 25_000);
  assert.equal(resolveCompileLimits({ cpuMs: 3000 }, slow, DEFAULT_MAX_LIMITS).cpuMs, 3000);
});
