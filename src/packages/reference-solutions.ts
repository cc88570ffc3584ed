import type { SubmissionStatus } from '../judge/types.js';
import type { ExpectedVerdict, ReferenceSolution } from '../store/types.js';
import { packageInvalid, packageUnsupported } from './package-error.js';

/**
 * Reference solutions: the programs a package says must get a verdict (Kattis submissions/<verdict>/,
 * Polygon's tagged solutions), kept with the problem and run by verification.ts.
 */

/** Most reference solutions kept per problem. */
export const MAX_SOLUTIONS = 50;
/** Largest reference solution source, in bytes. */
export const MAX_SOLUTION_BYTES = 256 * 1024;

/** The Kattis submissions/ folder of each expected verdict, both ways (Arbiter's export writes these). */
export const VERDICT_FOLDERS: Readonly<Record<ExpectedVerdict, string>> = Object.freeze({
  accepted: 'accepted',
  wrong_answer: 'wrong_answer',
  time_limit_exceeded: 'time_limit_exceeded',
  runtime_error: 'run_time_error',
  memory_limit_exceeded: 'memory_limit_exceeded',
  rejected: 'rejected',
  partially_accepted: 'partially_accepted',
});

const FOLDER_VERDICTS = new Map(
  Object.entries(VERDICT_FOLDERS).map(([verdict, folder]) => [folder, verdict as ExpectedVerdict]),
);

/** The expected verdict of a Kattis submissions/ folder; undefined for one Arbiter does not know. */
export function verdictOfFolder(folder: string): ExpectedVerdict | undefined {
  return FOLDER_VERDICTS.get(folder);
}

/** Arbiter's language for a source file's extension (the common ones of contest packages). */
const LANGUAGE_BY_EXTENSION: Readonly<Record<string, string>> = Object.freeze({
  c: 'c',
  cpp: 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  'c++': 'cpp',
  py: 'python3',
  java: 'java',
  js: 'javascript',
  ts: 'typescript',
  go: 'go',
  rs: 'rust',
  rb: 'ruby',
  kt: 'kotlin',
  cs: 'csharp',
  hs: 'haskell',
  pas: 'pascal',
  php: 'php',
  lua: 'lua',
  sh: 'bash',
  pl: 'perl',
  ml: 'ocaml',
});

/** The extension Arbiter's export gives each language's source (the first listed for it above). */
const EXTENSION_BY_LANGUAGE = new Map<string, string>();
for (const [extension, language] of Object.entries(LANGUAGE_BY_EXTENSION)) {
  if (!EXTENSION_BY_LANGUAGE.has(language)) EXTENSION_BY_LANGUAGE.set(language, extension);
}

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** The language of a source file by its extension, or undefined. */
export function languageOfFile(path: string): string | undefined {
  return LANGUAGE_BY_EXTENSION[extensionOf(path)];
}

/** The extension a language's source is exported with, or undefined when it has none of its own. */
export function extensionOfLanguage(language: string): string | undefined {
  return EXTENSION_BY_LANGUAGE.get(language);
}

/** A reference solution checked against the bounds; `file` is its path in the package, for errors. */
export function referenceSolution(
  file: string,
  name: string,
  language: string | undefined,
  source: string,
  expected: ExpectedVerdict,
): ReferenceSolution {
  if (language === undefined) {
    throw packageUnsupported(file, `its language is not known by its extension (.${extensionOf(file)})`);
  }
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_SOLUTION_BYTES) {
    throw packageInvalid(file, `is ${bytes} bytes; a reference solution may have ${MAX_SOLUTION_BYTES}`);
  }
  if (source.trim() === '') throw packageInvalid(file, 'is empty');
  return { name, language, source, expected };
}

/** Refuses more than MAX_SOLUTIONS solutions, naming where they came from. */
export function checkSolutionCount(solutions: readonly ReferenceSolution[], where: string): void {
  if (solutions.length > MAX_SOLUTIONS) {
    throw packageInvalid(
      where,
      `holds ${solutions.length} reference solutions; at most ${MAX_SOLUTIONS} are kept`,
    );
  }
}

/** Statuses that say the program itself was rejected (not Arbiter failing, not a compile error). */
const REJECTIONS: ReadonlySet<SubmissionStatus> = new Set([
  'wrong_answer',
  'time_limit_exceeded',
  'runtime_error',
  'memory_limit_exceeded',
  'output_limit_exceeded',
]);

/** Whether a judged solution got the verdict it must: see ExpectedVerdict. */
export function gotExpectedVerdict(
  expected: ExpectedVerdict,
  outcome: { status: SubmissionStatus; score: number | null; maxScore: number | null },
): boolean {
  const { status, score, maxScore } = outcome;
  switch (expected) {
    case 'accepted':
      return status === 'accepted' && (maxScore === null || score === maxScore);
    case 'rejected':
      return REJECTIONS.has(status);
    case 'partially_accepted':
      return REJECTIONS.has(status) && score !== null && maxScore !== null && score > 0 && score < maxScore;
    default:
      return status === expected;
  }
}
