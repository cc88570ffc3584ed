import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { AdaptiveRatePolicy, DEFAULT_ADAPTIVE_RATE_POLICY_OPTIONS } from './adaptive.js';

function near(actual: number, expected: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what} expected ${expected}, got ${actual}`);
}

test('defaults: threshold 0.5, minimum 0.1, recovery 0.1 per update', () => {
  assert.deepEqual(DEFAULT_ADAPTIVE_RATE_POLICY_OPTIONS, {
    threshold: 0.5,
    minFactor: 0.1,
    recoveryPerUpdate: 0.1,
  });
  assert.equal(new AdaptiveRatePolicy().factor, 1);
});

test('the factor is 1 up to the threshold, then falls linearly to the minimum at a full queue', () => {
  const policy = new AdaptiveRatePolicy();
  const curve: [number, number][] = [
    [0, 1],
    [300, 1],
    [500, 1],
    [600, 0.82],
    [750, 0.55],
    [900, 0.28],
    [1_000, 0.1],
    [5_000, 0.1],
  ];
  for (const [length, factor] of curve) near(policy.targetFactor(length, 1_000), factor, `at ${length}`);
  const custom = new AdaptiveRatePolicy({ threshold: 0.8, minFactor: 0.5 });
  near(custom.targetFactor(90, 100), 0.75);
  near(custom.targetFactor(100, 100), 0.5);
});

test('the factor falls at once, however far', () => {
  const policy = new AdaptiveRatePolicy();
  near(policy.update(1_000, 1_000), 0.1);
  near(policy.factor, 0.1);
  const other = new AdaptiveRatePolicy();
  near(other.update(750, 1_000), 0.55);
  near(other.update(900, 1_000), 0.28);
});

test('recovery climbs at most recoveryPerUpdate per update, up to the target', () => {
  const policy = new AdaptiveRatePolicy();
  policy.update(1_000, 1_000);
  const seen = [];
  for (let i = 0; i < 10; i += 1) seen.push(policy.update(0, 1_000));
  const expected = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1];
  seen.forEach((factor, i) => near(factor, expected[i] ?? Number.NaN, `update ${i + 1}`));
  // Recovery stops at a lower target, and a new rise in the queue cuts it short at once.
  policy.update(1_000, 1_000);
  near(policy.update(750, 1_000), 0.2);
  near(policy.update(750, 1_000), 0.3);
  near(policy.update(750, 1_000), 0.4);
  near(policy.update(750, 1_000), 0.5);
  near(policy.update(750, 1_000), 0.55);
  near(policy.update(750, 1_000), 0.55);
  near(policy.update(950, 1_000), 0.19);
  const quick = new AdaptiveRatePolicy({ recoveryPerUpdate: 1 });
  quick.update(1_000, 1_000);
  near(quick.update(0, 1_000), 1);
});

test('an unbounded queue never slows anyone down', () => {
  const policy = new AdaptiveRatePolicy();
  assert.equal(policy.update(1e9, Infinity), 1);
});

test('apply scales rate and burst, keeping burst a whole number of at least 1', () => {
  const policy = new AdaptiveRatePolicy();
  assert.deepEqual(policy.apply({ ratePerSec: 10, burst: 20 }), { ratePerSec: 10, burst: 20 });
  policy.update(750, 1_000);
  const scaled = policy.apply({ ratePerSec: 10, burst: 20, name: 'free tier' });
  near(scaled.ratePerSec, 5.5);
  assert.equal(scaled.burst, 11);
  assert.equal(scaled.name, 'free tier');
  policy.update(1_000, 1_000);
  const floor = policy.apply({ ratePerSec: 2, burst: 4 });
  near(floor.ratePerSec, 0.2);
  assert.equal(floor.burst, 1);
});

test('bad options and inputs are refused naming the key', () => {
  const bad: [string, () => unknown][] = [
    ['threshold', () => new AdaptiveRatePolicy({ threshold: 1.5 })],
    ['minFactor', () => new AdaptiveRatePolicy({ minFactor: 0 })],
    ['recoveryPerUpdate', () => new AdaptiveRatePolicy({ recoveryPerUpdate: -0.1 })],
    ['maxQueueLength', () => new AdaptiveRatePolicy().update(1, 0)],
    ['queueLength', () => new AdaptiveRatePolicy().update(Number.NaN, 10)],
  ];
  for (const [name, call] of bad) {
    assert.throws(call, (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(name));
  }
});
