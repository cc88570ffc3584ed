import { ArbiterError } from '../errors.js';
import { CUSTOM_CHECKER_MAX_SOURCE_BYTES, parseCheckerFiles, PROBLEM_CHECKER_BOUNDS } from './checkers.js';
import { CHECKER_PROTOCOLS, type CheckerProtocol, type InteractorSpec } from './types.js';

/** Largest interactor source accepted, in bytes of UTF-8: a custom checker's limit (64 KiB). */
export const INTERACTOR_MAX_SOURCE_BYTES = CUSTOM_CHECKER_MAX_SOURCE_BYTES;
/** Source and files together: a problem's checker's bound (1 MiB), room for testlib.h (about 200 KiB). */
export const INTERACTOR_MAX_TOTAL_BYTES = PROBLEM_CHECKER_BOUNDS.maxSourceBytes;

/** Longest language id accepted; ids are short words like "python3". */
const MAX_LANGUAGE_LENGTH = 64;

/** The fields an interactor may have. */
const INTERACTOR_KEYS = ['language', 'source', 'protocol', 'files'];

/**
 * Validates a problem's `interactor` (parsed JSON): `{ language, source, protocol?, files? }` and
 * nothing else, as a custom checker's fields are checked (`files`: headers such as testlib.h, a
 * checker's bounds). Whether the language is installed is asked when a submission is made, as for
 * a checker.
 */
export function parseInteractor(input: unknown): InteractorSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('interactor must be an object with language and source');
  }
  const fields = input as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!INTERACTOR_KEYS.includes(key)) {
      throw invalid(
        `interactor.${key} is not an option (an interactor has language, source, protocol and files)`,
      );
    }
  }
  const { language, source, protocol } = fields;
  if (typeof language !== 'string' || language.trim() === '') {
    throw invalid('interactor.language must be a non-empty language id');
  }
  if (language.length > MAX_LANGUAGE_LENGTH) {
    throw invalid(`interactor.language is longer than ${MAX_LANGUAGE_LENGTH} characters`);
  }
  if (typeof source !== 'string' || source === '') {
    throw invalid("interactor.source must be the interactor program's non-empty source");
  }
  if (
    protocol !== undefined &&
    (typeof protocol !== 'string' || !(CHECKER_PROTOCOLS as readonly string[]).includes(protocol))
  ) {
    throw invalid(`interactor.protocol must be one of ${CHECKER_PROTOCOLS.join(', ')}`);
  }
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > INTERACTOR_MAX_SOURCE_BYTES) {
    throw invalid(
      `interactor.source is ${bytes} bytes; the limit is ${INTERACTOR_MAX_SOURCE_BYTES} bytes (64 KiB)`,
    );
  }
  const files = parseCheckerFiles(fields.files, 'interactor.files');
  const total = (files ?? []).reduce((sum, f) => sum + Buffer.byteLength(f.content, 'utf8'), bytes);
  if (total > INTERACTOR_MAX_TOTAL_BYTES) {
    throw invalid(
      `interactor.source and interactor.files are ${total} bytes; the limit is ${INTERACTOR_MAX_TOTAL_BYTES} bytes (1 MiB)`,
    );
  }
  const spec: InteractorSpec = { language: language.trim(), source };
  if (protocol !== undefined) spec.protocol = protocol as CheckerProtocol;
  if (files) spec.files = files;
  return spec;
}

function invalid(message: string): ArbiterError {
  return new ArbiterError('INVALID_INPUT', message);
}
