import { strToU8, zip as zipAsync, type Zippable } from 'fflate';
import { stringify } from 'yaml';
import type { TestCase } from '../judge/types.js';
import type { ProblemFile, ProblemRecord } from '../store/types.js';
import {
  ARBITER_SECTION,
  COMPILED_EXTENSIONS,
  hiddenByDefault,
  TEST_BASE_NAME,
  testFolder,
} from './kattis-layout.js';
import { extensionOf, extensionOfLanguage, languageOfFile, VERDICT_FOLDERS } from './reference-solutions.js';

/**
 * Writes any problem as a Kattis problem package (zip), in one folder named by the problem's id:
 * problem.yaml, data/ (see kattis-layout.ts), output_validators/ for a custom checker and
 * submissions/ for its reference solutions; an interactor as an interactive output validator, the
 * problem's files as include/default/ and its graders as include/<language>/, an output-only problem
 * as `type: submit-answer`. What the Kattis format cannot say (a testlib checker or interactor,
 * Arbiter's feedback level, exact limits, test weights, product groups, dependencies, a test shown
 * though in a hidden folder, which files students see, graders' entries, an output-only problem's
 * test names) goes into problem.yaml's `arbiter` section, so that importing the
 * export gives the same problem back (tests in the layout's order: samples first). Compression runs
 * in fflate's worker threads, off the event loop (a package may hold 64 MiB of tests).
 */
export function exportKattisPackage(problem: ProblemRecord): Promise<Uint8Array> {
  const root = problem.id;
  const zip: Zippable = {};
  const put = (path: string, text: string) => {
    zip[`${root}/${path}`] = strToU8(text);
  };
  const putFile = (path: string, file: ProblemFile) => {
    zip[`${root}/${path}`] =
      file.encoding === 'base64'
        ? new Uint8Array(Buffer.from(file.content, 'base64'))
        : strToU8(file.content);
  };
  const arbiter: Record<string, unknown> = {};
  const yaml: Record<string, unknown> = { name: problem.title };

  if (problem.limits) {
    const { cpuMs, memoryKb, outputKb } = problem.limits;
    const limits: Record<string, number> = {};
    if (cpuMs !== undefined) limits.time_limit = cpuMs / 1000;
    if (memoryKb !== undefined) limits.memory = Math.ceil(memoryKb / 1024);
    if (outputKb !== undefined) limits.output = Math.ceil(outputKb / 1024);
    if (Object.keys(limits).length > 0) yaml.limits = limits;
    arbiter.limits = problem.limits;
  }
  if (problem.feedback) arbiter.feedback = problem.feedback;

  const checker = problem.checker;
  if (checker?.type === 'custom') {
    yaml.validation = 'custom';
    const extension = extensionOfLanguage(checker.language);
    if (extension === undefined || languageOfFile(`x.${extension}`) !== checker.language) {
      arbiter.checkerLanguage = checker.language;
    }
    if ((checker.protocol ?? 'testlib') !== 'kattis') arbiter.checkerProtocol = checker.protocol ?? 'testlib';
    put(`output_validators/validator/validator.${extension ?? 'src'}`, checker.source);
    for (const file of checker.files ?? []) put(`output_validators/validator/${file.name}`, file.content);
  } else if (problem.interactor) {
    const interactor = problem.interactor;
    yaml.validation = 'custom interactive';
    const extension = extensionOfLanguage(interactor.language);
    if (extension === undefined || languageOfFile(`x.${extension}`) !== interactor.language) {
      arbiter.checkerLanguage = interactor.language;
    }
    if ((interactor.protocol ?? 'testlib') !== 'kattis')
      arbiter.checkerProtocol = interactor.protocol ?? 'testlib';
    put(`output_validators/validator/validator.${extension ?? 'src'}`, interactor.source);
    for (const file of interactor.files ?? []) put(`output_validators/validator/${file.name}`, file.content);
  } else if (checker) {
    yaml.validation = 'default';
    // For Kattis tools: their default validator's nearest flags. Arbiter reads `arbiter.checker`.
    if (checker.type === 'float') {
      const flags = ['case_sensitive'];
      if (checker.absolute !== undefined) flags.push(`float_absolute_tolerance ${checker.absolute}`);
      if (checker.relative !== undefined) flags.push(`float_relative_tolerance ${checker.relative}`);
      yaml.validator_flags = flags.join(' ');
    } else {
      yaml.validator_flags =
        checker.type === 'tokens' ? 'case_sensitive' : 'case_sensitive space_change_sensitive';
    }
    arbiter.checker = checker;
  }

  writeTests(problem, put, arbiter);
  writeIncludes(problem, putFile, arbiter);
  if (problem.type === 'output-only') {
    yaml.type = 'submit-answer';
    arbiter.type = 'output-only';
  }

  const used = new Set<string>();
  const languages: Record<string, string> = {};
  for (const solution of problem.solutions ?? []) {
    const folder = VERDICT_FOLDERS[solution.expected];
    let file = solution.name.slice(solution.name.lastIndexOf('/') + 1);
    if (!TEST_BASE_NAME.test(file)) file = `solution.${extensionOfLanguage(solution.language) ?? 'src'}`;
    let name = `${folder}/${file}`;
    for (let n = 2; used.has(name); n++) name = `${folder}/${n}-${file}`;
    used.add(name);
    if (languageOfFile(name) !== solution.language) languages[name] = solution.language;
    put(`submissions/${name}`, solution.source);
  }
  if (Object.keys(languages).length > 0) arbiter.languages = languages;

  if (Object.keys(arbiter).length > 0) yaml[ARBITER_SECTION] = arbiter;
  put('problem.yaml', stringify(yaml));
  return new Promise((resolve, reject) => {
    zipAsync(zip, { level: 6 }, (error, data) => (error ? reject(error) : resolve(data)));
  });
}

