// A problem's own files: data files and headers every run finds (`files`), graders compiled or run
// with the student's program (`graders`), and the outputs an output-only problem's submission is
// made of. Checked once where a problem is made and where a submission binds to one: every name a
// plain relative path, every size bounded, a student file never taking a problem file's place.
import { ArbiterError } from '../errors.js';
import { isSafeArtifactName } from '../judge/compile-cache-key.js';
import { compiledSources, graderProblem } from '../judge/graders.js';
import type { GraderPlan, TestCase } from '../judge/types.js';
import type { LanguageDefinition } from '../languages/language.js';
import type { LanguageRegistry } from '../languages/registry.js';
import type { ProblemFile, ProblemGrader, ProblemRecord, StoredRequest } from '../store/types.js';
import { checkText, decodeBase64Bytes, storedFile, type FileInput } from './normalize.js';

/** Files a problem may have in `files`, and in each grader. */
export const MAX_PROBLEM_FILES = 32;
/** Languages a problem may have graders for. */
export const MAX_GRADERS = 20;
/** Bytes of one problem file, decoded. */
export const MAX_PROBLEM_FILE_BYTES = 1024 * 1024;
/** Bytes of all of a problem's files and graders' files together (each submission carries a copy of its share). */
export const MAX_PROBLEM_FILES_TOTAL_BYTES = 4 * 1024 * 1024;
/** Bytes of one output of an output-only submission, decoded. */
export const MAX_OUTPUT_FILE_BYTES = 4 * 1024 * 1024;
/** The `language` of a submission to an output-only problem: what it sends is outputs, not a program. */
export const OUTPUT_ONLY_LANGUAGE = 'output';

/** What a request sends as a problem file. */
export interface ProblemFileInput extends FileInput {
  visible?: boolean;
}

/** Whether two paths would take the same place: equal, or one a directory holding the other. */
const clash = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

const byteLength = (file: ProblemFile) =>
  file.encoding === 'base64' ? Buffer.from(file.content, 'base64').length : Buffer.byteLength(file.content);

function parseFiles(input: readonly ProblemFileInput[], field: string): ProblemFile[] {
  if (input.length > MAX_PROBLEM_FILES)
    throw new ArbiterError(
      'INVALID_INPUT',
      `${field} has ${input.length} files; at most ${MAX_PROBLEM_FILES}`,
    );
  const files: ProblemFile[] = [];
  for (const [i, file] of input.entries()) {
    const at = `${field}[${i}]`;
    if (!isSafeArtifactName(file.name))
      throw new ArbiterError(
        'FILE_NAME_INVALID',
        `${at}.name ${JSON.stringify(file.name)} must be a relative path inside the work directory (no "..", no empty parts)`,
      );
    let stored: ProblemFile;
    if (file.encoding === 'base64')
      stored = storedFile(file.name, decodeBase64Bytes(file.content, `${at}.content`));
    else {
      checkText(file.content, `${at}.content`);
      stored = { name: file.name, content: file.content };
    }
    if (byteLength(stored) > MAX_PROBLEM_FILE_BYTES)
      throw new ArbiterError('INVALID_INPUT', `${at} is larger than ${MAX_PROBLEM_FILE_BYTES} bytes`);
    if (file.visible) stored.visible = true;
    files.push(stored);
  }
  return files;
}

/**
 * A problem's `files`, `graders` and `type` checked: names safe and distinct across all of them,
 * sizes bounded, grader languages known (keyed by their catalog id), entries among the grader's
 * files, and an output-only problem without any (it runs no program).
 */
