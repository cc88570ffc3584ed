/**
 * Judge0 language ids and names over Arbiter's catalog. Each catalog entry lists the Judge0 CE ids
 * that map to it (`judge0Ids`); all of them are served, named after the toolchain installed here,
 * so a client that hard-codes 71 or 92 for Python reaches the same interpreter.
 */
import type { LanguageDefinition } from '../../../languages/language.js';
import type { LanguageRegistry } from '../../../languages/registry.js';

/** Judge0's "Multi-file program": the client's own `compile` and `run` Bash scripts. */
export const MULTI_FILE_LANGUAGE_ID = 89;
export const MULTI_FILE_LANGUAGE_NAME = 'Multi-file program';
/** Arbiter language that runs a multi-file program's scripts. */
export const MULTI_FILE_RUNNER = 'bash';

/** How Judge0 CE names each toolchain; `{v}` is the installed version. */
const NAME_TEMPLATES: Readonly<Record<string, string>> = {
  c: 'C (GCC {v})',
  cpp: 'C++ (GCC {v})',
  python3: 'Python ({v})',
  javascript: 'JavaScript (Node.js {v})',
  typescript: 'TypeScript ({v})',
  java: 'Java (OpenJDK {v})',
  go: 'Go ({v})',
  rust: 'Rust ({v})',
  ruby: 'Ruby ({v})',
  php: 'PHP ({v})',
  lua: 'Lua ({v})',
  bash: 'Bash ({v})',
  perl: 'Perl ({v})',
  csharp: 'C# (Mono {v})',
  kotlin: 'Kotlin ({v})',
  haskell: 'Haskell (GHC {v})',
  pascal: 'Pascal (FPC {v})',
  fortran: 'Fortran (GFortran {v})',
  sqlite: 'SQL (SQLite {v})',
  ocaml: 'OCaml ({v})',
  commonlisp: 'Common Lisp (SBCL {v})',
};

export interface Judge0Language {
  id: number;
  /** As Judge0 shows it: "Python (3.11.2)". */
  name: string;
  /** Judge0's word for a language that can no longer be used; here: its toolchain is not installed. */
  isArchived: boolean;
  /**
   * The one id GET /languages lists for its toolchain: the highest Judge0 id mapped to it (the most
   * recent Judge0 name, which the IDE's default C++ id 105 is too). The others still work when
   * posted, for clients that hard-code them, but a menu built from /languages shows each name once.
   */
  listed: boolean;
  /** The Arbiter language that runs it. */
  definition: LanguageDefinition;
  multiFile: boolean;
}

/** "Python (3.11.2)" for python3 at 3.11.2; the catalog name when the version is unknown. */
export function judge0LanguageName(definition: LanguageDefinition, version: string | null): string {
  const template = definition.judge0Name ?? NAME_TEMPLATES[definition.id] ?? `${definition.name} ({v})`;
  return version ? template.replace('{v}', version) : template.replace(/ \(.*\{v\}\)$/, '');
}

/** Every Judge0 id the catalog maps, installed or not, sorted by name then id (Judge0's order). */
export async function judge0Languages(registry: LanguageRegistry): Promise<Judge0Language[]> {
  const languages: Judge0Language[] = [];
  for (const definition of registry.definitions) {
    if (!definition.judge0Ids?.length) continue;
    const installed = registry.isInstalled(definition);
    const name = judge0LanguageName(definition, installed ? await registry.version(definition) : null);
    const listedId = Math.max(...definition.judge0Ids);
    for (const id of definition.judge0Ids) {
      languages.push({
        id,
        name,
        isArchived: !installed,
        listed: id === listedId,
        definition,
        multiFile: false,
      });
    }
  }
  const runner = registry.definitions.find((d) => d.id === MULTI_FILE_RUNNER);
  if (runner) {
    languages.push({
      id: MULTI_FILE_LANGUAGE_ID,
      name: MULTI_FILE_LANGUAGE_NAME,
      isArchived: !registry.isInstalled(runner),
      listed: true,
      definition: runner,
      multiFile: true,
    });
  }
  return languages.sort((a, b) => a.name.localeCompare(b.name, 'en') || a.id - b.id);
}

/** GET /languages/:id's detail: the file and commands a program of this language gets. */
export function languageDetail(language: Judge0Language) {
  const { definition } = language;
  if (language.multiFile) {
    return {
      id: language.id,
      name: language.name,
      is_archived: language.isArchived,
      source_file: null,
      compile_cmd: 'bash ./compile',
      run_cmd: 'bash ./run',
    };
  }
  return {
    id: language.id,
    name: language.name,
    is_archived: language.isArchived,
    source_file: definition.sourceFile,
    compile_cmd: definition.compile ? definition.compile.join(' ') : null,
    run_cmd: definition.run.join(' '),
  };
}
