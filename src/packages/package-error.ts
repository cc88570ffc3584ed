import { ArbiterError, isArbiterError } from '../errors.js';

/**
 * The errors of a package import, each naming the file at fault (and the line, where the file is
 * YAML or XML), so an author can fix the package without guessing: `problem.yaml:3: …`.
 */
export function packageInvalid(file: string, message: string, line?: number): ArbiterError {
  return new ArbiterError('PACKAGE_INVALID', `${where(file, line)}: ${message}`);
}

/** A package feature Arbiter does not import; names the file that uses it. */
export function packageUnsupported(file: string, message: string, line?: number): ArbiterError {
  return new ArbiterError('PACKAGE_UNSUPPORTED', `${where(file, line)}: ${message}`);
}

/**
 * `check()`'s result; its INVALID_INPUT (a judge-side check of a checker, an interactor or the
 * groups the package makes) as PACKAGE_INVALID naming `file`, the package's file at fault.
 */
export function checkedAsPackage<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (isArbiterError(error, 'INVALID_INPUT')) throw packageInvalid(file, error.message);
    throw error;
  }
}

function where(file: string, line?: number): string {
  return line === undefined ? file : `${file}:${line}`;
}
