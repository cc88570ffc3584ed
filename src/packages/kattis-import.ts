import { isArbiterError } from '../errors.js';
import { parseChecker, PROBLEM_CHECKER_BOUNDS } from '../judge/checkers.js';
import { parseGroups } from '../judge/groups.js';
import { parseInteractor } from '../judge/interactor-spec.js';
import {
  CHECKER_PROTOCOLS,
  FEEDBACK_LEVELS,
  GROUP_AGGREGATIONS,
  type CheckerProtocol,
  type CheckerSpec,
  type Feedback,
  type GroupAggregation,
  type InteractorSpec,
  type TestCase,
  type TestGroup,
} from '../judge/types.js';
import { LIMIT_NAMES, type RunLimits } from '../sandbox/limits.js';
import type { ProblemFile, ProblemGrader, ReferenceSolution } from '../store/types.js';
import { MAX_PACKAGE_TESTS, MAX_TITLE_LENGTH, type ImportedProblem } from './imported-problem.js';
import { ARBITER_SECTION, COMPILED_EXTENSIONS, groupOfFolder, hiddenByDefault } from './kattis-layout.js';
import { packageInvalid, packageUnsupported } from './package-error.js';
import type { PackageFiles } from './package-files.js';
import {
  checkSolutionCount,
  extensionOf,
  languageOfFile,
  referenceSolution,
  verdictOfFolder,
} from './reference-solutions.js';
import { describeValue, YamlFile } from './yaml-file.js';

/**
 * Imports a Kattis (ICPC) problem package: problem.yaml, data/sample and data/secret (their
 * subfolders test groups, each folder's testdata.yaml its scoring), an output validator, and
 * submissions/<verdict>/ as reference solutions, an interactive validator as the interactor and
 * include/ as the problem's files and graders. What is read and how it maps is in
 * docs/problems.md, "Problem packages"; what is refused is refused with PACKAGE_UNSUPPORTED naming
 * the file, never skipped in silence.
 */

/** The file that makes a package a Kattis one. */
export const KATTIS_MARKER = 'problem.yaml';

/** Extra arguments of the default output validator (problem.yaml validator_flags) Arbiter maps. */
const FLOAT_FLAGS = ['float_tolerance', 'float_absolute_tolerance', 'float_relative_tolerance'] as const;

/** Grader flags that only pick which failing verdict is reported, or drop samples: nothing to map. */
const IGNORED_GRADER_FLAGS = new Set(['first_error', 'worst_error', 'ignore_sample']);

/** Header files beside an output validator's source. */
const HEADER_EXTENSIONS = new Set(['h', 'hpp', 'hh']);

/** Files beside an output validator that are documentation, not code. */
const DOC_FILE = /^(readme|license|copying)(\.[a-z]+)?$|\.(md|txt)$/i;

/** Kattis's language folder names under include/ that Arbiter's ids spell otherwise. */
const KATTIS_LANGUAGE_IDS: Readonly<Record<string, string>> = Object.freeze({
  'c++': 'cpp',
  python: 'python3',
});

/** A language id, as the registry spells them. */
const LANGUAGE_ID = /^[a-z0-9][a-z0-9+#._-]{0,63}$/;

/** Most entries in one list or map of the arbiter section. */
const MAX_SECTION_ENTRIES = MAX_PACKAGE_TESTS;

/** Arbiter's own settings in problem.yaml, written by the export so that nothing is lost. */
interface ArbiterSection {
  feedback?: Feedback;
  limits?: Partial<RunLimits>;
  /** A built-in checker, where the Kattis default validator's flags cannot say it. */
  checker?: CheckerSpec;
  /** A custom checker's protocol, when it is not the Kattis one. */
  checkerProtocol?: CheckerProtocol;
  /** A custom checker's language, when its extension does not say it. */
  checkerLanguage?: string;
  /** Paths of include/ files students see (Arbiter's `visible`); the rest are hidden. */
  visibleFiles: Set<string>;
  /** Paths of include/default/ files that are data, not sources to compile, whatever their extension. */
  plainFiles: Set<string>;
  /** `output-only`: the problem is (Arbiter's export of a problem whose submissions are outputs). */
  type?: 'output-only';
  /** An output-only problem's test names by their path under data/ (null: the test has none). */
  names: Map<string, string | null>;
  /** Each grader's entry and source file name (include/<language>/ cannot say them). */
  graders: Map<string, { entry?: string; sourceFile?: string }>;
  groups: Map<string, { aggregation?: GroupAggregation; dependsOn?: string[] }>;
  weights: Map<string, number>;
  visible: Set<string>;
  hidden: Set<string>;
  languages: Map<string, string>;
}

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
  readIncludes(files, arbiter, problem);
  if (arbiter.feedback) problem.feedback = arbiter.feedback;
  if (arbiter.type) problem.type = arbiter.type;
  return problem;
}

