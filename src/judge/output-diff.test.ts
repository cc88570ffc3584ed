import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestResult } from './types.js';
import { DIFF_LINE_CHARS, keepFirstDiffs, MAX_DIFFS, outputDiff } from './output-diff.js';

test('the first differing line, with two lines of context on each side', () => {
  const expected = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n');
  const actual = ['1', '2', '3', '4', 'five', '6', '7', '8'].join('\n');
  assert.deepEqual(outputDiff(expected, actual, 'trimmed'), {
    line: 5,
    from: 3,
    expected: ['3', '4', '5', '6', '7'],
    actual: ['3', '4', 'five', '6', '7'],
  });
});

test('a difference on the first line has no context before it', () => {
  assert.deepEqual(outputDiff('42\n', '41\n', 'trimmed'), {
    line: 1,
    from: 1,
    expected: ['42'],
    actual: ['41'],
  });
});

test('a missing line: the shorter side simply ends', () => {
  assert.deepEqual(outputDiff('a\nb\nc\n', 'a\nb\n', 'trimmed'), {
    line: 3,
    from: 1,
    expected: ['a', 'b', 'c'],
    actual: ['a', 'b'],
  });
  assert.deepEqual(outputDiff('a\n', 'a\nextra\n', 'trimmed'), {
    line: 2,
    from: 1,
    expected: ['a'],
    actual: ['a', 'extra'],
  });
});

test('trimmed mode ignores trailing blanks and blank lines at the end; exact mode does not', () => {
  assert.equal(outputDiff('1\n2\n', '1  \n2\n\n\n', 'trimmed'), undefined);
  assert.deepEqual(outputDiff('1\n2\n', '1  \n2\n', 'exact'), {
    line: 1,
    from: 1,
    expected: ['1', '2', ''],
    actual: ['1  ', '2', ''],
  });
  assert.deepEqual(outputDiff('1\n2', '1\n2\n', 'exact'), {
    line: 3,
    from: 1,
    expected: ['1', '2'],
    actual: ['1', '2', ''],
  });
  assert.equal(outputDiff('same\n', 'same\n', 'exact'), undefined);
});

test('long lines are cut, astral characters kept whole', () => {
  const long = '😀'.repeat(DIFF_LINE_CHARS * 3);
  const diff = outputDiff('short', long, 'exact')!;
  assert.equal(diff.actual.length, 1);
  assert.equal(diff.actual[0], `${'😀'.repeat(DIFF_LINE_CHARS)}…`);
  const ascii = outputDiff('x', 'y'.repeat(DIFF_LINE_CHARS + 1), 'exact')!;
  assert.equal(ascii.actual[0], `${'y'.repeat(DIFF_LINE_CHARS)}…`);
  assert.equal(outputDiff('x', 'y'.repeat(DIFF_LINE_CHARS), 'exact')!.actual[0], 'y'.repeat(DIFF_LINE_CHARS));
});

test('bounded however long the outputs are: at most five lines a side', () => {
  const many = Array.from({ length: 100_000 }, (_, i) => String(i)).join('\n');
  const changed = many.replace('\n50000\n', '\nX\n');
  const diff = outputDiff(many, changed, 'trimmed')!;
  assert.equal(diff.line, 50_001);
  assert.deepEqual(diff.expected, ['49998', '49999', '50000', '50001', '50002']);
  assert.deepEqual(diff.actual, ['49998', '49999', 'X', '50001', '50002']);
  assert.equal(outputDiff('', 'x'.repeat(1000) + '\n'.repeat(1000), 'trimmed')!.actual.length, 1);
});

test('a result keeps the diffs of its first MAX_DIFFS tests only', () => {
  const results: (TestResult | undefined)[] = Array.from({ length: MAX_DIFFS + 5 }, (_, i) => ({
    status: 'wrong_answer',
    cpuMs: 0,
    wallMs: 0,
    weight: 1,
    diff: outputDiff(String(i), 'x', 'exact')!,
  }));
  results.splice(1, 0, undefined);
  keepFirstDiffs(results);
  const kept = results.filter((r) => r?.diff !== undefined);
  assert.equal(kept.length, MAX_DIFFS);
  assert.deepEqual(kept.at(-1)!.diff!.expected, [String(MAX_DIFFS - 1)]);
  assert.equal(results.at(-1)!.diff, undefined);
});
