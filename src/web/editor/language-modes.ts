/**
 * Syntax highlighting for every language in src/languages/catalog.ts: a Lezer grammar from
 * @codemirror/lang-* where one exists, a legacy CodeMirror 5 mode otherwise. Each is a dynamic
 * import, so the page downloads only the grammars of the languages a person opens.
 */
import { LanguageSupport, StreamLanguage, type StreamParser } from '@codemirror/language';
import type { Extension } from '@codemirror/state';

const legacy = (parser: StreamParser<unknown>): Extension =>
  new LanguageSupport(StreamLanguage.define(parser));

/**
 * A small highlighter for a language CodeMirror has no mode for: its line comments, strings,
 * numbers and keywords (enough to read a student's program by, not a full grammar).
 */
async function keywordMode(
  words: readonly string[],
  lineComment: RegExp,
  caseless = false,
): Promise<Extension> {
  const { simpleMode } = await import('@codemirror/legacy-modes/mode/simple-mode');
  const keywords = new RegExp(`(?:${words.join('|')})\\b`, caseless ? 'i' : '');
  return legacy(
    simpleMode({
      start: [
        { regex: lineComment, token: 'comment' },
        { regex: /"(?:[^\\"]|\\.)*"?/, token: 'string' },
        { regex: /\d+(?:\.\d+)?/, token: 'number' },
        { regex: keywords, token: 'keyword' },
        { regex: /[A-Za-z_]\w*/, token: 'variable' },
      ],
    }),
  );
}

const cppMode = async () => (await import('@codemirror/lang-cpp')).cpp();
const pythonMode = async () => (await import('@codemirror/lang-python')).python();
const luaMode = async () => legacy((await import('@codemirror/legacy-modes/mode/lua')).lua);
const schemeMode = async () => legacy((await import('@codemirror/legacy-modes/mode/scheme')).scheme);
const prologMode = () =>
  keywordMode(
    ['is', 'not', 'fail', 'true', 'write', 'writeln', 'nl', 'read', 'halt', 'initialization'],
    /%.*/,
  );

/** Language id (as GET /api/v1/languages names it) → its highlighting. */
export const LANGUAGE_MODES: Readonly<Record<string, () => Promise<Extension>>> = {
  c: cppMode,
  cpp: cppMode,
  'c-gcc11': cppMode,
  'cpp-gcc11': cppMode,
  'c-clang': cppMode,
  'cpp-clang': cppMode,
  'c-clang15': cppMode,
  'cpp-clang15': cppMode,
  'c-clang14': cppMode,
  'cpp-clang14': cppMode,
  'objective-c': async () => legacy((await import('@codemirror/legacy-modes/mode/clike')).objectiveC),
  python3: pythonMode,
  pypy3: pythonMode,
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
  lua: luaMode,
  'lua5.3': luaMode,
  bash: async () => legacy((await import('@codemirror/legacy-modes/mode/shell')).shell),
  // An uploaded program sent as text is a script (#!), most often a shell one.
  executable: async () => legacy((await import('@codemirror/legacy-modes/mode/shell')).shell),
  nasm: async () => legacy((await import('@codemirror/legacy-modes/mode/gas')).gas),
  perl: async () => legacy((await import('@codemirror/legacy-modes/mode/perl')).perl),
  csharp: async () => legacy((await import('@codemirror/legacy-modes/mode/clike')).csharp),
  kotlin: async () => legacy((await import('@codemirror/legacy-modes/mode/clike')).kotlin),
  haskell: async () => legacy((await import('@codemirror/legacy-modes/mode/haskell')).haskell),
  pascal: async () => legacy((await import('@codemirror/legacy-modes/mode/pascal')).pascal),
  fortran: async () => legacy((await import('@codemirror/legacy-modes/mode/fortran')).fortran),
  ocaml: async () => legacy((await import('@codemirror/legacy-modes/mode/mllike')).oCaml),
  commonlisp: async () => legacy((await import('@codemirror/legacy-modes/mode/commonlisp')).commonLisp),
  d: async () => legacy((await import('@codemirror/legacy-modes/mode/d')).d),
  'd-gdc': async () => legacy((await import('@codemirror/legacy-modes/mode/d')).d),
  ada: () =>
    keywordMode(
      [
        'with',
        'use',
        'procedure',
        'function',
        'is',
        'begin',
        'end',
        'if',
        'then',
        'else',
        'elsif',
        'loop',
        'for',
        'while',
        'in',
        'return',
        'declare',
        'package',
        'body',
        'type',
        'null',
      ],
      /--.*/,
      true,
    ),
  cobol: async () => legacy((await import('@codemirror/legacy-modes/mode/cobol')).cobol),
  nim: () =>
    keywordMode(
      [
        'proc',
        'func',
        'let',
        'var',
        'const',
        'if',
        'elif',
        'else',
        'for',
        'while',
        'in',
        'return',
        'import',
        'echo',
        'type',
        'object',
        'discard',
      ],
      /#.*/,
    ),
  crystal: async () => legacy((await import('@codemirror/legacy-modes/mode/crystal')).crystal),
  // Elixir reads much like Ruby (do … end, def, strings, atoms).
  elixir: async () => legacy((await import('@codemirror/legacy-modes/mode/ruby')).ruby),
  erlang: async () => legacy((await import('@codemirror/legacy-modes/mode/erlang')).erlang),
  octave: async () => legacy((await import('@codemirror/legacy-modes/mode/octave')).octave),
  r: async () => legacy((await import('@codemirror/legacy-modes/mode/r')).r),
  prolog: prologMode,
  gprolog: prologMode,
  racket: schemeMode,
  scheme: schemeMode,
  tcl: async () => legacy((await import('@codemirror/legacy-modes/mode/tcl')).tcl),
  awk: () =>
    keywordMode(
      [
        'BEGIN',
        'END',
        'if',
        'else',
        'while',
        'for',
        'in',
        'print',
        'printf',
        'next',
        'function',
        'return',
        'getline',
      ],
      /#.*/,
    ),
  scala: async () => legacy((await import('@codemirror/legacy-modes/mode/clike')).scala),
  clojure: async () => legacy((await import('@codemirror/legacy-modes/mode/clojure')).clojure),
  groovy: async () => legacy((await import('@codemirror/legacy-modes/mode/groovy')).groovy),
};

/** Languages shown as plain text on purpose: there is no syntax to highlight. */
export const PLAIN_LANGUAGES: ReadonlySet<string> = new Set(['plaintext']);

/** The highlighting of a language; a language added to the catalog later gets plain text. */
export function loadLanguageMode(id: string): Promise<Extension> {
  return LANGUAGE_MODES[id]?.() ?? Promise.resolve([]);
}
