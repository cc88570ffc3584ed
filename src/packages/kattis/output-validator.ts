import type { ArbiterSection } from './arbiter-section.js';
import { KATTIS_MARKER } from '../kattis-layout.js';
import { packageUnsupported } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import type { PackageProgram } from '../package-program.js';
import { extensionOf, languageOfFile } from '../reference-solutions.js';
import type { YamlFile } from '../yaml-file.js';

/** Header files beside an output validator's source. */
const HEADER_EXTENSIONS = new Set(['h', 'hpp', 'hh']);

/** Files beside an output validator that are documentation, not code. */
const DOC_FILE = /^(readme|license|copying)(\.[a-z]+)?$|\.(md|txt)$/i;

/**
 * The one output validator in output_validator/ or output_validators/[<name>/], which a Kattis
 * package's custom checker or interactor is: its one source file (language by extension, or the
 * arbiter section's checkerLanguage) and its headers; undefined when there is none. Custom
 * validator_flags are refused: Arbiter does not pass them on.
 */
export function readOutputValidator(
  files: PackageFiles,
  yaml: YamlFile,
  arbiter: ArbiterSection,
): PackageProgram | undefined {
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
  const paths = validatorPaths(files, folder);
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

/** The validator's files; the legacy layout has one folder per validator: output_validators/<name>/... */
function validatorPaths(files: PackageFiles, folder: 'output_validator' | 'output_validators'): string[] {
  const paths = files.under(folder);
  if (folder === 'output_validator') return paths;
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
  return only === undefined ? paths : files.under(`${folder}/${only}`);
}
