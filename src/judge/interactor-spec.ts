import { ArbiterError } from '../errors.js';
import { CUSTOM_CHECKER_MAX_SOURCE_BYTES } from './checkers.js';
import type { InteractorSpec } from './types.js';

/** Largest interactor source accepted, in bytes of UTF-8: a custom checker's limit (64 KiB). */
export const INTERACTOR_MAX_SOURCE_BYTES = CUSTOM_CHECKER_MAX_SOURCE_BYTES;

/** Longest language id accepted; ids are short words like "python3". */
const MAX_LANGUAGE_LENGTH = 64;

/**
 * Validates a problem's `interactor` (parsed JSON): `{ language, source }` and nothing else, as a
 * custom checker's fields are checked. Whether the language is installed is asked when a
 * submission is made, as for a checker.
 */
export function parseInteractor(input: unknown): InteractorSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('interactor must be an object with language and source');
  }
  const fields = input as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'language' && key !== 'source') {
      throw invalid(`interactor.${key} is not an option (an interactor has language and source)`);
    }
  }
  const { language, source } = fields;
  if (typeof language !== 'string' || language.trim() === '') {
    throw invalid('interactor.language must be a non-empty language id');
  }
  if (language.length > MAX_LANGUAGE_LENGTH) {
    throw invalid(`interactor.language is longer than ${MAX_LANGUAGE_LENGTH} characters`);
  }
  if (typeof source !== 'string' || source === '') {
    throw invalid("interactor.source must be the interactor program's non-empty source");
  }
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > INTERACTOR_MAX_SOURCE_BYTES) {
    throw invalid(
      `interactor.source is ${bytes} bytes; the limit is ${INTERACTOR_MAX_SOURCE_BYTES} bytes (64 KiB)`,
    );
  }
  return { language: language.trim(), source };
}

function invalid(message: string): ArbiterError {
  return new ArbiterError('INVALID_INPUT', message);
}
