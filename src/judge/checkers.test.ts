import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { CUSTOM_CHECKER_MAX_SOURCE_BYTES, parseChecker, PROBLEM_CHECKER_BOUNDS } from './checkers.js';

/** Asserts parseChecker refuses `input` (within `bounds`) with INVALID_INPUT and a message matching `pattern`. */
function invalid(input: unknown, pattern: RegExp, bounds?: Parameters<typeof parseChecker>[1]): void {
  assert.throws(
    () => parseChecker(input, bounds),
    (error) => isArbiterError(error, 'INVALID_INPUT') && pattern.test(error.message),
    `${JSON.stringify(input)?.slice(0, 200)} should fail with ${pattern}`,
  );
}

describe('parseChecker', () => {
  test('accepts the plain names of the built-in checkers', () => {
    for (const type of ['exact', 'trailing_whitespace', 'tokens', 'float'] as const) {
      assert.deepEqual(parseChecker(type), { type });
      assert.deepEqual(parseChecker({ type }), { type });
    }
  });

  test('absent means the default', () => {
    assert.deepEqual(parseChecker(undefined), { type: 'trailing_whitespace' });
    assert.deepEqual(parseChecker(null), { type: 'trailing_whitespace' });
  });

  test('keeps valid float tolerances and treats null as absent', () => {
    assert.deepEqual(parseChecker({ type: 'float', absolute: 1e-3, relative: 0 }), {
      type: 'float',
      absolute: 1e-3,
      relative: 0,
    });
    assert.deepEqual(parseChecker({ type: 'float', relative: null }), { type: 'float' });
  });

  test('refuses bad tolerances, naming the field', () => {
    invalid({ type: 'float', absolute: -1 }, /checker\.absolute must be a finite number >= 0; got -1/);
    invalid({ type: 'float', relative: Infinity }, /checker\.relative .* got Infinity/);
    invalid({ type: 'float', relative: Number.NaN }, /checker\.relative .* got NaN/);
    invalid({ type: 'float', absolute: '0.1' }, /checker\.absolute .* got "0\.1"/);
  });

  test('refuses unknown types and unknown fields', () => {
    invalid('fuzzy', /checker must be one of exact, trailing_whitespace, tokens, float, custom; got "fuzzy"/);
    invalid({ type: 'fuzzy' }, /checker\.type must be one of .*; got "fuzzy"/);
    invalid({}, /checker\.type must be one of .*; got nothing/);
    invalid({ type: 7 }, /checker\.type .* got 7/);
    invalid(
      { type: 'float', abs: 1e-3 },
      /checker\.abs is not an option of the float checker \(its options: absolute, relative\)/,
    );
    invalid(
      { type: 'exact', absolute: 1 },
      /checker\.absolute is not an option of the exact checker \(it has no options\)/,
    );
    invalid(42, /checker must be a string or an object/);
    invalid(['exact'], /got an array/);
  });

  test('accepts a custom checker with a language and a source', () => {
    assert.deepEqual(parseChecker({ type: 'custom', language: ' python3 ', source: 'print(1)' }), {
      type: 'custom',
      language: 'python3',
      source: 'print(1)',
    });
  });

  test('refuses a custom checker without language or source, or with a source over 64 KiB', () => {
    invalid('custom', /custom checker must be an object with type, language and source/);
    invalid(
      { type: 'custom', source: 'x' },
      /checker\.language must be a non-empty language id; got nothing/,
    );
    invalid({ type: 'custom', language: '  ', source: 'x' }, /checker\.language/);
    invalid({ type: 'custom', language: 'x'.repeat(65), source: 'x' }, /checker\.language is longer than 64/);
    invalid({ type: 'custom', language: 'python3' }, /checker\.source .* got nothing/);
    invalid({ type: 'custom', language: 'python3', source: '' }, /checker\.source/);
    invalid({ type: 'custom', language: 'python3', source: 5 }, /checker\.source .* got 5/);
    const atLimit = 'x'.repeat(CUSTOM_CHECKER_MAX_SOURCE_BYTES);
    assert.equal(
      (parseChecker({ type: 'custom', language: 'c', source: atLimit }) as { source: string }).source,
      atLimit,
    );
    invalid(
      { type: 'custom', language: 'c', source: atLimit + 'x' },
      /checker\.source is 65537 bytes; the limit is 65536 bytes/,
    );
    // The limit is in bytes: 'é' is two bytes of UTF-8.
    invalid({ type: 'custom', language: 'c', source: 'é'.repeat(32 * 1024 + 1) }, /65538 bytes/);
  });
});

describe('parseChecker: protocol, extra files and bounds', () => {
  const custom = { type: 'custom', language: 'cpp', source: '#include "testlib.h"\nint main(){}' };

  test('keeps a protocol and header files', () => {
    const files = [{ name: 'testlib.h', content: '#pragma once\n' }];
    assert.deepEqual(parseChecker({ ...custom, protocol: 'kattis', files }), {
      ...custom,
      protocol: 'kattis',
      files,
    });
    invalid({ ...custom, protocol: 'icpc' }, /checker\.protocol must be one of testlib, kattis/);
  });

  test('refuses extra files with unusable or reserved names, duplicates, or too many', () => {
    invalid(
      { ...custom, files: [{ name: '../x.h', content: '' }] },
      /checker\.files\[0\]\.name must be a plain file name/,
    );
    invalid(
      { ...custom, files: [{ name: 'expected.txt', content: '' }] },
      /is a name the checker's run uses/,
    );
    invalid(
      {
        ...custom,
        files: [
          { name: 'a.h', content: '' },
          { name: 'a.h', content: '' },
        ],
      },
      /given twice/,
    );
    invalid({ ...custom, files: [{ name: 'a.h', content: 1 }] }, /content must be a string/);
    invalid(
      { ...custom, files: Array.from({ length: 17 }, (_, i) => ({ name: `h${i}.h`, content: '' })) },
      /at most 16/,
    );
  });

  test("the size bound counts the files too; a problem's checker may be larger", () => {
    const header = { name: 'big.h', content: 'x'.repeat(CUSTOM_CHECKER_MAX_SOURCE_BYTES) };
    invalid(
      { ...custom, files: [header] },
      /checker\.source and checker\.files are \d+ bytes; the limit is 65536/,
    );
    assert.equal(parseChecker({ ...custom, files: [header] }, PROBLEM_CHECKER_BOUNDS).type, 'custom');
    invalid(
      { ...custom, source: 'x'.repeat(PROBLEM_CHECKER_BOUNDS.maxSourceBytes + 1) },
      /limit is 1048576/,
      PROBLEM_CHECKER_BOUNDS,
    );
  });
});
