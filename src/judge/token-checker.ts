import type { CheckOutcome } from './types.js';
import { differenceHint, excerpt, firstDifference, plural } from './mismatch-message.js';

/**
 * The token-based comparison: whitespace-separated tokens compared one by one, a mismatch named by
 * its token and the line of the output it is on. The tokens checker compares them exactly; the
 * float checker (float-checker.ts) passes a comparison with numeric tolerance.
 */

/** Walks the whitespace-separated tokens of a text without building a list of them all. */
class TokenCursor {
  readonly #pattern = /\S+/g;
  /** Tokens read so far. */
  count = 0;
  constructor(readonly text: string) {}

  next(): { token: string; index: number } | null {
    const match = this.#pattern.exec(this.text);
    if (!match) return null;
    this.count++;
    return { token: match[0], index: match.index };
  }

  /** Total number of tokens: those read plus those left. */
  total(): number {
    while (this.#pattern.exec(this.text)) this.count++;
    return this.count;
  }

  lineOf(index: number): number {
    let line = 1;
    for (let at = this.text.indexOf('\n'); at !== -1 && at < index; at = this.text.indexOf('\n', at + 1)) {
      line++;
    }
    return line;
  }
}

/** true: the tokens match; false or an explanation: they do not. */
export type TokenVerdict = boolean | string;

/**
 * Compares token by token. `same` returns true for a match, and false or an explanation for a
 * mismatch. Line numbers in messages are lines of the program's output.
 */
export function checkTokens(
  expected: string,
  actual: string,
  same: (expected: string, actual: string) => TokenVerdict,
): CheckOutcome {
  const exp = new TokenCursor(expected);
  const act = new TokenCursor(actual);
  for (;;) {
    const e = exp.next();
    const a = act.next();
    if (!e && !a) return { accepted: true };
    if (!a) {
      const missing = exp.count;
      const expectedCount = exp.total();
      if (act.count === 0) {
        return {
          accepted: false,
          message:
            `output is empty${actual === '' ? '' : ' (only whitespace)'}; ` +
            `expected ${plural(expectedCount, 'token')}, starting with ${excerpt(e!.token, 0)}`,
        };
      }
      return {
        accepted: false,
        message:
          `expected ${plural(expectedCount, 'token')}, got ${act.count}: ` +
          `the output ends where token ${missing} should be ${excerpt(e!.token, 0)}`,
      };
    }
    if (!e) {
      const position = `token ${act.count} (line ${act.lineOf(a.index)})`;
      const actualCount = act.total();
      return {
        accepted: false,
        message:
          exp.count === 0
            ? `expected no output, got ${plural(actualCount, 'token')}, starting with ${excerpt(a.token, 0)}`
            : `expected ${plural(exp.count, 'token')}, got ${actualCount}: ` +
              `extra output from ${position}: ${excerpt(a.token, 0)}`,
      };
    }
    const verdict = same(e.token, a.token);
    if (verdict === true) continue;
    const at = firstDifference(e.token, a.token);
    const hint = typeof verdict === 'string' ? verdict : differenceHint(e.token, a.token);
    return {
      accepted: false,
      message:
        `token ${act.count} (line ${act.lineOf(a.index)}): ` +
        `expected ${excerpt(e.token, at)}, got ${excerpt(a.token, at)}${hint ? ` (${hint})` : ''}`,
    };
  }
}