/** Multi-pass and (other than Arbiter's own) submit-answer problems, graders/: refused, naming the file. */
function refuseUnsupported(files: PackageFiles, yaml: YamlFile, arbiter: ArbiterSection): void {
  const type = yaml.get('type');
  const types = typeof type === 'string' ? type.split(/\s+/) : Array.isArray(type) ? type : [];
  if (type !== undefined && typeof type !== 'string' && !Array.isArray(type)) {
    throw yaml.invalid(['type'], `must be text or a list; got ${describeValue(type)}`);
  }
  for (const word of ['multi-pass', 'submit-answer']) {
    // Arbiter's own export of an output-only problem says submit-answer, and how in `arbiter`.
    if (word === 'submit-answer' && arbiter.type === 'output-only') continue;
    if (types.includes(word)) {
      throw packageUnsupported(
        KATTIS_MARKER,
        `${word} problems are not imported yet (type: ${word})`,
        yaml.lineOf('type'),
      );
    }
  }
  const [grader] = files.under('graders');
  if (grader !== undefined) {
    throw packageUnsupported(
      grader,
      'custom graders (graders/) are not imported; use testdata.yaml scoring instead',
    );
  }
}

/** Interactive: `validation: custom interactive` (legacy) or `type: interactive` (2023 format). */
function isInteractive(yaml: YamlFile): boolean {
  const type = yaml.get('type');
  const types = typeof type === 'string' ? type.split(/\s+/) : Array.isArray(type) ? type : [];
  return (
    types.includes('interactive') ||
    (yaml.string('validation')?.split(/\s+/).includes('interactive') ?? false)
  );
}

/**
 * An interactive problem's output validator as its interactor, run the Kattis way (its stdin the
 * program's stdout, its stdout the program's stdin, exit 42/43) unless the arbiter section says
 * testlib (Arbiter's export of a testlib interactor).
 */
function readInteractor(files: PackageFiles, yaml: YamlFile, arbiter: ArbiterSection): InteractorSpec {
  const validator = readValidatorProgram(files, yaml, arbiter);
  if (validator === undefined) {
    throw packageInvalid(
      KATTIS_MARKER,
      'is interactive, but output_validators/ has no validator to talk with submissions',
      yaml.lineOf('validation') ?? yaml.lineOf('type'),
    );
  }
  try {
    return parseInteractor({
      language: validator.language,
      source: validator.source,
      protocol: arbiter.checkerProtocol ?? 'kattis',
      ...(validator.headers.length > 0 ? { files: validator.headers } : {}),
    });
  } catch (error) {
    if (isArbiterError(error, 'INVALID_INPUT')) throw packageInvalid(validator.path, error.message);
    throw error;
  }
}

/**
 * include/: files Kattis puts beside every submission. include/default/ (every language) becomes
 * the problem's `files`, include/<language>/ that language's grader: its sources compiled with the
 * student's (as Kattis compiles every source of the directory), its other files beside it. Not
 * expressible, so refused naming the file: a source in include/default/ (Kattis compiles it with
 * every submission of its language; move it to include/<language>/), a file right in include/.
 * A problem with include/<language>/ folders takes only those languages (see docs/problems.md).
 */
