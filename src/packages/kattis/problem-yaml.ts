import type { RunLimits } from '../../sandbox/limits.js';
import type { ArbiterSection } from './arbiter-section.js';
import { MAX_TITLE_LENGTH } from '../imported-problem.js';
import { KATTIS_MARKER } from '../kattis-layout.js';
import { packageInvalid, packageUnsupported } from '../package-error.js';
import { packageLimits } from '../package-limits.js';
import type { PackageFiles } from '../package-files.js';
import { describeValue, type YamlFile } from '../yaml-file.js';

/**
 * problem.yaml's own settings of a Kattis package: its type, name and limits (its validation and
 * validator_flags are the checker's, in checker.ts; its `arbiter` section is arbiter-section.ts).
 */

/** The words of problem.yaml's `type` (`pass-fail interactive`, or a list of them, 2023 format). */
export function problemTypes(yaml: YamlFile): string[] {
  const type = yaml.get('type');
  if (type === undefined) return [];
  if (typeof type === 'string') return type.split(/\s+/);
  if (Array.isArray(type)) return type as string[];
  throw yaml.invalid(['type'], `must be text or a list; got ${describeValue(type)}`);
}

/** Multi-pass and (other than Arbiter's own) submit-answer problems, graders/: refused, naming the file. */
export function refuseUnsupported(files: PackageFiles, yaml: YamlFile, arbiter: ArbiterSection): void {
  const types = problemTypes(yaml);
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

export function readTitle(yaml: YamlFile, folder: string | undefined): string {
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
 * limits.memory and limits.output (MiB), as package-limits.ts makes them a problem's. Kattis's
 * time_multiplier and time_safety_margin are for a tool that derives the limit from the reference
 * solutions' times: Arbiter takes the limit as given, and its verification checks that the
 * time_limit_exceeded solutions exceed it.
 */
export function readLimits(
  files: PackageFiles,
  yaml: YamlFile,
  arbiter: ArbiterSection,
): Partial<RunLimits> | undefined {
  if (arbiter.limits) return arbiter.limits;
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
  const mebibytes = (key: string) => {
    const amount = yaml.number(['limits', key]);
    return amount === undefined ? undefined : amount * 1024;
  };
  return packageLimits({
    timeMs: seconds === undefined ? undefined : seconds * 1000,
    memoryKb: mebibytes('memory'),
    outputKb: mebibytes('output'),
  });
}
