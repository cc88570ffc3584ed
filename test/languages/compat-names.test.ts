// Every Judge0 CE 1.13.1 language id and every Piston runtime name (with its aliases) of a language
// Debian 12 can supply reaches an Arbiter language; the others answer with the reason they cannot.
// The id and name lists are facts from judge0/judge0 (db/languages) and engineer-man/piston
// (packages/*/metadata.json). No sandbox: this checks the catalog's data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MULTI_FILE_LANGUAGE_ID } from '../../src/api/compat/judge0/languages.js';
import {
  findDefinition,
  listRuntimes,
  pistonName,
  resolveRuntime,
} from '../../src/api/compat/piston/runtimes.js';
import { isArbiterError } from '../../src/errors.js';
import { LANGUAGE_CATALOG } from '../../src/languages/catalog.js';
import { LanguageRegistry } from '../../src/languages/registry.js';
import {
  UNAVAILABLE_LANGUAGES,
  unavailableByJudge0Id,
  unavailableByName,
} from '../../src/languages/unavailable.js';

const registry = new LanguageRegistry();

/** Judge0 CE 1.13.1: ids 43 (Plain Text) to 89 (Multi-file program), 47 entries. */
const JUDGE0_1_13_1_IDS = Array.from({ length: 47 }, (_, i) => 43 + i);
/** Judge0 CE 1.13.1 languages Debian 12 has no toolchain for. */
const JUDGE0_UNAVAILABLE = [47, 70, 83, 84, 87];

/** Piston runtimes Debian 12 can supply, with their aliases, as Piston's packages name them. */
const PISTON_RUNTIMES: Readonly<Record<string, string[]>> = {
  awk: ['gawk'],
  bash: ['sh'],
  c: ['gcc'],
  'c++': ['cpp', 'g++'],
  clojure: ['clj'],
  cobol: ['cob'],
  crystal: ['cr'],
  csharp: ['mono', 'mono-csharp', 'mono-c#', 'mono-cs', 'c#', 'cs'],
  d: [],
  elixir: ['exs'],
  erlang: ['erl', 'escript'],
  file: ['executable', 'elf', 'binary'],
  fortran: ['f90'],
  go: ['golang'],
  groovy: ['gvy'],
  haskell: ['hs'],
  java: [],
  javascript: ['node-javascript', 'node-js', 'js'],
  kotlin: ['kt'],
  lisp: ['cl', 'sbcl', 'commonlisp'],
  lua: [],
  nasm64: ['asm64'],
  nim: [],
  ocaml: ['ml'],
  octave: ['matlab', 'm'],
  pascal: ['freepascal', 'pp', 'pas'],
  perl: ['pl'],
  php: ['php8'],
  prolog: ['plg'],
  python: ['py', 'py3', 'python3', 'python3.11'],
  racket: ['rkt'],
  rscript: ['r'],
  ruby: ['ruby3', 'rb'],
  rust: ['rs'],
  scala: ['sc'],
  sqlite3: ['sqlite', 'sql'],
  typescript: ['ts', 'node-ts', 'tsc', 'typescript5', 'ts5'],
};
/** Piston runtimes Debian 12 has no toolchain for, among the widely used ones. */
const PISTON_UNAVAILABLE = [
  'swift',
  'python2',
  'freebasic',
  'basic.net',
  'fsharp.net',
  'fsi',
  'csharp.net',
  'dart',
  'julia',
  'zig',
  'powershell',
];

test('every Judge0 CE 1.13.1 id reaches a language, or names why it cannot', () => {
  for (const id of JUDGE0_1_13_1_IDS) {
    const owners = LANGUAGE_CATALOG.filter((d) => d.judge0Ids?.includes(id));
    if (JUDGE0_UNAVAILABLE.includes(id)) {
      assert.equal(owners.length, 0, `${id} is unavailable, yet mapped`);
      assert.ok(unavailableByJudge0Id(id), `${id}: no reason given`);
    } else if (id === MULTI_FILE_LANGUAGE_ID) {
      assert.equal(owners.length, 0);
    } else {
      assert.equal(owners.length, 1, `Judge0 id ${id} maps to ${owners.length} languages`);
    }
  }
});

