/**
 * Languages Judge0 CE 1.13.1 or Piston offer that Arbiter cannot, because Debian 12 has no package
 * for their toolchain. A request for one is refused with the reason (LANGUAGE_UNAVAILABLE), never
 * with "unknown language"; docs/compat.md lists them. Names here must not be catalog names.
 */
export interface UnavailableLanguage {
  name: string;
  /** Judge0 CE ids that named it. */
  judge0Ids: number[];
  /** Piston runtime names and aliases, and other names a client may send, lower-case. */
  names: string[];
  /** Why this server cannot run it. */
  reason: string;
}

export const UNAVAILABLE_LANGUAGES: readonly UnavailableLanguage[] = [
  {
    name: 'Basic (FreeBASIC)',
    judge0Ids: [47],
    names: ['freebasic', 'basic', 'bas', 'fbc', 'qbasic', 'quickbasic'],
    reason: 'Debian 12 does not package FreeBASIC',
  },
  {
    name: 'Python 2',
    judge0Ids: [70],
    names: ['python2', 'py2', 'python2.7'],
    reason: 'Debian 12 no longer ships Python 2, which reached its end of life in 2020; use Python 3',
  },
  {
    name: 'Swift',
    judge0Ids: [83],
    names: ['swift', 'swiftc'],
    reason: 'Debian 12 has no Swift compiler (its "swift" package is OpenStack Swift storage)',
  },
  {
    name: 'Visual Basic .NET',
    judge0Ids: [84],
    names: ['basic.net', 'vb', 'vb.net', 'vbnc', 'visual-basic', 'visual-basic.net', 'mono-vb', 'mono-basic'],
    reason: 'Debian 12 has no Visual Basic compiler (mono-vbnc was dropped) and no .NET SDK',
  },
  {
    name: 'F#',
    judge0Ids: [87],
    names: ['fsharp', 'fsharp.net', 'fs', 'f#', 'fsi', 'fsx'],
    reason: 'Debian 12 has no F# compiler and no .NET SDK',
  },
  {
    name: 'C# (.NET)',
    judge0Ids: [],
    names: ['csharp.net', 'dotnet', 'c#.net', 'cs.net'],
    reason: 'Debian 12 has no .NET SDK; C# runs on Mono (language "csharp")',
  },
  {
    name: 'Dart',
    judge0Ids: [],
    names: ['dart'],
    reason: 'Debian 12 does not package the Dart SDK',
  },
  {
    name: 'Julia',
    judge0Ids: [],
    names: ['julia', 'jl'],
    reason: 'Debian 12 does not package Julia',
  },
  {
    name: 'Zig',
    judge0Ids: [],
    names: ['zig'],
    reason: 'Debian 12 does not package Zig',
  },
  {
    name: 'Deno',
    judge0Ids: [],
    names: ['deno', 'deno-ts', 'deno-js'],
    reason: 'Debian 12 does not package Deno; JavaScript and TypeScript run on Node.js',
  },
  {
    name: 'PowerShell',
    judge0Ids: [],
    names: ['powershell', 'pwsh', 'ps1'],
    reason: 'Debian 12 does not package PowerShell',
  },
  {
    name: 'V',
    judge0Ids: [],
    names: ['vlang', 'v'],
    reason: 'Debian 12 does not package V',
  },
  {
    name: 'Pony',
    judge0Ids: [],
    names: ['ponylang', 'pony', 'ponyc'],
    reason: 'Debian 12 does not package Pony',
  },
];

const byJudge0Id = new Map(UNAVAILABLE_LANGUAGES.flatMap((l) => l.judge0Ids.map((id) => [id, l] as const)));
const byName = new Map(UNAVAILABLE_LANGUAGES.flatMap((l) => l.names.map((name) => [name, l] as const)));

/** The unavailable language a Judge0 id named, if any. */
export const unavailableByJudge0Id = (id: number): UnavailableLanguage | undefined => byJudge0Id.get(id);

/** The unavailable language a name means, if any (case-insensitive). */
export const unavailableByName = (name: string): UnavailableLanguage | undefined =>
  byName.get(name.trim().toLowerCase());

/** "Swift is not available on this server: Debian 12 has no Swift compiler (...)". */
export const unavailableMessage = (language: UnavailableLanguage): string =>
  `${language.name} is not available on this server: ${language.reason}`;
