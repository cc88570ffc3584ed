import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyLimitFor, nestsDeeperThan, parseJsonText } from './request-body.js';

test('nestsDeeperThan counts arrays and objects, not brackets inside strings', () => {
  assert.equal(nestsDeeperThan('[[[]]]', 3), false);
  assert.equal(nestsDeeperThan('[[[[]]]]', 3), true);
  assert.equal(nestsDeeperThan('{"a":{"b":[1]}}', 3), false);
  assert.equal(nestsDeeperThan('{"a":{"b":[{}]}}', 3), true);
  assert.equal(nestsDeeperThan('[[],[],[],[]]', 2), false, 'siblings do not add up');
  assert.equal(nestsDeeperThan(JSON.stringify({ s: '[[[[[[{{{{' }), 1), false);
  assert.equal(nestsDeeperThan(JSON.stringify({ s: 'a\\"[[[[' }), 1), false, 'an escaped quote');
  assert.equal(nestsDeeperThan(JSON.stringify({ s: 'a\\' }) + '[[[', 2), true, 'an escaped backslash');
  assert.equal(nestsDeeperThan('"unterminated [[[[', 1), false, 'not JSON: left to the parser');
});

test('nestsDeeperThan agrees with the structure JSON.parse builds', () => {
  const depthOf = (value: unknown): number =>
    value !== null && typeof value === 'object'
      ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
      : 0;
  const samples = [
    { a: [1, { b: '"]}' }], c: { d: { e: ['\\', '\\"', '[{'] } } },
    [[[['x']]], { y: [[[[[]]]]] }],
    { 'k"[': { '\\': [] } },
  ];
  for (const sample of samples) {
    const text = JSON.stringify(sample);
    const depth = depthOf(sample);
    assert.equal(nestsDeeperThan(text, depth), false, text);
    assert.equal(nestsDeeperThan(text, depth - 1), true, text);
  }
});

test('parseJsonText refuses a body too deep with a 400 that names the setting, before parsing', () => {
  const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
  const started = performance.now();
  assert.throws(
    () => parseJsonText(deep, 64),
    (error: Error & { code?: string; status?: number }) =>
      error.code === 'ARB_ERR_INPUT_INVALID' && error.status === 400 && /maxJsonDepth/.test(error.message),
  );
  assert.ok(performance.now() - started < 500, 'refused without the parse');
  assert.deepEqual(parseJsonText('{"a":[1,2]}', 64), { a: [1, 2] });
  assert.throws(() => parseJsonText('{"a":', 64), /not valid JSON/);
});

test('a flat 16 MB body costs the scan next to nothing', () => {
  const flat = JSON.stringify({
    language: 'python3',
    source: 'x'.repeat(16_000_000),
    stdin: '"\\'.repeat(1000),
  });
  const started = performance.now();
  assert.equal(nestsDeeperThan(flat, 64), false);
  assert.ok(performance.now() - started < 1_000);
});

test('a caller without an admin key may send userBodyLimitBytes; admins and open paths the ceiling', () => {
  const config = { bodyLimitBytes: 1000, userBodyLimitBytes: 100 };
  const student = { keyId: 'k', role: 'user', priority: 0 } as const;
  const admin = { keyId: 'a', role: 'admin', priority: 0 } as const;
  assert.equal(bodyLimitFor(student, config), 100);
  assert.equal(bodyLimitFor(admin, config), 1000);
  assert.equal(bodyLimitFor(null, config), 1000);
  // The user limit never exceeds the server's ceiling.
  assert.equal(bodyLimitFor(student, { bodyLimitBytes: 50, userBodyLimitBytes: 100 }), 50);
});