test('no Judge0 id is claimed twice, nor both mapped and unavailable', () => {
  const seen = new Map<number, string>();
  for (const definition of LANGUAGE_CATALOG) {
    for (const id of definition.judge0Ids ?? []) {
      assert.ok(!seen.has(id), `Judge0 id ${id}: ${seen.get(id)} and ${definition.id}`);
      assert.equal(unavailableByJudge0Id(id), undefined, `Judge0 id ${id} is mapped and unavailable`);
      seen.set(id, definition.id);
    }
  }
});

test('every Piston runtime name and alias Debian can supply reaches that language', () => {
  for (const [name, aliases] of Object.entries(PISTON_RUNTIMES)) {
    const definition = findDefinition(registry, name);
    assert.ok(definition, `Piston runtime ${name} is unknown`);
    assert.equal(pistonName(definition), name, `${name} reaches ${definition.id}`);
    for (const alias of aliases) {
      const byAlias = findDefinition(registry, alias);
      assert.ok(byAlias, `Piston alias ${alias} (of ${name}) is unknown`);
      assert.equal(pistonName(byAlias), name, `Piston alias ${alias} reaches ${byAlias.id}, not ${name}`);
    }
  }
});

test('a language Debian lacks answers LANGUAGE_UNAVAILABLE with its reason', () => {
  for (const name of PISTON_UNAVAILABLE) {
    assert.ok(unavailableByName(name), name);
    assert.throws(
      () => registry.get(name),
      (error) => isArbiterError(error, 'LANGUAGE_UNAVAILABLE') && /Debian 12/.test(error.message),
      name,
    );
  }
  for (const language of UNAVAILABLE_LANGUAGES) {
    for (const name of language.names)
      assert.equal(findDefinition(registry, name), null, `${name} is in the catalog`);
  }
});

test('versions side by side: each names a language of the catalog, and shares its Piston name', () => {
  for (const definition of LANGUAGE_CATALOG.filter((d) => d.versionOf)) {
    const own = registry.get(definition.versionOf!);
    assert.equal(own.versionOf, undefined, `${definition.id} is a version of another version`);
    assert.equal(pistonName(definition), pistonName(own), definition.id);
    assert.equal(definition.sourceFile, own.sourceFile, definition.id);
  }
  assert.ok(registry.otherVersions(registry.get('c')).some((d) => d.id === 'c-gcc11'));
  assert.ok(registry.otherVersions(registry.get('python3')).some((d) => d.id === 'pypy3'));
});

test('Piston picks the newest installed version a selector allows, across one name', async () => {
  const [c] = LANGUAGE_CATALOG;
  const entry = (id: string, version: string, versionOf?: string) => ({
    ...c!,
    id,
    aliases: [],
    binary: '/bin/sh',
    pistonName: 'c',
    version: { command: ['/bin/echo', version], pattern: /(\S+)/ },
    ...(versionOf ? { versionOf } : {}),
  });
  const versions = new LanguageRegistry([entry('c', '12.2.0'), entry('c-gcc11', '11.3.0', 'c')]);
  assert.equal((await resolveRuntime(versions, 'c', '*'))?.definition.id, 'c');
  assert.equal((await resolveRuntime(versions, 'c', '11.x'))?.definition.id, 'c-gcc11');
  assert.equal((await resolveRuntime(versions, 'c', '11.3.0'))?.version, '11.3.0');
  assert.equal((await resolveRuntime(versions, 'c-gcc11', '*'))?.definition.id, 'c-gcc11');
  assert.equal(await resolveRuntime(versions, 'c', '10'), null);
  assert.deepEqual(
    (await listRuntimes(versions)).map((r) => `${r.language}-${r.version}`),
    ['c-12.2.0', 'c-11.3.0'],
  );
});
