import type { LanguageDefinition } from '../languages/language.js';
import type { GraderPlan } from './types.js';

/**
 * A problem's grader applied to a language: the language with its commands as the grader needs
 * them. The student's source is renamed where the problem says (`sourceFile`, each argument equal
 * to the language's source file name is replaced), the grader's compiled sources are added right
 * after it in the compile command (before any libraries, as `-lm` must follow the objects that need
 * it), and an `entry` is run in place of the student's source. Pure: the catalog is data, and this
 * is its one extension point for graders.
 */
export function withGrader(language: LanguageDefinition, plan: GraderPlan): LanguageDefinition {
  const source = plan.sourceFile ?? language.sourceFile;
  const rename = (argv: string[], to: string) => argv.map((arg) => (arg === language.sourceFile ? to : arg));
  let compile = language.compile && rename(language.compile, source);
  const extra = plan.compileSources ?? [];
  if (compile && extra.length > 0) {
    const at = compile.indexOf(source);
    compile =
      at < 0 ? [...compile, ...extra] : [...compile.slice(0, at + 1), ...extra, ...compile.slice(at + 1)];
  }
  const run = rename(language.run, plan.entry ?? source);
  const adapted: LanguageDefinition = { ...language, sourceFile: source, run };
  if (compile) adapted.compile = compile;
  return adapted;
}

/**
 * Why `plan` cannot work with `language`, or null when it can: a rename or an entry needs the
 * source file's name to appear as an argument of the commands it changes (a language that compiles
 * through a shell script names it inside the script, where a rename would not reach).
 */
export function graderProblem(language: LanguageDefinition, plan: GraderPlan): string | null {
  const named = (argv: readonly string[] | undefined) => argv?.includes(language.sourceFile) ?? false;
  if (plan.sourceFile !== undefined && !named(language.compile) && !named(language.run))
    return `${language.id} cannot rename its source file (its commands do not name ${language.sourceFile})`;
  if (plan.entry !== undefined && !named(language.run))
    return `${language.id} cannot run a grader entry (its run command does not name ${language.sourceFile}); compile the grader with the program instead`;
  return null;
}

/** The files of `names` that a compiled language compiles: those with one of its extensions. */
export function compiledSources(language: LanguageDefinition, names: readonly string[]): string[] {
  if (!language.compile) return [];
  return names.filter((name) => language.extensions.some((ext) => name.endsWith(ext)));
}
