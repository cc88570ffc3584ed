import { ArbiterError } from '../errors.js';

/** A request field refused: the one error the judge's input checks (checkers, groups) throw. */
export function invalidInput(message: string): ArbiterError {
  return new ArbiterError('INVALID_INPUT', message);
}

/**
 * A value of a refused field as an error message names it: a number or a string (through
 * `quoteString`, which bounds and escapes it) as itself, anything else by its kind only, so a
 * message never echoes a large or nested value back.
 */
export function describeValue(value: unknown, quoteString: (text: string) => string): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}
