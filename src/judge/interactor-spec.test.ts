import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  INTERACTOR_MAX_SOURCE_BYTES,
  INTERACTOR_MAX_TOTAL_BYTES,
  parseInteractor,
} from './interactor-spec.js';

const refused = (input: unknown, pattern: RegExp): void => {
  assert.throws(
    () => parseInteractor(input),
    (error: Error & { code?: string }) =>
      error.code === 'ARB_ERR_INPUT_INVALID' && pattern.test(error.message),
  );
};

test('an interactor is a language and a source, the language trimmed', () => {
  assert.deepEqual(parseInteractor({ language: ' python3 ', source: 'print(1)' }), {
    language: 'python3',
    source: 'print(1)',
  });
});

test('anything else is refused, naming the field', () => {
  refused('python3', /must be an object/);
  refused(null, /must be an object/);
  refused([], /must be an object/);
  refused({ language: 'c', source: 'x', type: 'custom' }, /interactor\.type is not an option/);
  refused({ source: 'x' }, /interactor\.language/);
  refused({ language: 'x'.repeat(65), source: 'x' }, /interactor\.language is longer/);
  refused({ language: 'c', source: '' }, /interactor\.source/);
  refused({ language: 'c', source: 42 }, /interactor\.source/);
  refused({ language: 'c', source: 'x'.repeat(INTERACTOR_MAX_SOURCE_BYTES + 1) }, /the limit is/);
});

test('an interactor may name its protocol and bring headers, each checked', () => {
  const header = { name: 'testlib.h', content: '#pragma once\n' };
  assert.deepEqual(
    parseInteractor({ language: 'cpp', source: 'int main(){}', protocol: 'kattis', files: [header] }),
    { language: 'cpp', source: 'int main(){}', protocol: 'kattis', files: [header] },
  );
  refused(
    { language: 'c', source: 'x', protocol: 'icpc' },
    /interactor\.protocol must be one of testlib, kattis/,
  );
  refused({ language: 'c', source: 'x', files: 'testlib.h' }, /interactor\.files must be an array/);
  refused(
    { language: 'c', source: 'x', files: [{ name: '../x.h', content: '' }] },
    /interactor\.files\[0\]\.name/,
  );
  refused(
    { language: 'c', source: 'x', files: [{ name: 'feedback', content: '' }] },
    /the interactor's run uses itself/,
  );
  refused(
    {
      language: 'c',
      source: 'x',
      files: [{ name: 'big.h', content: 'x'.repeat(INTERACTOR_MAX_TOTAL_BYTES) }],
    },
    /interactor\.source and interactor\.files are \d+ bytes/,
  );
});
