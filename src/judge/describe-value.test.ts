import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { describeValue, invalidInput } from './describe-value.js';

test('describeValue names numbers and strings, and anything else by its kind only', () => {
  const quote = (text: string) => `<${text}>`;
  assert.equal(describeValue(undefined, quote), 'nothing');
  assert.equal(describeValue(null, quote), 'null');
  assert.equal(describeValue([1, 2], quote), 'an array');
  assert.equal(describeValue('abc', quote), '<abc>');
  assert.equal(describeValue(2.5, quote), '2.5');
  assert.equal(describeValue({ secret: 'x'.repeat(1000) }, quote), 'a object');
  assert.equal(describeValue(true, quote), 'a boolean');
});

test('invalidInput is an ARB_ERR_INVALID_INPUT with the message', () => {
  const error = invalidInput('checker.type is missing');
  assert.ok(isArbiterError(error, 'INVALID_INPUT'));
  assert.equal(error.status, 400);
  assert.equal(error.message, 'checker.type is missing');
});
