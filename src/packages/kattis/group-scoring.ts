import type { GroupAggregation, TestCase, TestGroup } from '../../judge/types.js';
import type { ArbiterSection } from './arbiter-section.js';
import type { TestFile } from './test-data.js';
import { packageInvalid, packageUnsupported } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import { YamlFile } from '../yaml-file.js';

/**
 * A Kattis package's groups, scored as the testdata.yaml files under data/ say: a folder's own
 * scoring.score, else accept_score (from the folder or the nearest folder above) per test, or once
 * for a min group; the aggregation from scoring.aggregation or the legacy grader_flags.
 */

/** Grader flags that only pick which failing verdict is reported, or drop samples: nothing to map. */
const IGNORED_GRADER_FLAGS = new Set(['first_error', 'worst_error', 'ignore_sample']);

/**
 * Each group's points and aggregation. `tests` are the package's (each with its group), `inputs`
 * their files in the same order, `settings` the folders that have a testdata.yaml.
 */
export function readGroupScoring(
  files: PackageFiles,
  tests: readonly TestCase[],
  inputs: readonly TestFile[],
  settings: ReadonlySet<string>,
  arbiter: ArbiterSection,
): TestGroup[] {
  const yamlOf = new Map<string, YamlFile>();
  const read = (folder: string): YamlFile | undefined => {
    if (!settings.has(folder)) return undefined;
    let file = yamlOf.get(folder);
    if (!file) {
      file = YamlFile.read(files, folder === '' ? 'data/testdata.yaml' : `data/${folder}/testdata.yaml`);
      yamlOf.set(folder, file);
    }
    return file;
  };
  /** The nearest testdata.yaml setting, from `folder` up to data/. */
  const inherited = (folder: string, pick: (file: YamlFile) => unknown): unknown => {
    for (
      let f: string | null = folder;
      f !== null;
      f = f === '' ? null : f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : ''
    ) {
      const file = read(f);
      const value = file ? pick(file) : undefined;
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const groups: TestGroup[] = [];
  for (const [id, folder] of groupFolders(tests, inputs)) {
    const aggregation = (arbiter.groups.get(id)?.aggregation ??
      inherited(folder, (f) => aggregationOf(f))) as GroupAggregation | undefined;
    const own = read(folder);
    const score = own?.number(['scoring', 'score'], { allowZero: true });
    const acceptScore = inherited(folder, (f) => f.number(['accept_score'], { allowZero: true })) as
      number | undefined;
    const count = tests.filter((t) => t.group === id).length;
    const points = score ?? (id === 'sample' ? 0 : (acceptScore ?? 1) * (aggregation === 'min' ? 1 : count));
    const group: TestGroup = { id, points };
    if (aggregation && aggregation !== 'sum') group.aggregation = aggregation;
    const dependsOn = arbiter.groups.get(id)?.dependsOn;
    if (dependsOn) group.dependsOn = dependsOn;
    groups.push(group);
  }
  return groups;
}

/** Each group's folder under data/, in test order; two folders that make one group are refused. */
function groupFolders(tests: readonly TestCase[], inputs: readonly TestFile[]): Map<string, string> {
  const folderOf = new Map<string, string>();
  for (const [i, test] of tests.entries()) {
    const group = test.group!;
    const folder = inputs[i]!.folder;
    const known = folderOf.get(group);
    if (known !== undefined && known !== folder && !folder.startsWith('sample')) {
      throw packageInvalid(
        `data/${folder}/`,
        `is group ${JSON.stringify(group)}, as data/${known}/ is: rename one`,
      );
    }
    if (known === undefined) folderOf.set(group, group === 'sample' ? 'sample' : folder);
  }
  return folderOf;
}

/** A testdata.yaml's aggregation: scoring.aggregation (2023 format) or grader_flags min/sum (legacy). */
function aggregationOf(file: YamlFile): GroupAggregation | undefined {
  const scoring = file.string('scoring', 'aggregation');
  if (scoring !== undefined) {
    if (scoring !== 'sum' && scoring !== 'min')
      throw file.invalid(['scoring', 'aggregation'], 'must be sum or min');
    return scoring;
  }
  const flags = file.string('grader_flags');
  if (flags === undefined) return undefined;
  let found: GroupAggregation | undefined;
  for (const word of flags.trim().split(/\s+/).filter(Boolean)) {
    if (word === 'min' || word === 'sum') found = word;
    else if (!IGNORED_GRADER_FLAGS.has(word)) {
      throw packageUnsupported(
        file.path,
        `grader_flags: ${word} is not a grading Arbiter maps (min, sum)`,
        file.lineOf('grader_flags'),
      );
    }
  }
  return found;
}
