import type { CheckOutcome } from './types.js';
import {
  codePointLength,
  differenceHint,
  excerpt,
  firstDifference,
  MAX_SHOWN_CHARS,
  plural,
} from './mismatch-message.js';

/**
 * The line-based checkers: exact (byte for byte) and trailing_whitespace (each line without its
 * trailing whitespace, blank lines at the end dropped), each naming the first differing line.
 */

interface Lines {
  lines: string[];
  /** Whether the text ended with a newline (exact checker only). */
  terminated: boolean;
}

export function checkExact(expected: string, actual: string): CheckOutcome {
  if (actual === '') return emptyOutput(splitExact(expected).lines);
  const exp = splitExact(expected);
  const act = splitExact(actual);
  const diff = compareLines(exp.lines, act.lines);
  if (diff) return diff;
  // Same lines, different text: only the newline at the very end differs.
  return {
    accepted: false,
    message: exp.terminated
      ? 'the output lacks the newline at the end of its last line'
      : 'the output has a newline at the end that the expected output lacks',
  };
}

function splitExact(text: string): Lines {
  if (text === '') return { lines: [], terminated: false };
  const lines = text.split('\n');
  const terminated = lines[lines.length - 1] === '';
  if (terminated) lines.pop();
  return { lines, terminated };
}

export function checkTrailingWhitespace(expected: string, actual: string): CheckOutcome {
  const exp = splitTrimmed(expected);
  const act = splitTrimmed(actual);
  if (act.length === 0 && exp.length > 0) {
    return emptyOutput(exp, actual === '' ? '' : ' (only whitespace)');
  }
  return compareLines(exp, act) ?? { accepted: true };
}

/** Lines without trailing whitespace (so "\r\n" reads as "\n"), without blank lines at the end. */
function splitTrimmed(text: string): string[] {
  const lines = text.split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function emptyOutput(expectedLines: string[], note = ''): CheckOutcome {
  const first = expectedLines[0];
  return {
    accepted: false,
    message:
      `output is empty${note}; expected ${plural(expectedLines.length, 'line')}` +
      (first === undefined ? '' : `, starting with ${excerpt(first, 0)}`),
  };
}

/** The first differing line, or null when both lists are equal. */
function compareLines(expected: string[], actual: string[]): CheckOutcome | null {
  const count = Math.max(expected.length, actual.length);
  for (let i = 0; i < count; i++) {
    const exp = expected[i];
    const act = actual[i];
    if (exp === act) continue;
    const line = `line ${i + 1}`;
    if (act === undefined) {
      return {
        accepted: false,
        message:
          `${line}: expected ${excerpt(exp!, 0)}, got end of output ` +
          `(output has ${plural(actual.length, 'line')}, expected ${expected.length})`,
      };
    }
    if (exp === undefined) {
      return {
        accepted: false,
        message:
          expected.length === 0
            ? `expected no output, got ${excerpt(act, 0)} on line 1`
            : `${line}: expected end of output, got ${excerpt(act, 0)} ` +
              `(output has ${plural(actual.length, 'line')}, expected ${expected.length})`,
      };
    }
    return { accepted: false, message: `${line}${describeDifference(exp, act)}` };
  }
  return null;
}

/** ": expected "…", got "…"", with a column when the lines are long and a hint when one helps. */
function describeDifference(expected: string, actual: string): string {
  const at = firstDifference(expected, actual);
  const long = codePointLength(expected) > MAX_SHOWN_CHARS || codePointLength(actual) > MAX_SHOWN_CHARS;
  const column = long ? `, column ${codePointLength(expected.slice(0, at)) + 1}` : '';
  const hint = differenceHint(expected, actual);
  return `${column}: expected ${excerpt(expected, at)}, got ${excerpt(actual, at)}${hint ? ` (${hint})` : ''}`;
}
