import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkOutput, type BuiltInChecker } from './check-output.js';
import { DEFAULT_CHECKER } from './checkers.js';
import { parseNumberToken } from './float-checker.js';
import { excerpt } from './mismatch-message.js';
import type { CheckOutcome } from './types.js';

const exact = { type: 'exact' } as const;
const trailing = { type: 'trailing_whitespace' } as const;
const tokens = { type: 'tokens' } as const;
const float = { type: 'float' } as const;
const ALL = [exact, trailing, tokens, float] as const;

function rejected(outcome: CheckOutcome): string {
  assert.equal(outcome.accepted, false, 'expected a rejection');
  assert.equal(typeof outcome.message, 'string');
  return outcome.message!;
}

/** Accepted, with no message. */
const ACCEPTED = Symbol('accepted');
/** Rejected, whatever the message says. */
const REJECTED = Symbol('rejected');
/** One case: the outcome is ACCEPTED, REJECTED, or a string, the exact message of a rejection. */
type Case = [
  expected: string,
  actual: string,
  outcome: typeof ACCEPTED | typeof REJECTED | string,
  note?: string,
];

/** Asserts `checker` gives each case's outcome for its actual output against its expected one. */
function check(checker: BuiltInChecker, cases: Case[]): void {
  for (const [expected, actual, outcome, note] of cases) {
    const got = checkOutput(checker, expected, actual);
    const label = note ?? JSON.stringify([expected, actual]);
    if (outcome === ACCEPTED) assert.deepEqual(got, { accepted: true }, label);
    else if (outcome === REJECTED) assert.equal(got.accepted, false, label);
    else assert.equal(rejected(got), outcome, label);
  }
}

