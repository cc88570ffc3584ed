import { ArbiterError } from '../errors.js';
import { checkFloat } from './float-checker.js';
import { checkExact, checkTrailingWhitespace } from './line-checkers.js';
import { checkTokens } from './token-checker.js';
import type { CheckerSpec, CheckOutcome } from './types.js';

/**
 * The built-in checkers: pure comparisons of a program's output with the expected output, each
 * explaining a mismatch the way a student can act on ("line 3: expected "42", got "41"").
 *
 * "Whitespace" is JavaScript's `\s` throughout (ASCII blanks plus Unicode spaces such as U+00A0
 * and U+FEFF), so trailing_whitespace and tokens agree on what a blank is.
 */

export type BuiltInChecker = Exclude<CheckerSpec, { type: 'custom' }>;

/** Compares one output with the expected one. Never throws for any pair of strings. */
export function checkOutput(checker: BuiltInChecker, expected: string, actual: string): CheckOutcome {
  // Every checker accepts identical text; this also keeps huge correct outputs cheap.
  if (expected === actual) return { accepted: true };
  switch (checker.type) {
    case 'exact':
      return checkExact(expected, actual);
    case 'trailing_whitespace':
      return checkTrailingWhitespace(expected, actual);
    case 'tokens':
      return checkTokens(expected, actual, (e, a) => e === a);
    case 'float':
      return checkFloat(checker, expected, actual);
    default: {
      const unknown: never = checker;
      throw new ArbiterError(
        'INVALID_INPUT',
        `checkOutput cannot run checker type ${JSON.stringify((unknown as { type?: unknown }).type)}`,
      );
    }
  }
}