export function parseProblemFiles(
  body: { type?: ProblemRecord['type']; files?: ProblemFileInput[]; graders?: Record<string, unknown> },
  tests: readonly TestCase[],
  registry: LanguageRegistry,
): Pick<ProblemRecord, 'type' | 'files' | 'graders'> {
  const out: Pick<ProblemRecord, 'type' | 'files' | 'graders'> = {};
  if (body.type === 'output-only') {
    if (body.files?.length || (body.graders && Object.keys(body.graders).length > 0))
      throw new ArbiterError(
        'INVALID_INPUT',
        'an output-only problem runs no program: leave out files and graders',
      );
    outputFileNames(tests);
    out.type = 'output-only';
    return out;
  }
  if (body.type !== undefined) out.type = body.type;
  const files = parseFiles(body.files ?? [], 'files');
  const names = files.map((f) => f.name);
  let total = files.reduce((sum, f) => sum + byteLength(f), 0);
  const distinct = (name: string, field: string, others: readonly string[]) => {
    const other = others.find((o) => clash(o, name));
    if (other !== undefined)
      throw new ArbiterError(
        'INVALID_INPUT',
        `${field} ${name} takes the place of the problem's file ${other}`,
      );
  };
  for (const [i, name] of names.entries()) distinct(name, `files[${i}].name`, names.slice(0, i));
  if (files.length > 0) out.files = files;
  if (body.graders === undefined) {
    checkTotal(total);
    return out;
  }
  const entries = Object.entries(body.graders);
  if (entries.length === 0 || entries.length > MAX_GRADERS)
    throw new ArbiterError('INVALID_INPUT', `graders must name 1 to ${MAX_GRADERS} languages`);
  const graders: Record<string, ProblemGrader> = {};
  for (const [key, value] of entries) {
    const field = `graders.${key}`;
    const language = registry.get(key);
    if (graders[language.id])
      throw new ArbiterError('INVALID_INPUT', `${field}: ${language.id} has a grader already`);
    const spec = value as { files: ProblemFileInput[]; entry?: string; sourceFile?: string };
    const grader: ProblemGrader = { files: parseFiles(spec.files, `${field}.files`) };
    const own = grader.files.map((f) => f.name);
    for (const [i, name] of own.entries())
      distinct(name, `${field}.files[${i}].name`, [...names, ...own.slice(0, i)]);
    total += grader.files.reduce((sum, f) => sum + byteLength(f), 0);
    if (spec.entry !== undefined) {
      if (!own.includes(spec.entry))
        throw new ArbiterError(
          'INVALID_INPUT',
          `${field}.entry ${spec.entry} is not one of the grader's files`,
        );
      grader.entry = spec.entry;
    }
    if (spec.sourceFile !== undefined) {
      if (!isSafeArtifactName(spec.sourceFile))
        throw new ArbiterError(
          'FILE_NAME_INVALID',
          `${field}.sourceFile must be a relative path inside the work directory`,
        );
      distinct(spec.sourceFile, `${field}.sourceFile`, [...names, ...own]);
      grader.sourceFile = spec.sourceFile;
    }
    const problem = graderProblem(language, planOf(language, grader));
    if (problem) throw new ArbiterError('INVALID_INPUT', `${field}: ${problem}`);
    graders[language.id] = grader;
  }
  checkTotal(total);
  out.graders = graders;
  return out;
}

function checkTotal(total: number): void {
  if (total > MAX_PROBLEM_FILES_TOTAL_BYTES)
    throw new ArbiterError(
      'INVALID_INPUT',
      `the problem's files and graders hold ${total} bytes; at most ${MAX_PROBLEM_FILES_TOTAL_BYTES}`,
    );
}

function planOf(language: LanguageDefinition, grader: ProblemGrader): GraderPlan {
  const plan: GraderPlan = {};
  const sources = compiledSources(
    language,
    grader.files.map((f) => f.name),
  );
  if (sources.length > 0) plan.compileSources = sources;
  if (grader.entry !== undefined) plan.entry = grader.entry;
  if (grader.sourceFile !== undefined) plan.sourceFile = grader.sourceFile;
  return plan;
}

/** A stored problem file as a request carries it to the judge (without its `visible` mark). */
const carried = ({ name, content, encoding }: ProblemFile): ProblemFile =>
  encoding === 'base64' ? { name, content, encoding } : { name, content };

/**
 * A program submission to `problem` bound to its files: the grader for `language` (its own entry,
 * or the one of the language it is a version of), the student's source renamed where the grader
 * says, and every student file checked against the problem's names. A problem with graders takes
 * only their languages.
 */
