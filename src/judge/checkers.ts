import { ArbiterError } from '../errors.js';
import { describeValue, invalidInput as invalid } from './describe-value.js';
import { CHECKER_PROTOCOLS, type CheckerProtocol, type CheckerSpec, type CheckOutcome } from './types.js';

/**
 * The built-in checkers: pure comparisons of a program's output with the expected output, each
 * explaining a mismatch the way a student can act on ("line 3: expected "42", got "41"").
 *
 * "Whitespace" is JavaScript's `\s` throughout (ASCII blanks plus Unicode spaces such as U+00A0
 * and U+FEFF), so trailing_whitespace and tokens agree on what a blank is.
 */

/** The checker used when a request names none. */
export const DEFAULT_CHECKER: CheckerSpec = Object.freeze({ type: 'trailing_whitespace' });

/** Tolerances of the float checker when the request leaves them out. */
export const DEFAULT_FLOAT_TOLERANCE = Object.freeze({ absolute: 1e-6, relative: 1e-6 });

/** Largest custom checker source accepted, in bytes of UTF-8. */
export const CUSTOM_CHECKER_MAX_SOURCE_BYTES = 64 * 1024;

/**
 * Bounds of a problem's custom checker (only admins make problems): its source and extra files
 * together, such as a Polygon checker with its testlib.h (about 200 KiB).
 */
export const PROBLEM_CHECKER_BOUNDS: CheckerBounds = Object.freeze({ maxSourceBytes: 1024 * 1024 });

/** Most extra files a custom checker may bring (headers). */
export const CUSTOM_CHECKER_MAX_FILES = 16;

/** How large a custom checker may be; see parseChecker. */
export interface CheckerBounds {
  /** Source and extra files together, in bytes of UTF-8. Default CUSTOM_CHECKER_MAX_SOURCE_BYTES. */
  maxSourceBytes: number;
}

/** A custom checker's extra file: a plain name, as a header is included by. */
const CHECKER_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** Names a checker's run writes itself (see judge.ts runCustomChecker). */
const RESERVED_CHECKER_FILES = new Set(['input.txt', 'output.txt', 'expected.txt', 'feedback']);

/** Longest language id accepted for a custom checker; ids are short words like "python3". */
const CUSTOM_CHECKER_MAX_LANGUAGE_LENGTH = 64;

/** How much of one line or token a message quotes, in code points. */
export const MAX_SHOWN_CHARS = 80;

/** Of the quoted window, how many code points come before the first difference. */
const CONTEXT_BEFORE_DIFF = 30;

const BUILT_IN_TYPES = ['exact', 'trailing_whitespace', 'tokens', 'float'] as const;
const CHECKER_TYPES = [...BUILT_IN_TYPES, 'custom'] as const;
const ALLOWED_KEYS: Record<CheckerSpec['type'], readonly string[]> = {
  exact: ['type'],
  trailing_whitespace: ['type'],
  tokens: ['type'],
  float: ['type', 'absolute', 'relative'],
  custom: ['type', 'language', 'source', 'protocol', 'files'],
};

type BuiltInChecker = Exclude<CheckerSpec, { type: 'custom' }>;

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

/**
 * Validates a checker from a request (parsed JSON). Accepts an object such as
 * `{ "type": "float", "absolute": 1e-4 }` or one of the plain strings "exact",
 * "trailing_whitespace", "tokens", "float". Absent (undefined or null) means DEFAULT_CHECKER.
 * Unknown fields are refused, so a typo such as "abs" fails instead of silently using defaults.
 */
