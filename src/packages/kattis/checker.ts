import type { CheckerSpec } from '../../judge/types.js';
import type { ArbiterSection } from './arbiter-section.js';
import { readOutputValidator } from './output-validator.js';
import { KATTIS_MARKER } from '../kattis-layout.js';
import { packageInvalid, packageUnsupported } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import { customCheckerOf } from '../package-program.js';
import type { YamlFile } from '../yaml-file.js';

/** Extra arguments of the default output validator (problem.yaml validator_flags) Arbiter maps. */
const FLOAT_FLAGS = ['float_tolerance', 'float_absolute_tolerance', 'float_relative_tolerance'] as const;

type FloatFlag = (typeof FLOAT_FLAGS)[number];

/**
 * A Kattis package's checker: the output validator (custom validation, run the Kattis way unless
 * the arbiter section names another protocol), else the arbiter section's built-in checker, else
 * the default validator's flags; undefined when the package says nothing (Arbiter's default).
 */
export function readChecker(
  files: PackageFiles,
  yaml: YamlFile,
  arbiter: ArbiterSection,
): CheckerSpec | undefined {
  const words = yaml.string('validation')?.split(/\s+/) ?? [];
  const hasValidator = files.hasFolder('output_validator') || files.hasFolder('output_validators');
  const custom = words.includes('custom') || (words.length === 0 && hasValidator);
  if (!custom) {
    if (arbiter.checker) return arbiter.checker;
    const flags = yaml.string('validator_flags');
    return flags === undefined ? undefined : checkerOfFlags(yaml, flags);
  }
  const validator = readOutputValidator(files, yaml, arbiter);
  if (validator === undefined) {
    throw packageInvalid(
      KATTIS_MARKER,
      'asks for a custom output validator, but output_validators/ is empty',
      yaml.lineOf('validation'),
    );
  }
  return customCheckerOf(validator, arbiter.checkerProtocol ?? 'kattis');
}

/**
 * The default validator's flags as a built-in checker. Kattis compares tokens, case-insensitively
 * unless case_sensitive; Arbiter's tokens checker is case-sensitive always (a package whose answers
 * differ from its accepted solutions' only in case fails verification, which says so).
 */
function checkerOfFlags(yaml: YamlFile, flags: string): CheckerSpec {
  const words = flags.trim().split(/\s+/).filter(Boolean);
  const tolerances: Partial<Record<FloatFlag, number>> = {};
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
      tolerances[word as FloatFlag] = value;
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
