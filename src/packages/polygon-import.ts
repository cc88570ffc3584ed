import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseGroups } from '../judge/groups.js';
import type { CheckerSpec, InteractorSpec, TestCase, TestGroup } from '../judge/types.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { ExpectedVerdict, ReferenceSolution } from '../store/types.js';
import { MAX_PACKAGE_TESTS, MAX_TITLE_LENGTH, PROBLEM_ID, type ImportedProblem } from './imported-problem.js';
import { testFolder } from './kattis-layout.js';
import { checkedAsPackage, packageInvalid, packageUnsupported } from './package-error.js';
import type { PackageFiles } from './package-files.js';
import { packageLimits } from './package-limits.js';
import { customCheckerOf, interactorOf, type PackageProgram } from './package-program.js';
import { checkSolutionCount, languageOfFile, referenceSolution } from './reference-solutions.js';
import { describeValue } from './yaml-file.js';

/**
 * Imports a Polygon package (a "full" package as Polygon builds it, or any zip of the same
 * layout): problem.xml, the tests' input and answer files (tests/NN and tests/NN.a by the
 * testset's path patterns), the checker, groups with points and dependencies, and tagged
 * solutions as reference solutions. Mapping and refusals: docs/problems.md, "Problem packages".
 */

/** The file that makes a package a Polygon one. */
export const POLYGON_MARKER = 'problem.xml';

/** Largest problem.xml read. */
const MAX_XML_BYTES = 1024 * 1024;

/**
 * Polygon's standard checkers that a built-in checker decides exactly alike. The others (lcmp,
 * ncmp, fcmp, yesno, hcmp, …) differ in some detail (lcmp compares line by line but ignores
 * spacing in a line, which no built-in does), so they run as the package's own testlib checker,
 * from the copy Polygon puts in files/check.cpp.
 */
const STANDARD_CHECKERS: Readonly<Record<string, CheckerSpec>> = Object.freeze({
  'std::wcmp.cpp': { type: 'tokens' },
  'std::rcmp4.cpp': { type: 'float', absolute: 1e-4, relative: 1e-4 },
  'std::rcmp6.cpp': { type: 'float', absolute: 1e-6, relative: 1e-6 },
  'std::rcmp9.cpp': { type: 'float', absolute: 1e-9, relative: 1e-9 },
});

/** Polygon solution tags and the verdict each must get; other tags are not verified. */
const TAG_VERDICTS: Readonly<Record<string, ExpectedVerdict>> = Object.freeze({
  main: 'accepted',
  accepted: 'accepted',
  'wrong-answer': 'wrong_answer',
  'presentation-error': 'wrong_answer',
  'time-limit-exceeded': 'time_limit_exceeded',
  'memory-limit-exceeded': 'memory_limit_exceeded',
  rejected: 'rejected',
});

/** Polygon's source types (`cpp.g++17`, `python.3`, `java11`) by their prefix, to Arbiter's languages. */
const SOURCE_TYPES: readonly [RegExp, string][] = [
  [/^cpp\./, 'cpp'],
  [/^c\./, 'c'],
  [/^python\.(3|pypy3)/, 'python3'],
  [/^java/, 'java'],
  [/^kotlin/, 'kotlin'],
  [/^(csharp|cs)\./, 'csharp'],
  [/^pascal|^delphi/, 'pascal'],
  [/^rust/, 'rust'],
  [/^go/, 'go'],
  [/^js|^node/, 'javascript'],
];

/** Elements that may repeat, read as lists always (attributes never). */
const LISTS = new Set(['name', 'testset', 'test', 'group', 'dependency', 'solution', 'file']);

type XmlNode = Record<string, unknown>;

export function importPolygonPackage(files: PackageFiles): ImportedProblem {
  const text = files.text(POLYGON_MARKER);
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) {
    throw packageInvalid(POLYGON_MARKER, `is larger than ${MAX_XML_BYTES} bytes`);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw packageInvalid(POLYGON_MARKER, `is not valid XML: ${valid.err.msg}`, valid.err.line);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && LISTS.has(name),
  });
  const root = node(parser.parse(text) as unknown, 'problem');
  const problem = node(root.problem, 'problem');
  if (!problem || Object.keys(problem).length === 0) {
    throw packageInvalid(POLYGON_MARKER, 'has no <problem> element');
  }
  const judging = node(problem.judging, 'problem/judging');
  for (const attribute of ['input-file', 'output-file']) {
    const value = judging[attribute];
    if (typeof value === 'string' && value !== '') {
      throw packageUnsupported(
        POLYGON_MARKER,
        `problems reading or writing files (${attribute}="${value}") are not imported`,
      );
    }
  }
  const assets = node(problem.assets, 'problem/assets');
  const testsets = list(judging.testset);
  const testset = testsets.find((t) => t.name === 'tests') ?? testsets[0];
  if (!testset) throw packageInvalid(POLYGON_MARKER, 'has no <judging><testset>');

  const { tests, groups } = readTests(files, testset);
  const imported: ImportedProblem = {
    format: 'polygon',
    title: readTitle(problem),
    tests,
    solutions: readSolutions(files, assets),
  };
  const shortName = problem['short-name'];
  if (typeof shortName === 'string' && PROBLEM_ID.test(shortName)) imported.name = shortName;
  if (groups) imported.groups = groups;
  const limits = readLimits(testset);
  if (limits) imported.limits = limits;
  // An interactive problem's interactor decides each test (Arbiter runs no checker beside it).
  if (assets.interactor !== undefined) imported.interactor = readInteractor(files, assets);
  else imported.checker = readChecker(files, assets);
  return imported;
}

