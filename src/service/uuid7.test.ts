import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuid7 } from './uuid7.js';

test('uuid7 has the RFC 9562 layout: version 7, variant 10, the time in front', () => {
  const id = uuid7(0x0123456789ab);
  assert.match(id, /^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('ids made later sort later; ids are unique', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => uuid7(1_700_000_000_000 + i));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(Array.from({ length: 10_000 }, () => uuid7())).size, 10_000);
});