function readIncludes(files: PackageFiles, arbiter: ArbiterSection, problem: ImportedProblem): void {
  const defaults: ProblemFile[] = [];
  const graders: Record<string, ProblemGrader> = {};
  for (const path of files.under('include')) {
    const parts = path.split('/');
    if (parts.length < 3) {
      throw packageUnsupported(
        path,
        'lies right in include/; put it in include/default/ or include/<language>/',
      );
    }
    const folder = parts[1]!;
    const name = parts.slice(2).join('/');
    const file = problemFileOf(files, path, name);
    if (arbiter.visibleFiles.has(path)) file.visible = true;
    if (folder === 'default') {
      if (COMPILED_EXTENSIONS.has(extensionOf(name)) && !arbiter.plainFiles.has(path)) {
        throw packageUnsupported(
          path,
          'is a source Kattis compiles with every submission of its language; Arbiter compiles sources per language: move it to include/<language>/',
        );
      }
      defaults.push(file);
      continue;
    }
    if (!LANGUAGE_ID.test(folder)) throw packageUnsupported(`include/${folder}/`, 'is not a language id');
    const language = KATTIS_LANGUAGE_IDS[folder] ?? folder;
    (graders[language] ??= { files: [] }).files.push(file);
  }
  for (const [language, settings] of arbiter.graders) {
    const grader = graders[language];
    if (!grader) {
      throw packageInvalid(
        KATTIS_MARKER,
        `arbiter.graders.${language}: the package has no include/${language}/`,
      );
    }
    if (settings.entry !== undefined) grader.entry = settings.entry;
    if (settings.sourceFile !== undefined) grader.sourceFile = settings.sourceFile;
  }
  if (defaults.length > 0) problem.files = defaults;
  if (Object.keys(graders).length > 0) problem.graders = graders;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A package file as a problem file: text when it is UTF-8, else its bytes as base64. */
function problemFileOf(files: PackageFiles, path: string, name: string): ProblemFile {
  const data = files.bytes(path);
  try {
    return { name, content: UTF8.decode(data) };
  } catch {
    return { name, content: Buffer.from(data).toString('base64'), encoding: 'base64' };
  }
}

function readTitle(yaml: YamlFile, folder: string | undefined): string {
  const name = yaml.get('name');
  let title: string | undefined;
  if (typeof name === 'string') title = name;
  else if (name && typeof name === 'object' && !Array.isArray(name)) {
    // A name per language: English when there is one, else the first.
    const byLanguage = name as Record<string, unknown>;
    const chosen = byLanguage.en ?? Object.values(byLanguage)[0];
    if (typeof chosen !== 'string') throw yaml.invalid(['name'], 'must give each language a text name');
    title = chosen;
  } else if (name !== undefined && name !== null) {
    throw yaml.invalid(['name'], `must be text or a map of languages to text; got ${describeValue(name)}`);
  }
  title = title?.trim() || folder || 'Untitled problem';
  if (title.length > MAX_TITLE_LENGTH)
    throw yaml.invalid(['name'], `is longer than ${MAX_TITLE_LENGTH} characters`);
  return title;
}

/**
 * Limits: the arbiter section's, whole, when there is one (Arbiter's export); otherwise
 * limits.time_limit (seconds, the 2023 format) or the .timelimit file (problemtools writes it),
 * limits.memory and limits.output (MiB). The time limit is CPU time; the wall limit is twice it
 * plus a second, for a shared machine. Kattis's time_multiplier and time_safety_margin are for a
 * tool that derives the limit from the reference solutions' times: Arbiter takes the limit as
 * given, and its verification checks that the time_limit_exceeded solutions exceed it.
 */
function readLimits(
  files: PackageFiles,
  yaml: YamlFile,
  arbiter: ArbiterSection,
): Partial<RunLimits> | undefined {
  if (arbiter.limits) return arbiter.limits;
  const limits: Partial<RunLimits> = {};
  let seconds = yaml.number(['limits', 'time_limit']);
  if (seconds === undefined && files.has('.timelimit')) {
    const text = files.text('.timelimit').trim();
    seconds = Number(text);
    if (!(Number.isFinite(seconds) && seconds > 0)) {
      throw packageInvalid(
        '.timelimit',
        `must hold a number of seconds > 0; got ${JSON.stringify(text.slice(0, 40))}`,
        1,
      );
    }
  }
  if (seconds !== undefined) {
    limits.cpuMs = Math.ceil(seconds * 1000);
    limits.wallMs = limits.cpuMs * 2 + 1000;
  }
  const memory = yaml.number(['limits', 'memory']);
  if (memory !== undefined) limits.memoryKb = Math.ceil(memory * 1024);
  const output = yaml.number(['limits', 'output']);
  if (output !== undefined) limits.outputKb = Math.ceil(output * 1024);
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** The checker: the output validator (custom validation), else the default validator's flags. */
function readChecker(files: PackageFiles, yaml: YamlFile, arbiter: ArbiterSection): CheckerSpec | undefined {
  const words = yaml.string('validation')?.split(/\s+/) ?? [];
  const hasValidator = files.hasFolder('output_validator') || files.hasFolder('output_validators');
  const custom = words.includes('custom') || (words.length === 0 && hasValidator);
  if (!custom) {
    if (arbiter.checker) return arbiter.checker;
    const flags = yaml.string('validator_flags');
    return flags === undefined ? undefined : checkerOfFlags(yaml, flags);
  }
  const validator = readValidatorProgram(files, yaml, arbiter);
  if (validator === undefined) {
    throw packageInvalid(
      KATTIS_MARKER,
      'asks for a custom output validator, but output_validators/ is empty',
      yaml.lineOf('validation'),
    );
  }
  try {
    return parseChecker(
      {
        type: 'custom',
        language: validator.language,
        source: validator.source,
        protocol: arbiter.checkerProtocol ?? 'kattis',
        ...(validator.headers.length > 0 ? { files: validator.headers } : {}),
      },
      PROBLEM_CHECKER_BOUNDS,
    );
  } catch (error) {
    if (isArbiterError(error, 'INVALID_INPUT')) throw packageInvalid(validator.path, error.message);
    throw error;
  }
}

/** The output validator's program, as a custom checker or an interactor runs it. */
interface ValidatorProgram {
  path: string;
  language: string | undefined;
  source: string;
  headers: { name: string; content: string }[];
}

/**
 * The one output validator in output_validator/ or output_validators/[<name>/]: its one source file
 * (language by extension, or the arbiter section's checkerLanguage) and its headers; undefined when
 * there is none. Custom validator_flags are refused: Arbiter does not pass them on.
 */
function readValidatorProgram(
  files: PackageFiles,
  yaml: YamlFile,
  arbiter: ArbiterSection,
): ValidatorProgram | undefined {
  const folder = files.hasFolder('output_validator')
    ? 'output_validator'
    : files.hasFolder('output_validators')
      ? 'output_validators'
      : undefined;
  if (folder === undefined) return undefined;
  const flags = yaml.string('validator_flags');
  if (flags !== undefined && flags.trim() !== '') {
    throw packageUnsupported(
      KATTIS_MARKER,
      'validator_flags for a custom output validator are not passed on',
      yaml.lineOf('validator_flags'),
    );
  }
  let paths = files.under(folder);
  // The legacy layout has one folder per validator: output_validators/<name>/...
  if (folder === 'output_validators') {
    const subfolders = new Set(
      paths
        .map((p) => p.split('/'))
        .filter((p) => p.length > 2)
        .map((p) => p[1]),
    );
    if (subfolders.size > 1) {
      throw packageUnsupported(`${folder}/`, `holds ${subfolders.size} output validators; Arbiter runs one`);
    }
    const [only] = subfolders;
    if (only !== undefined) paths = files.under(`${folder}/${only}`);
  }
  const sources: string[] = [];
  const headers: { name: string; content: string }[] = [];
  const base = paths[0]!.slice(0, paths[0]!.lastIndexOf('/'));
  for (const path of paths) {
    const name = path.slice(base.length + 1);
    if (name.includes('/'))
      throw packageUnsupported(path, 'an output validator in nested folders is not imported');
    if (HEADER_EXTENSIONS.has(extensionOf(name))) headers.push({ name, content: files.text(path) });
    else if (languageOfFile(name) !== undefined || (arbiter.checkerLanguage && !DOC_FILE.test(name))) {
      sources.push(path);
    } else if (!DOC_FILE.test(name)) {
      throw packageUnsupported(path, 'is neither a source file nor a header; build scripts are not run');
    }
  }
  if (sources.length !== 1) {
    throw packageUnsupported(
      `${base}/`,
      sources.length === 0
        ? 'has no source file Arbiter knows the language of'
        : `has ${sources.length} source files; Arbiter compiles one`,
    );
  }
  const path = sources[0]!;
  return {
    path,
    language: arbiter.checkerLanguage ?? languageOfFile(path),
    source: files.text(path),
    headers,
  };
}

/**
 * The default validator's flags as a built-in checker. Kattis compares tokens, case-insensitively
 * unless case_sensitive; Arbiter's tokens checker is case-sensitive always (a package whose answers
 * differ from its accepted solutions' only in case fails verification, which says so).
 */
function checkerOfFlags(yaml: YamlFile, flags: string): CheckerSpec {
  const words = flags.trim().split(/\s+/).filter(Boolean);
  const tolerances: Partial<Record<(typeof FLOAT_FLAGS)[number], number>> = {};
  let spaces = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === 'case_sensitive') continue;
    if (word === 'space_change_sensitive') {
      spaces = true;
      continue;
    }
    if ((FLOAT_FLAGS as readonly string[]).includes(word)) {
      const value = Number(words[++i]);
      if (!(Number.isFinite(value) && value >= 0))
        throw yaml.invalid(['validator_flags'], `${word} needs a number >= 0`);
      tolerances[word as (typeof FLOAT_FLAGS)[number]] = value;
      continue;
    }
    throw packageUnsupported(
      KATTIS_MARKER,
      `validator_flags: ${word} is not a flag Arbiter maps`,
      yaml.lineOf('validator_flags'),
    );
  }
  const both = tolerances.float_tolerance;
  const absolute = tolerances.float_absolute_tolerance ?? both;
  const relative = tolerances.float_relative_tolerance ?? both;
  if (absolute !== undefined || relative !== undefined) {
    const spec: CheckerSpec = { type: 'float' };
    if (absolute !== undefined) spec.absolute = absolute;
    if (relative !== undefined) spec.relative = relative;
    return spec;
  }
  return spaces ? { type: 'exact' } : { type: 'tokens' };
}

