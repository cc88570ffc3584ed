import type { ImportedProblem } from './imported-problem.js';
import { readArbiterSection } from './kattis/arbiter-section.js';
import { readChecker } from './kattis/checker.js';
import { readIncludes } from './kattis/includes.js';
import { isInteractive, readInteractor } from './kattis/interactor.js';
import { readLimits, readTitle, refuseUnsupported } from './kattis/problem-yaml.js';
import { readSubmissions } from './kattis/submissions.js';
import { readTestData } from './kattis/test-data.js';
import { KATTIS_MARKER } from './kattis-layout.js';
import type { PackageFiles } from './package-files.js';
import { YamlFile } from './yaml-file.js';

/**
 * Imports a Kattis (ICPC) problem package: problem.yaml, data/sample and data/secret (their
 * subfolders test groups, each folder's testdata.yaml its scoring), an output validator, and
 * submissions/<verdict>/ as reference solutions, an interactive validator as the interactor and
 * include/ as the problem's files and graders. Each part is read by its module in kattis/; what is
 * read and how it maps is in docs/problems.md, "Problem packages"; what is refused is refused with
 * PACKAGE_UNSUPPORTED naming the file, never skipped in silence.
 */
export function importKattisPackage(files: PackageFiles): ImportedProblem {
  const yaml = YamlFile.read(files, KATTIS_MARKER);
  const arbiter = readArbiterSection(yaml);
  refuseUnsupported(files, yaml, arbiter);
  const { tests, groups } = readTestData(files, arbiter);
  const solutions = readSubmissions(files, arbiter);
  const problem: ImportedProblem = {
    format: 'kattis',
    title: readTitle(yaml, files.folder),
    tests,
    solutions,
  };
  if (files.folder !== undefined) problem.name = files.folder;
  if (groups) problem.groups = groups;
  const limits = readLimits(files, yaml, arbiter);
  if (limits) problem.limits = limits;
  if (isInteractive(yaml)) problem.interactor = readInteractor(files, yaml, arbiter);
  else {
    const checker = readChecker(files, yaml, arbiter);
    if (checker) problem.checker = checker;
  }
  Object.assign(problem, readIncludes(files, arbiter));
  if (arbiter.feedback) problem.feedback = arbiter.feedback;
  if (arbiter.type) problem.type = arbiter.type;
  return problem;
}
