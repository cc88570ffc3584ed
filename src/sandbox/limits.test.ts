import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import {
  DEFAULT_MAX_LIMITS,
  DEFAULT_RUN_LIMITS,
  ceilingOf,
  checkLimitsWithin,
  clampLimits,
  parseDuration,
  parseSizeKb,
  resolveLimits,
} from './limits.js';

test('resolveLimits fills defaults and keeps what was asked', () => {
  assert.deepEqual(resolveLimits(undefined), DEFAULT_RUN_LIMITS);
  const limits = resolveLimits({ cpuMs: 500, memoryKb: 65536 });
  assert.equal(limits.cpuMs, 500);
  assert.equal(limits.memoryKb, 65536);
  assert.equal(limits.wallMs, DEFAULT_RUN_LIMITS.wallMs);
});

test('resolveLimits clamps to the server maximum and to a workable minimum', () => {
  const limits = resolveLimits({ cpuMs: 10 ** 9, memoryKb: 1, openFiles: 0 });
  assert.equal(limits.cpuMs, DEFAULT_MAX_LIMITS.cpuMs);
  assert.equal(limits.memoryKb, 1024);
  assert.equal(limits.openFiles, 4);
});

test('resolveLimits refuses values that are not non-negative numbers, naming the limit', () => {
  for (const bad of [-1, Number.NaN, Infinity, '5' as unknown as number]) {
    assert.throws(
      () => resolveLimits({ wallMs: bad }),
      (error) => isArbiterError(error, 'LIMIT_INVALID') && error.message.includes('wallMs'),
    );
  }
});

test('checkLimitsWithin refuses a limit above the maximum', () => {
  assert.throws(
    () => checkLimitsWithin({ cpuMs: DEFAULT_MAX_LIMITS.cpuMs + 1 }, DEFAULT_MAX_LIMITS),
    /above the server maximum/,
  );
  assert.doesNotThrow(() => checkLimitsWithin({ cpuMs: DEFAULT_MAX_LIMITS.cpuMs }, DEFAULT_MAX_LIMITS));
});

test('durations and sizes parse the way a person writes them', () => {
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5'), 1500);
  assert.equal(parseDuration('1m'), 60_000);
  assert.throws(() => parseDuration('soon'), /duration/);
  assert.equal(parseSizeKb('256M'), 256 * 1024);
  assert.equal(parseSizeKb('1G'), 1024 * 1024);
  assert.equal(parseSizeKb('512k'), 512);
  assert.equal(parseSizeKb('64MiB'), 64 * 1024);
  assert.throws(() => parseSizeKb('lots'), /size/);
});

test("ceilingOf: the maximum, raised to a runtime's minimum where that is higher", () => {
  const max = { ...DEFAULT_MAX_LIMITS, pids: 8 };
  assert.deepEqual(ceilingOf(max), max);
  const ceiling = ceilingOf(max, { pids: 32, memoryKb: 1024 });
  assert.equal(ceiling.pids, 32);
  assert.equal(ceiling.memoryKb, DEFAULT_MAX_LIMITS.memoryKb, 'a minimum below the maximum changes nothing');
});

test('clampLimits lowers limits to the ceiling, never raises one, and keeps a minimum above the maximum', () => {
  const max = { ...DEFAULT_MAX_LIMITS, pids: 8, cpuMs: 1000 };
  const asked = { ...DEFAULT_RUN_LIMITS, pids: 64, cpuMs: 5000, wallMs: 100 };
  const clamped = clampLimits(asked, max, { pids: 32 });
  assert.equal(clamped.pids, 32, 'the minimum survives the clamp');
  assert.equal(clamped.cpuMs, 1000);
  assert.equal(clamped.wallMs, 100, 'never raised');
  assert.equal(clampLimits(asked, max).pids, 8, 'without a minimum, the maximum alone');
  assert.equal(asked.pids, 64, 'the input is not changed');
});