function readTitle(problem: XmlNode): string {
  const names = list(node(problem.names, 'problem/names').name);
  const chosen = names.find((n) => n.language === 'english') ?? names[0];
  const value = chosen?.value;
  const fallback = typeof problem['short-name'] === 'string' ? problem['short-name'] : 'Untitled problem';
  const title = (typeof value === 'string' ? value.trim() : '') || fallback;
  if (title.length > MAX_TITLE_LENGTH) {
    throw packageInvalid(POLYGON_MARKER, `<names><name value> is longer than ${MAX_TITLE_LENGTH} characters`);
  }
  return title;
}

/** time-limit in ms, memory-limit in bytes (package-limits.ts adds the wall limit). */
function readLimits(testset: XmlNode): Partial<RunLimits> | undefined {
  const timeMs = positive(testset['time-limit'], 'time-limit');
  const memoryBytes = positive(testset['memory-limit'], 'memory-limit');
  return packageLimits({ timeMs, memoryKb: memoryBytes === undefined ? undefined : memoryBytes / 1024 });
}

function readTests(files: PackageFiles, testset: XmlNode): { tests: TestCase[]; groups?: TestGroup[] } {
  const entries = list(node(testset.tests, 'testset/tests').test);
  if (entries.length === 0) throw packageInvalid(POLYGON_MARKER, 'has no tests in <testset><tests>');
  if (entries.length > MAX_PACKAGE_TESTS) {
    throw packageInvalid(POLYGON_MARKER, `has ${entries.length} tests; at most ${MAX_PACKAGE_TESTS}`);
  }
  const inputPattern = pattern(testset['input-path-pattern'], 'input-path-pattern', 'tests/%02d');
  const answerPattern = pattern(testset['answer-path-pattern'], 'answer-path-pattern', 'tests/%02d.a');
  const withGroups = entries.some((t) => typeof t.group === 'string' && t.group !== '');
  const groupDefinitions = new Map(
    list(node(testset.groups, 'testset/groups').group).map((g) => [String(g.name), g]),
  );

  const tests = entries.map((entry, i): TestCase => {
    const number = i + 1;
    const inputPath = fill(inputPattern, number);
    const answerPath = fill(answerPattern, number);
    if (!files.has(inputPath)) {
      const how =
        entry.method === 'generated'
          ? ` (test ${number} is generated by "${String(entry.cmd ?? '')}": build a full package, with the generated tests)`
          : '';
      throw packageInvalid(inputPath, `is missing${how}`);
    }
    if (!files.has(answerPath))
      throw packageInvalid(answerPath, `is missing (the answer of test ${number}; build a full package)`);
    const test: TestCase = { stdin: files.text(inputPath), expected: files.text(answerPath) };
    if (entry.sample !== 'true') test.hidden = true;
    const points =
      entry.points === undefined ? undefined : nonNegative(entry.points, `test ${number} points`);
    if (points !== undefined && !withGroups) test.weight = points;
    if (withGroups) {
      if (typeof entry.group !== 'string' || entry.group === '') {
        throw packageInvalid(POLYGON_MARKER, `test ${number} has no group, though other tests have one`);
      }
      test.group = entry.group;
      if (points !== undefined) test.weight = points;
    }
    // Named as Arbiter's Kattis export lays it out, so export and import give it back unchanged.
    test.name = `${testFolder(test, withGroups)}/${String(number).padStart(2, '0')}`;
    return test;
  });
  if (!withGroups) return { tests };

  const order = [...new Set(tests.map((t) => t.group!))];
  const groups = order.map((id): TestGroup => {
    const definition = groupDefinitions.get(id);
    const members = tests.filter((t) => t.group === id);
    const given =
      definition?.points === undefined ? undefined : nonNegative(definition.points, `group ${id} points`);
    const sum = members.reduce((total, t) => total + (t.weight ?? 0), 0);
    // complete-group: all or nothing, the group's points; each-test (Polygon's default): the
    // tests' points add up, each test weighing its points (equal shares when none has any).
    const complete = definition?.['points-policy'] === 'complete-group';
    if (complete || sum === 0) for (const t of members) delete t.weight;
    const group: TestGroup = { id, points: complete ? (given ?? sum) : sum || (given ?? 0) };
    if (complete) group.aggregation = 'min';
    const dependsOn = list(node(definition?.dependencies, `group ${id} dependencies`).dependency).map((d) =>
      String(d.group),
    );
    if (dependsOn.length > 0) group.dependsOn = dependsOn;
    return group;
  });
  return { tests, groups: checkedAsPackage(POLYGON_MARKER, () => parseGroups(groups, tests)) };
}

