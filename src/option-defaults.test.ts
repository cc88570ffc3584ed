import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults } from './option-defaults.js';

test('an option left undefined takes its default; one given, even 0 or false, overrides it', () => {
  const defaults = { ttlMs: 5_000, keyPrefix: 'arbiter:', ownsClient: true };
  assert.deepEqual(withDefaults(defaults, { ttlMs: undefined, keyPrefix: '', ownsClient: false }), {
    ttlMs: 5_000,
    keyPrefix: '',
    ownsClient: false,
  });
  assert.deepEqual(withDefaults(defaults, { extra: 0 }), { ...defaults, extra: 0 });
  assert.deepEqual(defaults, { ttlMs: 5_000, keyPrefix: 'arbiter:', ownsClient: true });
});
