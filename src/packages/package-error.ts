import { ArbiterError } from '../errors.js';

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

function where(file: string, line?: number): string {
  return line === undefined ? file : `${file}:${line}`;
}