/**
 * `<interactor><source path type>`: a testlib interactor (files/interactor.cpp, as Polygon keeps
 * it), with the headers of its folder.
 */
function readInteractor(files: PackageFiles, assets: XmlNode): InteractorSpec {
  const interactor = node(assets.interactor, 'assets/interactor');
  return interactorOf(readProgram(files, interactor, 'interactor'), 'testlib');
}

/** A checker's or interactor's `<source path type>`: its text and the .h files of its folder. */
function readProgram(files: PackageFiles, element: XmlNode, what: 'checker' | 'interactor'): PackageProgram {
  const sourceElement = node(element.source, `${what}/source`);
  const path = sourceElement.path;
  if (typeof path !== 'string' || path === '')
    throw packageInvalid(POLYGON_MARKER, `<${what}> has no <source path>`);
  const language = languageOf(sourceElement.type, path);
  const source = files.text(path);
  // Headers the program may include: the .h files in its folder (testlib.h among them).
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const headers = (folder === '' ? files.paths().filter((p) => !p.includes('/')) : files.under(folder))
    .filter((p) => p.endsWith('.h') && !p.slice(folder.length + 1).includes('/'))
    .map((p) => ({ name: p.slice(p.lastIndexOf('/') + 1), content: files.text(p) }));
  if (/#\s*include\s*["<]testlib\.h[">]/.test(source) && !headers.some((h) => h.name === 'testlib.h')) {
    throw packageInvalid(
      path,
      `includes testlib.h, which the package lacks (${folder === '' ? '' : `${folder}/`}testlib.h)`,
    );
  }
  return { path, language, source, headers };
}

function readChecker(files: PackageFiles, assets: XmlNode): CheckerSpec {
  const checker = node(assets.checker, 'assets/checker');
  if (Object.keys(checker).length === 0) throw packageInvalid(POLYGON_MARKER, 'has no <assets><checker>');
  const name = typeof checker.name === 'string' ? checker.name : '';
  const standard = STANDARD_CHECKERS[name];
  if (standard) return { ...standard };
  return customCheckerOf(readProgram(files, checker, 'checker'), 'testlib');
}

function readSolutions(files: PackageFiles, assets: XmlNode): ReferenceSolution[] {
  const solutions: ReferenceSolution[] = [];
  const names = new Set<string>();
  for (const solution of list(node(assets.solutions, 'assets/solutions').solution)) {
    const expected = TAG_VERDICTS[String(solution.tag)];
    if (!expected) continue; // e.g. time-limit-exceeded-or-accepted: no one verdict to check
    const source = node(solution.source, 'solution/source');
    const path = source.path;
    if (typeof path !== 'string' || path === '')
      throw packageInvalid(POLYGON_MARKER, '<solution> has no <source path>');
    const name = `${expected === 'runtime_error' ? 'run_time_error' : expected}/${path.slice(path.lastIndexOf('/') + 1)}`;
    if (names.has(name)) throw packageInvalid(path, `has the same file name as another ${expected} solution`);
    names.add(name);
    solutions.push(referenceSolution(path, name, languageOf(source.type, path), files.text(path), expected));
  }
  checkSolutionCount(solutions, POLYGON_MARKER);
  return solutions;
}

function languageOf(type: unknown, path: string): string | undefined {
  if (typeof type === 'string') {
    for (const [prefix, language] of SOURCE_TYPES) if (prefix.test(type)) return language;
  }
  return languageOfFile(path);
}

/** An element as an object: absent is empty, text (an element without attributes) is an error. */
function node(value: unknown, where: string): XmlNode {
  if (value === undefined || value === '') return {};
  if (Array.isArray(value)) return node(value[0], where);
  if (typeof value !== 'object' || value === null) {
    throw packageInvalid(POLYGON_MARKER, `<${where}> has an unexpected form (${describeValue(value)})`);
  }
  return value as XmlNode;
}

function list(value: unknown): XmlNode[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => node(v, 'element'));
}

function positive(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0)) {
    throw packageInvalid(POLYGON_MARKER, `<${what}> must be a number > 0; got ${describeValue(value)}`);
  }
  return number;
}

function nonNegative(value: unknown, what: string): number {
  const number = Number(value);
  if (!(Number.isFinite(number) && number >= 0)) {
    throw packageInvalid(POLYGON_MARKER, `${what} must be a number >= 0; got ${describeValue(value)}`);
  }
  return number;
}

/** A path pattern with one %d (or %0Nd), as Polygon writes them. */
function pattern(value: unknown, what: string, fallback: string): string {
  const text = typeof value === 'string' ? value : fallback;
  if ((text.match(/%0?\d*d/g) ?? []).length !== 1 || text.replace(/%0?\d*d/, '').includes('%')) {
    throw packageInvalid(POLYGON_MARKER, `<${what}> must hold one %d; got ${describeValue(text)}`);
  }
  return text;
}

function fill(template: string, number: number): string {
  return template.replace(/%(0?)(\d*)d/, (_all, zero: string, width: string) =>
    String(number).padStart(width === '' ? 0 : Number(width), zero === '0' ? '0' : ' '),
  );
}
