import { parseGroups } from '../../judge/groups.js';
import type { TestCase, TestGroup } from '../../judge/types.js';
import type { ArbiterSection } from './arbiter-section.js';
import { readGroupScoring } from './group-scoring.js';
import { MAX_PACKAGE_TESTS } from '../imported-problem.js';
import { groupOfFolder, hiddenByDefault } from '../kattis-layout.js';
import { checkedAsPackage, packageInvalid, packageUnsupported } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import { extensionOf } from '../reference-solutions.js';

/**
 * A Kattis package's tests: data/sample/ and data/secret/, each .in with its .ans, their
 * subfolders test groups (see kattis-layout.ts for the mapping) scored by group-scoring.ts.
 */

/** A test's input file: its folder under data/ and its name without the extension. */
export interface TestFile {
  folder: string;
  base: string;
}

/** The tests, samples first, and their groups when the package has any. */
export function readTestData(
  files: PackageFiles,
  arbiter: ArbiterSection,
): { tests: TestCase[]; groups?: TestGroup[] } {
  const { inputs, answers, settings } = listTestData(files);
  const withGroups =
    arbiter.groups.size > 0 ||
    [...settings].some((f) => f !== '') ||
    inputs.some((t) => t.folder !== 'sample' && t.folder !== 'secret' && !t.folder.startsWith('sample/'));
  const tests = inputs.map(({ folder, base }): TestCase => {
    const name = `${folder}/${base}`;
    if (!answers.has(name))
      throw packageInvalid(`data/${name}.ans`, `is missing (the answer of data/${name}.in)`);
    const test: TestCase = {
      name,
      stdin: files.text(`data/${name}.in`),
      expected: files.text(`data/${name}.ans`),
    };
    const hidden = arbiter.hidden.has(name) || (hiddenByDefault(folder) && !arbiter.visible.has(name));
    if (hidden) test.hidden = true;
    const own = arbiter.names.get(name);
    if (own === null) delete test.name;
    else if (own !== undefined) test.name = own;
    const weight = arbiter.weights.get(name);
    if (weight !== undefined) test.weight = weight;
    if (withGroups) test.group = groupOfFolder(folder);
    return test;
  });
  if (!withGroups) return { tests };
  const groups = readGroupScoring(files, tests, inputs, settings, arbiter);
  return { tests, groups: checkedAsPackage('data/', () => parseGroups(groups, tests)) };
}

/**
 * The files under data/: the tests' inputs (sorted), the answers there are, and the folders with
 * a testdata.yaml ('' for data/ itself). Refuses an answer without its input, and tests with files
 * Arbiter cannot give a run (.args, .files).
 */
function listTestData(files: PackageFiles): {
  inputs: TestFile[];
  answers: Set<string>;
  settings: Set<string>;
} {
  const inputs: TestFile[] = [];
  const answers = new Set<string>();
  const settings = new Set<string>();
  for (const path of files.under('data')) {
    const rest = path.slice('data/'.length);
    const slash = rest.lastIndexOf('/');
    const folder = slash < 0 ? '' : rest.slice(0, slash);
    const file = rest.slice(slash + 1);
    if (file === 'testdata.yaml') {
      settings.add(folder);
      continue;
    }
    const top = folder.split('/')[0];
    // data/invalid_input and the like are for input validators, which Arbiter does not run.
    if (top !== 'sample' && top !== 'secret') continue;
    const extension = extensionOf(file);
    const base = file.slice(0, file.length - extension.length - 1);
    if (extension === 'in') inputs.push({ folder, base });
    else if (extension === 'ans') answers.add(`${folder}/${base}`);
    // .interaction shows a sample's conversation in a statement: nothing to judge with.
    else if (['args', 'files'].includes(extension)) {
      throw packageUnsupported(path, `test cases with .${extension} files are not imported`);
    }
  }
  for (const answer of answers) {
    if (!inputs.some((t) => `${t.folder}/${t.base}` === answer)) {
      throw packageInvalid(`data/${answer}.in`, `is missing (data/${answer}.ans has no input)`);
    }
  }
  if (inputs.length === 0)
    throw packageInvalid('data/', 'has no test cases (data/sample/*.in, data/secret/*.in)');
  if (inputs.length > MAX_PACKAGE_TESTS) {
    throw packageInvalid('data/', `has ${inputs.length} test cases; at most ${MAX_PACKAGE_TESTS}`);
  }
  // Samples first, then secret, each in file name order (the Kattis format's order).
  inputs.sort(compareTestFiles);
  return { inputs, answers, settings };
}

function compareTestFiles(a: TestFile, b: TestFile): number {
  const x = `${a.folder}/${a.base}`;
  const y = `${b.folder}/${b.base}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