/** data/: each test's .in and .ans, each group's testdata.yaml; weights and visibility to `arbiter`. */
function writeTests(
  problem: ProblemRecord,
  put: (path: string, text: string) => void,
  arbiter: Record<string, unknown>,
): void {
  const withGroups = problem.groups !== undefined;
  const taken = new Set<string>();
  const paths = problem.tests.map((test) => {
    const folder = testFolder(test, withGroups);
    // The test's own name where it can be a file name (an imported test's is its path already).
    const fromName = test.name?.startsWith(`${folder}/`) ? test.name.slice(folder.length + 1) : test.name;
    if (fromName !== undefined && TEST_BASE_NAME.test(fromName) && !taken.has(`${folder}/${fromName}`)) {
      taken.add(`${folder}/${fromName}`);
      return `${folder}/${fromName}`;
    }
    return undefined;
  });
  const weights: Record<string, number> = {};
  const visible: string[] = [];
  const hidden: string[] = [];
  const written: string[] = [];
  problem.tests.forEach((test: TestCase, i) => {
    let path = paths[i];
    if (path === undefined) {
      const folder = testFolder(test, withGroups);
      for (let n = i + 1; path === undefined || taken.has(path); n++)
        path = `${folder}/t${String(n).padStart(3, '0')}`;
      taken.add(path);
    }
    written.push(path);
    put(`data/${path}.in`, test.stdin ?? '');
    put(`data/${path}.ans`, test.expected ?? '');
    const folder = path.slice(0, path.lastIndexOf('/'));
    if (Boolean(test.hidden) !== hiddenByDefault(folder)) (test.hidden ? hidden : visible).push(path);
    if (test.weight !== undefined) weights[path] = test.weight;
  });
  if (Object.keys(weights).length > 0) arbiter.weights = weights;
  // An output-only problem's test names name its output files: kept as they were.
  if (problem.type === 'output-only') {
    const names: Record<string, string | null> = {};
    problem.tests.forEach((test, i) => {
      if (test.name !== written[i]) names[written[i]!] = test.name ?? null;
    });
    if (Object.keys(names).length > 0) arbiter.names = names;
  }
  if (visible.length > 0) arbiter.visible = visible;
  if (hidden.length > 0) arbiter.hidden = hidden;

  const groupSettings: Record<string, unknown> = {};
  for (const group of problem.groups ?? []) {
    const folder = testFolder({ group: group.id }, true);
    const aggregation = group.aggregation ?? 'sum';
    const scoring: Record<string, unknown> = { score: group.points };
    if (aggregation !== 'product') scoring.aggregation = aggregation;
    put(`data/${folder}/testdata.yaml`, stringify({ scoring }));
    const extra: Record<string, unknown> = {};
    if (aggregation === 'product') extra.aggregation = 'product';
    if (group.dependsOn?.length) extra.dependsOn = group.dependsOn;
    if (Object.keys(extra).length > 0) groupSettings[group.id] = extra;
  }
  if (Object.keys(groupSettings).length > 0) arbiter.groups = groupSettings;
}

/**
 * include/: the problem's files in include/default/, each grader's in include/<language>/; which
 * files students see, data files that look like sources, and graders' entries to `arbiter`.
 */
function writeIncludes(
  problem: ProblemRecord,
  putFile: (path: string, file: ProblemFile) => void,
  arbiter: Record<string, unknown>,
): void {
  const visible: string[] = [];
  const plain: string[] = [];
  const write = (path: string, file: ProblemFile) => {
    putFile(path, file);
    if (file.visible) visible.push(path);
  };
  for (const file of problem.files ?? []) {
    const path = `include/default/${file.name}`;
    write(path, file);
    // Kattis would compile it with every submission of its language; Arbiter's files are data.
    if (COMPILED_EXTENSIONS.has(extensionOf(file.name))) plain.push(path);
  }
  const graders: Record<string, Record<string, string>> = {};
  for (const [language, grader] of Object.entries(problem.graders ?? {})) {
    for (const file of grader.files) write(`include/${language}/${file.name}`, file);
    const settings: Record<string, string> = {};
    if (grader.entry !== undefined) settings.entry = grader.entry;
    if (grader.sourceFile !== undefined) settings.sourceFile = grader.sourceFile;
    if (Object.keys(settings).length > 0) graders[language] = settings;
  }
  if (visible.length > 0) arbiter.visibleFiles = visible;
  if (plain.length > 0) arbiter.plainFiles = plain;
  if (Object.keys(graders).length > 0) arbiter.graders = graders;
}
