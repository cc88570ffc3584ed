import type { ReferenceSolution } from '../../store/types.js';
import type { ArbiterSection } from './arbiter-section.js';
import { packageUnsupported } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import {
  checkSolutionCount,
  languageOfFile,
  referenceSolution,
  verdictOfFolder,
} from '../reference-solutions.js';

/**
 * A Kattis package's reference solutions: submissions/<verdict>/<file>, one source file each, its
 * language by extension unless the arbiter section names it.
 */
export function readSubmissions(files: PackageFiles, arbiter: ArbiterSection): ReferenceSolution[] {
  const solutions: ReferenceSolution[] = [];
  for (const path of files.under('submissions')) {
    const parts = path.split('/');
    if (parts.length === 2) continue; // a README beside the folders
    const folder = parts[1]!;
    const expected = verdictOfFolder(folder);
    if (expected === undefined) {
      throw packageUnsupported(
        `submissions/${folder}/`,
        'is not a verdict Arbiter verifies (accepted, wrong_answer, time_limit_exceeded, run_time_error, memory_limit_exceeded, rejected, partially_accepted)',
      );
    }
    if (parts.length > 3) throw packageUnsupported(path, 'submissions of several files are not imported');
    const name = `${folder}/${parts[2]}`;
    solutions.push(
      referenceSolution(
        path,
        name,
        arbiter.languages.get(name) ?? languageOfFile(path),
        files.text(path),
        expected,
      ),
    );
  }
  checkSolutionCount(solutions, 'submissions/');
  return solutions;
}