describe('every checker', () => {
  test('accepts identical output, the empty one included, without a message', () => {
    for (const checker of ALL) {
      for (const text of ['', '42\n', 'a b\nc\n', 'héllo wörld 🎉\n']) {
        assert.deepEqual(checkOutput(checker, text, text), { accepted: true }, `${checker.type} ${text}`);
      }
    }
  });

  test('rejects a wrong answer', () => {
    for (const checker of ALL) {
      assert.equal(checkOutput(checker, '42\n', '41\n').accepted, false, checker.type);
      assert.equal(checkOutput(checker, 'yes\n', 'no\n').accepted, false, checker.type);
    }
  });

  test('says the output is empty when it is', () => {
    for (const checker of ALL) {
      const message = rejected(checkOutput(checker, '1\n2\n', ''));
      assert.match(message, /^output is empty/, checker.type);
    }
  });

  test('handles huge outputs: accepts equal ones and locates a late difference', () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i} ${i * 0.5}`);
    const expected = lines.join('\n') + '\n';
    const wrong = [...lines];
    wrong[150_000] = '150000 1';
    const actual = wrong.join('\n') + '\n';
    for (const checker of ALL) {
      assert.equal(
        checkOutput(checker, expected, expected.replace(/\n/g, ' \n')).accepted,
        checker !== exact,
      );
      const message = rejected(checkOutput(checker, expected, actual));
      if (checker === exact || checker === trailing) {
        assert.equal(message, 'line 150001: expected "150000 75000", got "150000 1"');
      } else {
        assert.match(message, /^token 300002 \(line 150001\): expected "75000", got "1"/);
      }
    }
  });
});

describe('exact', () => {
  test('is byte for byte: trailing spaces, \\r\\n and the final newline all count', () => {
    check(exact, [
      ['a\n', 'a \n', REJECTED],
      ['a\n', 'a\r\n', REJECTED],
      ['a\n', 'a', REJECTED],
      ['a', 'a\n', REJECTED],
      ['a\n', 'a\n\n', REJECTED],
    ]);
  });

  test('names the first differing line, 1-based', () => {
    check(exact, [['1\n2\n3\n', '1\n2\n4\n', 'line 3: expected "3", got "4"']]);
  });

  test('explains a missing or extra final newline', () => {
    check(exact, [
      ['1\n2\n', '1\n2', 'the output lacks the newline at the end of its last line'],
      ['1\n2', '1\n2\n', 'the output has a newline at the end that the expected output lacks'],
    ]);
  });

  test('explains Windows line endings and trailing spaces', () => {
    check(exact, [
      [
        'a\nb\n',
        'a\r\nb\r\n',
        'line 1: expected "a", got "a\\r" (only the line ending differs: \\r\\n against \\n)',
      ],
      ['a\n', 'a  \n', 'line 1: expected "a", got "a  " (only whitespace at the end of the line differs)'],
    ]);
  });

  test('reports missing and extra lines with the counts', () => {
    check(exact, [
      ['1\n2\n3\n', '1\n2\n', 'line 3: expected "3", got end of output (output has 2 lines, expected 3)'],
      ['1\n', '1\n2\n3\n', 'line 2: expected end of output, got "2" (output has 3 lines, expected 1)'],
      ['', 'x\n', 'expected no output, got "x" on line 1'],
    ]);
  });

  test('an empty expected line against no output at all', () => {
    check(exact, [['\n', '', 'output is empty; expected 1 line, starting with ""']]);
  });
});

describe('trailing_whitespace (the default)', () => {
  test('is the default checker', () => {
    assert.deepEqual(DEFAULT_CHECKER, { type: 'trailing_whitespace' });
  });

  test('ignores whitespace at line ends, blank lines at the end, and \\r\\n', () => {
    check(trailing, [
      ['1 2\n3\n', '1 2  \n3\t\n', ACCEPTED],
      ['1 2\n3\n', '1 2\n3', ACCEPTED],
      ['1 2\n3\n', '1 2\n3\n\n\n', ACCEPTED],
      ['1 2\n3\n', '1 2\r\n3\r\n', ACCEPTED],
      ['1 2\n3\n', '1 2 \r\n3\n  \n\t\n', ACCEPTED],
      ['a\n\n\n', 'a', ACCEPTED],
    ]);
  });

  test('still counts leading and inner whitespace and blank lines in the middle', () => {
    check(trailing, [
      ['1 2\n', ' 1 2\n', 'line 1: expected "1 2", got " 1 2" (only whitespace differs)'],
      ['1 2\n', '1  2\n', 'line 1: expected "1 2", got "1  2" (only whitespace differs)'],
      ['a\nb\n', 'a\n\nb\n', 'line 2: expected "b", got ""'],
    ]);
  });

  test('output of only whitespace is empty output', () => {
    check(trailing, [
      ['x\n', '  \n\n', 'output is empty (only whitespace); expected 1 line, starting with "x"'],
      ['', ' \n \n', ACCEPTED],
      ['\n\n', '', ACCEPTED],
    ]);
  });

  test('hints at letter case and Unicode normalization', () => {
    check(trailing, [
      ['Yes\n', 'YES\n', 'line 1: expected "Yes", got "YES" (only upper/lower case differs)'],
      [
        'caf\u00e9\n',
        'cafe\u0301\n',
        'line 1: expected "caf\u00e9", got "cafe\u0301" (the same text in a different Unicode normalization)',
      ],
    ]);
  });

  test('shows invisible characters escaped', () => {
    check(trailing, [
      ['a b\n', 'a\u00a0b\n', 'line 1: expected "a b", got "a\\u00a0b" (only whitespace differs)'],
      ['ab\n', 'a\u200bb\n', 'line 1: expected "ab", got "a\\u200bb"'],
    ]);
  });

  test('quotes a window around the difference of long lines, with its column', () => {
    const expected = 'x'.repeat(200) + 'A' + 'y'.repeat(100);
    const actual = 'x'.repeat(200) + 'B' + 'y'.repeat(100);
    const message = rejected(checkOutput(trailing, expected, actual));
    const window = 'x'.repeat(30) + 'A' + 'y'.repeat(49);
    assert.equal(message, `line 1, column 201: expected …"${window}"…, got …"${window.replace('A', 'B')}"…`);
  });

  test('counts columns in characters, not UTF-16 units', () => {
    const prefix = '🎉'.repeat(100);
    const message = rejected(checkOutput(trailing, `${prefix}a`, `${prefix}b`));
    assert.match(message, /^line 1, column 101: /);
    assert.ok(!message.includes('\\ud'), 'no emoji is cut in half');
  });
});

describe('tokens', () => {
  test('splits on any whitespace, newlines and Unicode spaces included', () => {
    check(tokens, [
      ['1 2 3\n', '1\n2\t\t3', ACCEPTED],
      ['1 2', '  1\r\n\r\n2  \n\n', ACCEPTED],
      ['1 2', '1\u00a02', ACCEPTED],
      ['', ' \n\t', ACCEPTED],
    ]);
  });

  test('compares tokens exactly: no numeric tolerance, case matters', () => {
    check(tokens, [
      ['1.0', '1', 'token 1 (line 1): expected "1.0", got "1"'],
      ['a Yes', 'a yes', 'token 2 (line 1): expected "Yes", got "yes" (only upper/lower case differs)'],
    ]);
  });

  test('names the token and the line of the output where it differs', () => {
    check(tokens, [['1 2 3 4', '1 2\n\n3 5', 'token 4 (line 3): expected "4", got "5"']]);
  });

  test('reports missing and extra tokens with the counts', () => {
    check(tokens, [
      ['1 2 3', '1 2', 'expected 3 tokens, got 2: the output ends where token 3 should be "3"'],
      ['1 2 3', '1 2 3\n4 5', 'expected 3 tokens, got 5: extra output from token 4 (line 2): "4"'],
      ['1', '', 'output is empty; expected 1 token, starting with "1"'],
      ['1 2', ' \n ', 'output is empty (only whitespace); expected 2 tokens, starting with "1"'],
      ['', 'x y', 'expected no output, got 2 tokens, starting with "x"'],
    ]);
  });

  test('quotes a long token as a window around its difference', () => {
    const expected = '7'.repeat(1000);
    const actual = '7'.repeat(500) + '8' + '7'.repeat(499);
    const message = rejected(checkOutput(tokens, expected, actual));
    assert.ok(message.length < 250, `message stays short: ${message.length} chars`);
    assert.ok(message.includes('7'.repeat(30) + '8'), message);
  });
});

describe('float', () => {
  test('accepts numbers within the default tolerance of 1e-6', () => {
    check(float, [
      ['0.5', '0.500001', ACCEPTED],
      ['0.5', '0.499999', ACCEPTED],
      ['3.14159265', '3.1415930', ACCEPTED],
      ['1000000', '1000001', ACCEPTED, 'relative 1e-6 of 1e6 is 1'],
      ['1', '1.000000000', ACCEPTED],
      ['100', '1e2', ACCEPTED],
      ['-0', '0', ACCEPTED],
      ['.5', '0.5', ACCEPTED],
    ]);
  });

  test('rejects numbers just outside the tolerance, saying by how much', () => {
    check(float, [
      [
        '0.5',
        '0.5000011',
        'token 1 (line 1): expected "0.5", got "0.5000011" ' +
          '(differs by 0.0000011; allowed: 0.000001 absolute or 0.000001 relative)',
      ],
      ['1000000', '1000002', REJECTED],
    ]);
  });

  test('uses the given tolerances, each alone enough', () => {
    check({ type: 'float', absolute: 0.01 }, [
      ['1', '1.009', ACCEPTED],
      ['1', '1.011', REJECTED],
    ]);
    check({ type: 'float', absolute: 0, relative: 0.1 }, [
      ['1000', '1099', ACCEPTED],
      ['1000', '1101', REJECTED],
      ['0', '0.0000001', REJECTED, 'relative tolerance of zero is zero'],
    ]);
  });

  test('zero tolerance means numerically equal', () => {
    const strict = { type: 'float', absolute: 0, relative: 0 } as const;
    check(strict, [
      ['0.1', '0.10', ACCEPTED],
      ['1e-3', '0.001', ACCEPTED],
      ['0.3', '0.30000000000000004', REJECTED],
    ]);
  });

  test('compares words exactly', () => {
    check(float, [
      ['Case #1: 0.5', 'Case #1: 0.5000001', ACCEPTED],
      [
        'Case #1: 0.5',
        'case #1: 0.5',
        'token 1 (line 1): expected "Case", got "case" (only upper/lower case differs)',
      ],
      ['YES', '1', 'token 1 (line 1): expected "YES", got "1"'],
      ['1', 'one', 'token 1 (line 1): expected "1", got "one"'],
    ]);
  });

  test('does not read hex, binary, underscores or empty text as numbers', () => {
    check(float, [
      ['16', '0x10', REJECTED],
      ['3', '0b11', REJECTED],
      ['1000', '1_000', REJECTED],
    ]);
    assert.equal(parseNumberToken('0x10'), null);
    assert.equal(parseNumberToken('1e'), null);
    assert.equal(parseNumberToken('.'), null);
    assert.equal(parseNumberToken('-'), null);
    assert.equal(parseNumberToken('5.'), 5);
    assert.equal(parseNumberToken('-2.5E+3'), -2500);
  });

  test('matches NaN and infinities however C, Java or Python spell them', () => {
    check(float, [
      ['nan inf -inf', 'NaN Infinity -Infinity', ACCEPTED],
      ['-nan +inf', 'nan INF', ACCEPTED],
      ['inf', '-inf', REJECTED],
      ['inf', '1e308', REJECTED],
      ['nan', '0', REJECTED],
      ['0', 'nan', REJECTED],
      ['nan', 'inf', REJECTED],
      ['inf', '1e999', ACCEPTED, '1e999 overflows to infinity'],
    ]);
    check({ type: 'float', absolute: 1e300 }, [['1e308', 'inf', REJECTED]]);
  });

  test('counts tokens like the tokens checker', () => {
    check(float, [
      ['0.1 0.2', '0.1', 'expected 2 tokens, got 1: the output ends where token 2 should be "0.2"'],
    ]);
  });
});

describe('excerpt', () => {
  test('quotes short text whole and cuts long text with an ellipsis on the cut side', () => {
    assert.equal(excerpt('abc', 1), '"abc"');
    assert.equal(excerpt('a'.repeat(100), 0), `"${'a'.repeat(80)}"…`);
    assert.equal(excerpt('a'.repeat(100), 99), `…"${'a'.repeat(80)}"`);
    assert.equal(excerpt('say "hi"\t', 0), '"say \\"hi\\"\\t"');
  });
});

/** A small seeded generator, so the property tests below replay the same cases on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('properties (seeded random cases)', () => {
  const next = random(20240611);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const word = () =>
    Array.from({ length: 1 + Math.floor(next() * 5) }, () =>
      pick(['a', 'B', '7', '-', 'é', '🎉', '.', '0']),
    ).join('');
  const text = () =>
    Array.from({ length: Math.floor(next() * 6) }, () =>
      Array.from({ length: Math.floor(next() * 4) }, word).join(pick([' ', '  ', '\t'])),
    ).join('\n') + pick(['', '\n', '\n\n']);
  const blanks = () => pick(['', ' ', '\t', '  ', '\r']);

  test('adding trailing whitespace and blank lines is accepted by all but exact', () => {
    for (let i = 0; i < 500; i++) {
      const expected = text();
      const padded =
        expected
          .split('\n')
          .map((line) => line + blanks())
          .join('\n') + pick(['', '\n', '\n \n', '\r\n']);
      for (const checker of [trailing, tokens, float]) {
        assert.deepEqual(
          checkOutput(checker, expected, padded),
          { accepted: true },
          JSON.stringify([expected, padded]),
        );
      }
      if (padded !== expected) assert.equal(checkOutput(exact, expected, padded).accepted, false);
    }
  });

  test('changing one token is rejected by every checker, with a message naming where', () => {
    for (let i = 0; i < 500; i++) {
      const expected = text();
      const words = expected.match(/\S+/g);
      if (!words) continue;
      const target = Math.floor(next() * words.length);
      let seen = -1;
      const actual = expected.replace(/\S+/g, (w) => (++seen === target ? `${w}X` : w));
      for (const checker of ALL) {
        const message = rejected(checkOutput(checker, expected, actual));
        assert.match(message, /^(line|token) \d+/, `${checker.type}: ${message}`);
      }
    }
  });

  test('every message stays short whatever the input', () => {
    for (let i = 0; i < 200; i++) {
      const expected = word().repeat(1 + Math.floor(next() * 200));
      const actual = expected + word();
      for (const checker of ALL) {
        const outcome = checkOutput(checker, expected, actual);
        if (!outcome.accepted) assert.ok(Array.from(outcome.message!).length < 250, outcome.message);
      }
    }
  });
});
