import { describeValue, invalidInput as invalid } from './describe-value.js';
import { quote } from './mismatch-message.js';
import { CHECKER_PROTOCOLS, type CheckerProtocol, type CheckerSpec } from './types.js';

/**
 * What a checker is, as a request or a problem gives it: a built-in checker by name (with its
 * options) or a custom checker program, validated here; the built-in ones compare in
 * check-output.ts, a custom one runs in judge.ts.
 */

/** The checker used when a request names none. */
export const DEFAULT_CHECKER: CheckerSpec = Object.freeze({ type: 'trailing_whitespace' });

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

const BUILT_IN_TYPES = ['exact', 'trailing_whitespace', 'tokens', 'float'] as const;
const CHECKER_TYPES = [...BUILT_IN_TYPES, 'custom'] as const;
const ALLOWED_KEYS: Record<CheckerSpec['type'], readonly string[]> = {
  exact: ['type'],
  trailing_whitespace: ['type'],
  tokens: ['type'],
  float: ['type', 'absolute', 'relative'],
  custom: ['type', 'language', 'source', 'protocol', 'files'],
};

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
