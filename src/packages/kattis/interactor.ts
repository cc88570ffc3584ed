import type { InteractorSpec } from '../../judge/types.js';
import type { ArbiterSection } from './arbiter-section.js';
import { readOutputValidator } from './output-validator.js';
import { problemTypes } from './problem-yaml.js';
import { KATTIS_MARKER } from '../kattis-layout.js';
import { packageInvalid } from '../package-error.js';
import type { PackageFiles } from '../package-files.js';
import { interactorOf } from '../package-program.js';
import type { YamlFile } from '../yaml-file.js';

/** Interactive: `validation: custom interactive` (legacy) or `type: interactive` (2023 format). */
export function isInteractive(yaml: YamlFile): boolean {
  return (
    problemTypes(yaml).includes('interactive') ||
    (yaml.string('validation')?.split(/\s+/).includes('interactive') ?? false)
  );
}

/**
 * An interactive problem's output validator as its interactor, run the Kattis way (its stdin the
 * program's stdout, its stdout the program's stdin, exit 42/43) unless the arbiter section says
 * testlib (Arbiter's export of a testlib interactor).
 */
export function readInteractor(files: PackageFiles, yaml: YamlFile, arbiter: ArbiterSection): InteractorSpec {
  const validator = readOutputValidator(files, yaml, arbiter);
  if (validator === undefined) {
    throw packageInvalid(
      KATTIS_MARKER,
      'is interactive, but output_validators/ has no validator to talk with submissions',
      yaml.lineOf('validation') ?? yaml.lineOf('type'),
    );
  }
  return interactorOf(validator, arbiter.checkerProtocol ?? 'kattis');
}