export function parseChecker(
  input: unknown,
  bounds: CheckerBounds = { maxSourceBytes: CUSTOM_CHECKER_MAX_SOURCE_BYTES },
): CheckerSpec {
  if (input === undefined || input === null) return { ...DEFAULT_CHECKER };
  if (typeof input === 'string') {
    if ((BUILT_IN_TYPES as readonly string[]).includes(input)) return { type: input } as CheckerSpec;
    if (input === 'custom') {
      throw invalid('a custom checker must be an object with type, language and source');
    }
    throw invalid(`checker must be one of ${CHECKER_TYPES.join(', ')}; got ${quote(input)}`);
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(`checker must be a string or an object with a type; got ${describe(input)}`);
  }
  const fields = input as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== 'string' || !(CHECKER_TYPES as readonly string[]).includes(type)) {
    throw invalid(
      `checker.type must be one of ${CHECKER_TYPES.join(', ')}; got ` +
        (typeof type === 'string' ? quote(type) : describe(type)),
    );
  }
  const checkerType = type as CheckerSpec['type'];
  const allowed = ALLOWED_KEYS[checkerType];
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key)) {
      const options = allowed.filter((k) => k !== 'type');
      throw invalid(
        `checker.${key} is not an option of the ${checkerType} checker` +
          (options.length > 0 ? ` (its options: ${options.join(', ')})` : ' (it has no options)'),
      );
    }
  }
  switch (checkerType) {
    case 'exact':
    case 'trailing_whitespace':
    case 'tokens':
      return { type: checkerType };
    case 'float': {
      const spec: { type: 'float'; absolute?: number; relative?: number } = { type: 'float' };
      for (const key of ['absolute', 'relative'] as const) {
        const value = fields[key];
        if (value === undefined || value === null) continue;
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          throw invalid(`checker.${key} must be a finite number >= 0; got ${describe(value)}`);
        }
        spec[key] = value;
      }
      return spec;
    }
    case 'custom': {
      const { language, source, protocol, files } = fields;
      if (typeof language !== 'string' || language.trim() === '') {
        throw invalid(`checker.language must be a non-empty language id; got ${describe(language)}`);
      }
      if (language.length > CUSTOM_CHECKER_MAX_LANGUAGE_LENGTH) {
        throw invalid(`checker.language is longer than ${CUSTOM_CHECKER_MAX_LANGUAGE_LENGTH} characters`);
      }
      if (typeof source !== 'string' || source === '') {
        throw invalid(
          `checker.source must be the checker program's non-empty source; got ${describe(source)}`,
        );
      }
      if (
        protocol !== undefined &&
        (typeof protocol !== 'string' || !(CHECKER_PROTOCOLS as readonly string[]).includes(protocol))
      ) {
        throw invalid(
          `checker.protocol must be one of ${CHECKER_PROTOCOLS.join(', ')}; got ${describe(protocol)}`,
        );
      }
      const extra = parseCheckerFiles(files);
      const bytes =
        Buffer.byteLength(source, 'utf8') +
        (extra ?? []).reduce((sum, f) => sum + Buffer.byteLength(f.content, 'utf8'), 0);
      if (bytes > bounds.maxSourceBytes) {
        throw invalid(
          `${extra ? 'checker.source and checker.files are' : 'checker.source is'} ${bytes} bytes; the limit is ${bounds.maxSourceBytes} bytes`,
        );
      }
      const spec: CheckerSpec = { type: 'custom', language: language.trim(), source };
      if (protocol !== undefined) spec.protocol = protocol as CheckerProtocol;
      if (extra) spec.files = extra;
      return spec;
    }
  }
}

/**
 * A custom checker's (or an interactor's) `files`: absent, or up to CUSTOM_CHECKER_MAX_FILES
 * plain-named text files; `field` names them in errors.
 */