export function bindProblemFiles(
  problem: ProblemRecord,
  language: LanguageDefinition,
  files: StoredRequest['files'],
): Pick<StoredRequest, 'files' | 'problemFiles' | 'grader'> {
  let grader: ProblemGrader | undefined;
  if (problem.graders) {
    grader =
      problem.graders[language.id] ?? (language.versionOf ? problem.graders[language.versionOf] : undefined);
    if (!grader)
      throw new ArbiterError(
        'INVALID_INPUT',
        `problem ${problem.id} has graders for ${Object.keys(problem.graders).join(', ')} only; submit in one of those languages`,
      );
  }
  const problemFiles = [...(problem.files ?? []), ...(grader?.files ?? [])].map(carried);
  let studentFiles = files;
  const plan = grader ? planOf(language, grader) : undefined;
  if (plan?.sourceFile !== undefined) {
    const target = plan.sourceFile;
    if (files.some((f) => f.name === target))
      throw new ArbiterError(
        'INVALID_INPUT',
        `a file named ${target} is what your ${language.sourceFile} becomes on this problem; send your program as ${language.sourceFile} (or source) and leave ${target} out`,
      );
    studentFiles = files.map((f) => (f.name === language.sourceFile ? { ...f, name: target } : f));
  }
  for (const [i, file] of studentFiles.entries()) {
    const taken = problemFiles.find((p) => clash(p.name, file.name));
    if (taken)
      throw new ArbiterError(
        'INVALID_INPUT',
        `files[${i}].name ${file.name} is taken by the problem's file ${taken.name}; a submission may not replace it: rename yours`,
      );
  }
  const bound: Pick<StoredRequest, 'files' | 'problemFiles' | 'grader'> = { files: studentFiles };
  if (problemFiles.length > 0) bound.problemFiles = problemFiles;
  if (plan && Object.keys(plan).length > 0) bound.grader = plan;
  return bound;
}

/**
 * The output file each test of an output-only problem is judged on: `<name>.out` for a named test,
 * `<n>.out` (n from 1, the test's place in the problem) for one without a name. Refuses names that
 * would not be plain file names, or two tests on one file.
 */
export function outputFileNames(tests: readonly TestCase[]): string[] {
  const names = tests.map((test, i) => `${test.name ?? String(i + 1)}.out`);
  const seen = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.'))
      throw new ArbiterError(
        'INVALID_INPUT',
        `tests[${i}].name must be letters, digits, "_", "." and "-" on an output-only problem (it names the output file)`,
      );
    const other = seen.get(name);
    if (other !== undefined)
      throw new ArbiterError(
        'INVALID_INPUT',
        `tests[${other}] and tests[${i}] would both be judged on ${name}`,
      );
    seen.set(name, i);
  }
  return names;
}

/** An output-only submission's files checked: each named for one test, at most once, bounded. */
export function outputFiles(
  tests: readonly TestCase[],
  source: string | undefined,
  files: readonly FileInput[] | undefined,
): StoredRequest['files'] {
  if (source !== undefined)
    throw new ArbiterError(
      'INVALID_INPUT',
      'an output-only problem takes files, one output per test (named <test name>.out, or <n>.out for an unnamed test)',
    );
  const expected = new Set(outputFileNames(tests));
  const seen = new Set<string>();
  return (files ?? []).map((file, i) => {
    if (!expected.has(file.name)) {
      const some = [...expected].slice(0, 5).join(', ');
      throw new ArbiterError(
        'INVALID_INPUT',
        `files[${i}].name ${file.name} names no test of this problem; its outputs are ${some}${expected.size > 5 ? ', …' : ''}`,
      );
    }
    if (seen.has(file.name))
      throw new ArbiterError('INVALID_INPUT', `files[${i}].name ${file.name} appears twice`);
    seen.add(file.name);
    let stored: StoredRequest['files'][number];
    if (file.encoding === 'base64')
      stored = storedFile(file.name, decodeBase64Bytes(file.content, `files[${i}].content`));
    else {
      checkText(file.content, `files[${i}].content`);
      stored = { name: file.name, content: file.content };
    }
    if (byteLength(stored) > MAX_OUTPUT_FILE_BYTES)
      throw new ArbiterError('INVALID_INPUT', `files[${i}] is larger than ${MAX_OUTPUT_FILE_BYTES} bytes`);
    return stored;
  });
}
