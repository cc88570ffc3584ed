/**
 * Syntax highlighting for every language in src/languages/catalog.ts: a Lezer grammar from
 * @codemirror/lang-* where one exists, a legacy CodeMirror 5 mode otherwise. Each is a dynamic
 * import, so the page downloads only the grammars of the languages a person opens.
 */
import { LanguageSupport, StreamLanguage, type StreamParser } from '@codemirror/language';
import type { Extension } from '@codemirror/state';

const legacy = (parser: StreamParser<unknown>): Extension =>
  new LanguageSupport(StreamLanguage.define(parser));

/** Language id (as GET /api/v1/languages names it) → its highlighting. */
export const LANGUAGE_MODES: Readonly<Record<string, () => Promise<Extension>>> = {
  c: async () => (await import('@codemirror/lang-cpp')).cpp(),
  cpp: async () => (await import('@codemirror/lang-cpp')).cpp(),
  python3: async () => (await import('@codemirror/lang-python')).python(),
  javascript: async () => (await import('@codemirror/lang-javascript')).javascript(),
  typescript: async () => (await import('@codemirror/lang-javascript')).javascript({ typescript: true }),
  java: async () => (await import('@codemirror/lang-java')).java(),
  go: async () => (await import('@codemirror/lang-go')).go(),
  rust: async () => (await import('@codemirror/lang-rust')).rust(),
  php: async () => (await import('@codemirror/lang-php')).php(),
  sqlite: async () => {
    const { sql, SQLite } = await import('@codemirror/lang-sql');
    return sql({ dialect: SQLite });
  },
  ruby: async () => legacy((await import('@codemirror/legacy-modes/mode/ruby')).ruby),
  lua: async () => legacy((await import('@codemirror/legacy-modes/mode/lua')).lua),
  bash: async () => legacy((await import('@codemirror/legacy-modes/mode/shell')).shell),
  perl: async () => legacy((await import('@codemirror/legacy-modes/mode/perl')).perl),
  csharp: async () => legacy((await import('@codemirror/legacy-modes/mode/clike')).csharp),
  kotlin: async () => legacy((await import('@codemirror/legacy-modes/mode/clike')).kotlin),
  haskell: async () => legacy((await import('@codemirror/legacy-modes/mode/haskell')).haskell),
  pascal: async () => legacy((await import('@codemirror/legacy-modes/mode/pascal')).pascal),
  fortran: async () => legacy((await import('@codemirror/legacy-modes/mode/fortran')).fortran),
  ocaml: async () => legacy((await import('@codemirror/legacy-modes/mode/mllike')).oCaml),
  commonlisp: async () => legacy((await import('@codemirror/legacy-modes/mode/commonlisp')).commonLisp),
};

/** The highlighting of a language; a language added to the catalog later gets plain text. */
export function loadLanguageMode(id: string): Promise<Extension> {
  return LANGUAGE_MODES[id]?.() ?? Promise.resolve([]);
}