export function parseCheckerFiles(
  input: unknown,
  field = 'checker.files',
): { name: string; content: string }[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (!Array.isArray(input)) throw invalid(`${field} must be an array; got ${describe(input)}`);
  if (input.length > CUSTOM_CHECKER_MAX_FILES) {
    throw invalid(`${field} has ${input.length} files; at most ${CUSTOM_CHECKER_MAX_FILES}`);
  }
  const names = new Set<string>();
  return input.map((file: unknown, i) => {
    const { name, content } = (file ?? {}) as Record<string, unknown>;
    if (
      typeof file !== 'object' ||
      file === null ||
      Object.keys(file).some((k) => k !== 'name' && k !== 'content')
    ) {
      throw invalid(`${field}[${i}] must be an object with name and content only`);
    }
    if (typeof name !== 'string' || !CHECKER_FILE_NAME.test(name)) {
      throw invalid(
        `${field}[${i}].name must be a plain file name (letters, digits, _ . -); got ${describe(name)}`,
      );
    }
    if (RESERVED_CHECKER_FILES.has(name)) {
      throw invalid(
        `${field}[${i}].name ${quote(name)} is a name the ${field.split('.')[0]}'s run uses itself`,
      );
    }
    if (names.has(name)) throw invalid(`${field}[${i}].name ${quote(name)} is given twice`);
    names.add(name);
    if (typeof content !== 'string') throw invalid(`${field}[${i}].content must be a string`);
    return { name, content };
  });
}

function describe(value: unknown): string {
  return describeValue(value, quote);
}

// ---------------------------------------------------------------------------------------------
// Line-based checkers

interface Lines {
  lines: string[];
  /** Whether the text ended with a newline (exact checker only). */
  terminated: boolean;
}

function checkExact(expected: string, actual: string): CheckOutcome {
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

function checkTrailingWhitespace(expected: string, actual: string): CheckOutcome {
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

/** Names the kind of a near miss, the usual reason a "correct" program is judged wrong. */
function differenceHint(expected: string, actual: string): string | null {
  if (expected.replace(/\r$/, '') === actual.replace(/\r$/, '')) {
    return 'only the line ending differs: \\r\\n against \\n';
  }
  if (expected.trimEnd() === actual.trimEnd()) return 'only whitespace at the end of the line differs';
  if (collapseWhitespace(expected) === collapseWhitespace(actual)) return 'only whitespace differs';
  if (expected.normalize('NFC') === actual.normalize('NFC')) {
    return 'the same text in a different Unicode normalization';
  }
  if (expected.toLowerCase() === actual.toLowerCase()) return 'only upper/lower case differs';
  return null;
}

function collapseWhitespace(text: string): string {
  return text.trim().split(/\s+/).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Token-based checkers

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
type TokenVerdict = boolean | string;

/**
 * Compares token by token. `same` returns true for a match, and false or an explanation for a
 * mismatch. Line numbers in messages are lines of the program's output.
 */
function checkTokens(
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

function checkFloat(checker: { absolute?: number; relative?: number }, expected: string, actual: string) {
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

// ---------------------------------------------------------------------------------------------
// Quoting

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Index (UTF-16) of the first difference, moved back off a surrogate pair's second half. */
function firstDifference(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let at = 0;
  while (at < length && a.charCodeAt(at) === b.charCodeAt(at)) at++;
  if (at > 0 && isHighSurrogate(a.charCodeAt(at - 1))) at--;
  return at;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    if (!(isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length)) length++;
    else {
      length++;
      i++;
    }
  }
  return length;
}

/**
 * Quotes at most MAX_SHOWN_CHARS code points of `text`, a window that shows the first difference
 * (at UTF-16 index `at`), with "…" where it was cut. Invisible characters are escaped so a
 * no-break space or a stray \r is visible.
 */
export function excerpt(text: string, at: number): string {
  const chars = Array.from(text);
  let start = 0;
  if (chars.length > MAX_SHOWN_CHARS) {
    const diffChar = codePointLength(text.slice(0, at));
    start = Math.max(0, Math.min(diffChar - CONTEXT_BEFORE_DIFF, chars.length - MAX_SHOWN_CHARS));
  }
  const end = Math.min(chars.length, start + MAX_SHOWN_CHARS);
  const body = quote(chars.slice(start, end).join(''));
  return `${start > 0 ? '…' : ''}${body}${end < chars.length ? '…' : ''}`;
}

/** JSON-style quoting, with invisible and look-alike spaces escaped too. */
function quote(text: string): string {
  return JSON.stringify(text).replace(/[\p{Cf}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
