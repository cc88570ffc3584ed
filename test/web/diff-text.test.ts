// The editor's rendering of a test's expected-vs-actual diff (the browser test sees it on the page).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outputDiff } from '../../src/judge/output-diff.js';
import { diffText } from '../../src/web/editor/diff-text.js';

test('shared lines once, differing ones as - expected and + actual, numbered as in the output', () => {
  const diff = outputDiff(
    '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n',
    '1\n2\n3\n4\n5\n6\n7\n8\nnine\n10\n',
    'trimmed',
  )!;
  assert.equal(diffText(diff), ['   7  7', '   8  8', '-  9  9', '+  9  nine', '  10  10'].join('\n'));
});

test('a side that ended says so', () => {
  assert.equal(
    diffText(outputDiff('a\nb\n', 'a\n', 'trimmed')!),
    ['  1  a', '- 2  b', '+ 2  (the output ends)'].join('\n'),
  );
  assert.equal(
    diffText(outputDiff('a\n', 'a\nb\n', 'trimmed')!),
    ['  1  a', '- 2  (the expected output ends)', '+ 2  b'].join('\n'),
  );
});
