import type { CheckOutcome } from './types.js';
import { checkTokens } from './token-checker.js';

/**
 * The float checker: tokens compared as numbers within an absolute or a relative tolerance (either
 * enough), words exactly, NaN and the infinities however C, Java and Python print them.
 */

/** Tolerances of the float checker when the request leaves them out. */
export const DEFAULT_FLOAT_TOLERANCE = Object.freeze({ absolute: 1e-6, relative: 1e-6 });

/** A decimal number as programs print it: "42", "-0.5", ".5", "5.", "1e-9". No hex, no "1_000". */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The ways C, Java and Python print the special values: nan, -nan, NaN, inf, -Infinity… */
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** The value of a numeric token, or null for a word. */
export function parseNumberToken(token: string): number | null {
  if (DECIMAL.test(token)) return Number(token);
  const special = SPECIAL.exec(token);
  if (!special) return null;
  if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

export function checkFloat(
  checker: { absolute?: number; relative?: number },
  expected: string,
  actual: string,
): CheckOutcome {
  const absolute = checker.absolute ?? DEFAULT_FLOAT_TOLERANCE.absolute;
  const relative = checker.relative ?? DEFAULT_FLOAT_TOLERANCE.relative;
  return checkTokens(expected, actual, (expectedToken, actualToken) => {
    if (expectedToken === actualToken) return true;
    const e = parseNumberToken(expectedToken);
    const a = parseNumberToken(actualToken);
    // A word matches only itself (checked above); NaN matches NaN however it is spelled.
    if (e === null || a === null) return false;
    if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a);
    if (!Number.isFinite(e) || !Number.isFinite(a)) return e === a;
    const difference = Math.abs(a - e);
    if (within(difference, absolute, e, a) || within(difference, relative * Math.abs(e), e, a)) return true;
    return (
      `differs by ${formatNumber(difference)}; allowed: ${formatNumber(absolute)} absolute ` +
      `or ${formatNumber(relative)} relative`
    );
  });
}

/**
 * Whether a difference is within a bound. A positive bound forgives the rounding of the two
 * decimals to binary, so that 0.500001 against 0.5 is within 1e-6 as it reads on paper; a zero
 * bound stays exact.
 */
function within(difference: number, bound: number, a: number, b: number): boolean {
  if (difference <= bound) return true;
  return bound > 0 && difference - bound <= 2 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b));
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(3)));
}