interface TestFile {
  folder: string;
  base: string;
}

/** Tests and groups from data/sample and data/secret; see kattis-layout.ts for the mapping. */
function readTestData(
  files: PackageFiles,
  arbiter: ArbiterSection,
): { tests: TestCase[]; groups?: TestGroup[] } {
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
  inputs.sort((a, b) => compareTestFiles(a, b));
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
  const groups = readGroups(files, tests, inputs, settings, arbiter);
  try {
    return { tests, groups: parseGroups(groups, tests) };
  } catch (error) {
    if (isArbiterError(error, 'INVALID_INPUT')) throw packageInvalid('data/', error.message);
    throw error;
  }
}

function compareTestFiles(a: TestFile, b: TestFile): number {
  const x = `${a.folder}/${a.base}`;
  const y = `${b.folder}/${b.base}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Each group's points and aggregation from the testdata.yaml of its folder (or the nearest above). */
function readGroups(
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
  const groups: TestGroup[] = [];
  for (const [id, folder] of folderOf) {
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

/** submissions/<verdict>/<file>: one source file each. */
function readSubmissions(files: PackageFiles, arbiter: ArbiterSection): ReferenceSolution[] {
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

/** problem.yaml's `arbiter` section, each field checked as hostile input. */
function readArbiterSection(yaml: YamlFile): ArbiterSection {
  const section: ArbiterSection = {
    groups: new Map(),
    weights: new Map(),
    visible: new Set(),
    hidden: new Set(),
    languages: new Map(),
    visibleFiles: new Set(),
    plainFiles: new Set(),
    names: new Map(),
    graders: new Map(),
  };
  const raw = yaml.get(ARBITER_SECTION);
  if (raw === undefined || raw === null) return section;
  const at = (...keys: (string | number)[]) => [ARBITER_SECTION, ...keys];
  const map = (value: unknown, keys: (string | number)[]): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw yaml.invalid(keys, `must be a mapping; got ${describeValue(value)}`);
    }
    if (Object.keys(value).length > MAX_SECTION_ENTRIES)
      throw yaml.invalid(keys, `has more than ${MAX_SECTION_ENTRIES} entries`);
    return value as Record<string, unknown>;
  };
  const fields = map(raw, at());
  for (const [key, value] of Object.entries(fields)) {
    switch (key) {
      case 'feedback':
        if (!(FEEDBACK_LEVELS as readonly unknown[]).includes(value)) {
          throw yaml.invalid(at(key), `must be one of ${FEEDBACK_LEVELS.join(', ')}`);
        }
        section.feedback = value as Feedback;
        break;
      case 'limits': {
        const limits: Partial<RunLimits> = {};
        for (const [name, amount] of Object.entries(map(value, at(key)))) {
          if (!(LIMIT_NAMES as readonly string[]).includes(name))
            throw yaml.invalid(at(key, name), 'is not a limit');
          if (!(Number.isSafeInteger(amount) && (amount as number) > 0)) {
            throw yaml.invalid(at(key, name), 'must be a whole number > 0');
          }
          limits[name as keyof RunLimits] = amount as number;
        }
        section.limits = limits;
        break;
      }
      case 'checker': {
        const type = (value as { type?: unknown } | null)?.type;
        if (type === 'custom')
          throw yaml.invalid(at(key), 'must be a built-in checker (a custom one is output_validators/)');
        try {
          section.checker = parseChecker(value);
        } catch (error) {
          if (isArbiterError(error, 'INVALID_INPUT'))
            throw yaml.invalid(at(key), `is not a checker: ${error.message}`);
          throw error;
        }
        break;
      }
      case 'checkerProtocol':
        if (!(CHECKER_PROTOCOLS as readonly unknown[]).includes(value)) {
          throw yaml.invalid(at(key), `must be one of ${CHECKER_PROTOCOLS.join(', ')}`);
        }
        section.checkerProtocol = value as CheckerProtocol;
        break;
      case 'checkerLanguage':
        section.checkerLanguage = languageId(yaml, at(key), value);
        break;
      case 'groups':
        for (const [id, settings] of Object.entries(map(value, at(key)))) {
          const group: { aggregation?: GroupAggregation; dependsOn?: string[] } = {};
          for (const [name, setting] of Object.entries(map(settings, at(key, id)))) {
            if (name === 'aggregation') {
              if (!(GROUP_AGGREGATIONS as readonly unknown[]).includes(setting)) {
                throw yaml.invalid(at(key, id, name), `must be one of ${GROUP_AGGREGATIONS.join(', ')}`);
              }
              group.aggregation = setting as GroupAggregation;
            } else if (name === 'dependsOn') {
              group.dependsOn = stringList(yaml, at(key, id, name), setting);
            } else throw yaml.invalid(at(key, id, name), 'is not a group setting (aggregation, dependsOn)');
          }
          section.groups.set(id, group);
        }
        break;
      case 'weights':
        for (const [name, weight] of Object.entries(map(value, at(key)))) {
          if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
            throw yaml.invalid(at(key, name), 'must be a number >= 0');
          }
          section.weights.set(name, weight);
        }
        break;
      case 'visible':
      case 'hidden':
        for (const name of stringList(yaml, at(key), value)) section[key].add(name);
        break;
      case 'type':
        if (value !== 'output-only') throw yaml.invalid(at(key), 'must be output-only');
        section.type = value;
        break;
      case 'names':
        for (const [path, name] of Object.entries(map(value, at(key)))) {
          if (name !== null && !(typeof name === 'string' && name.length > 0 && name.length <= 300))
            throw yaml.invalid(at(key, path), 'must be a test name or null');
          section.names.set(path, name);
        }
        break;
      case 'visibleFiles':
      case 'plainFiles':
        for (const name of stringList(yaml, at(key), value)) section[key].add(name);
        break;
      case 'graders':
        for (const [language, settings] of Object.entries(map(value, at(key)))) {
          const grader: { entry?: string; sourceFile?: string } = {};
          for (const [name, setting] of Object.entries(map(settings, at(key, language)))) {
            if (name !== 'entry' && name !== 'sourceFile')
              throw yaml.invalid(at(key, language, name), 'is not a grader setting (entry, sourceFile)');
            if (typeof setting !== 'string' || setting.length === 0 || setting.length > 255)
              throw yaml.invalid(at(key, language, name), 'must be a file name');
            grader[name] = setting;
          }
          section.graders.set(languageId(yaml, at(key, language), language), grader);
        }
        break;
      case 'languages':
        for (const [name, language] of Object.entries(map(value, at(key)))) {
          section.languages.set(name, languageId(yaml, at(key, name), language));
        }
        break;
      default:
        throw yaml.invalid(at(key), 'is not an Arbiter setting');
    }
  }
  return section;
}

function stringList(yaml: YamlFile, keys: (string | number)[], value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length > 300)) {
    throw yaml.invalid(keys, 'must be a list of names');
  }
  if (value.length > MAX_SECTION_ENTRIES)
    throw yaml.invalid(keys, `has more than ${MAX_SECTION_ENTRIES} entries`);
  return value as string[];
}

function languageId(yaml: YamlFile, keys: (string | number)[], value: unknown): string {
  if (typeof value !== 'string' || !LANGUAGE_ID.test(value))
    throw yaml.invalid(keys, 'must be a language id');
  return value;
}
