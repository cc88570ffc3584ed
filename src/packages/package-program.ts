import { parseChecker, PROBLEM_CHECKER_BOUNDS } from '../judge/checkers.js';
import { parseInteractor } from '../judge/interactor-spec.js';
import type { CheckerProtocol, CheckerSpec, InteractorSpec } from '../judge/types.js';
import { checkedAsPackage } from './package-error.js';

/**
 * A program a package brings to judge with (a Kattis output validator, a Polygon checker or
 * interactor), made into the problem's custom checker or interactor the way the API would check
 * one, its faults naming the program's file.
 */

/** A package's checker or interactor program: one source file and the headers beside it. */
export interface PackageProgram {
  /** The source's path in the package, named by any error. */
  path: string;
  /** Undefined when neither the package nor the file's extension says it (parseChecker refuses). */
  language: string | undefined;
  source: string;
  headers: { name: string; content: string }[];
}

/** The program as the problem's custom checker, within a problem checker's bounds. */
export function customCheckerOf(program: PackageProgram, protocol: CheckerProtocol): CheckerSpec {
  return checkedAsPackage(program.path, () =>
    parseChecker({ type: 'custom', ...programFields(program, protocol) }, PROBLEM_CHECKER_BOUNDS),
  );
}

/** The program as the problem's interactor. */
export function interactorOf(program: PackageProgram, protocol: CheckerProtocol): InteractorSpec {
  return checkedAsPackage(program.path, () => parseInteractor(programFields(program, protocol)));
}

/** The fields a checker and an interactor share, `files` only when there are headers. */
function programFields(program: PackageProgram, protocol: CheckerProtocol) {
  return {
    language: program.language,
    source: program.source,
    protocol,
    ...(program.headers.length > 0 ? { files: program.headers } : {}),
  };
}
