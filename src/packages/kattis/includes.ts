import type { ProblemFile, ProblemGrader } from '../../store/types.js';
import { LANGUAGE_ID, type ArbiterSection } from './arbiter-section.js';
import type { ImportedProblem } from '../imported-problem.js';
import { COMPILED_EXTENSIONS, KATTIS_MARKER } from '../kattis-layout.js';
import { packageInvalid, packageUnsupported } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import { extensionOf } from '../reference-solutions.js';

/** Kattis's language folder names under include/ that Arbiter's ids spell otherwise. */
const KATTIS_LANGUAGE_IDS: Readonly<Record<string, string>> = Object.freeze({
  'c++': 'cpp',
  python: 'python3',
});

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * include/: files Kattis puts beside every submission. include/default/ (every language) becomes
 * the problem's `files`, include/<language>/ that language's grader: its sources compiled with the
 * student's (as Kattis compiles every source of the directory), its other files beside it. Not
 * expressible, so refused naming the file: a source in include/default/ (Kattis compiles it with
 * every submission of its language; move it to include/<language>/), a file right in include/.
 * A problem with include/<language>/ folders takes only those languages (see docs/problems.md).
 */
export function readIncludes(
  files: PackageFiles,
  arbiter: ArbiterSection,
): Pick<ImportedProblem, 'files' | 'graders'> {
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
  const included: Pick<ImportedProblem, 'files' | 'graders'> = {};
  if (defaults.length > 0) included.files = defaults;
  if (Object.keys(graders).length > 0) included.graders = graders;
  return included;
}

/** A package file as a problem file: text when it is UTF-8, else its bytes as base64. */
function problemFileOf(files: PackageFiles, path: string, name: string): ProblemFile {
  const data = files.bytes(path);
  try {
    return { name, content: UTF8.decode(data) };
  } catch {
    return { name, content: Buffer.from(data).toString('base64'), encoding: 'base64' };
  }
}
