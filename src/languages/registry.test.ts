import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { LANGUAGE_CATALOG } from './catalog.js';
import { LanguageRegistry } from './registry.js';

const registry = new LanguageRegistry();

test('languages are found by id, alias and extension, case-insensitively', () => {
  assert.equal(registry.get('python3').id, 'python3');
  assert.equal(registry.get('PY').id, 'python3');
  assert.equal(registry.get('c++').id, 'cpp');
  assert.equal(registry.forFile('/x/Main.java').id, 'java');
  assert.equal(registry.forFile('solution.CPP').id, 'cpp');
});

test('an unknown language is a clear input error listing what exists', () => {
  assert.throws(
    () => registry.get('brainfuck'),
    (error) => isArbiterError(error, 'LANGUAGE_UNKNOWN') && error.message.includes('python3'),
  );
  assert.throws(
    () => registry.forFile('notes.docx'),
    (error) => isArbiterError(error, 'LANGUAGE_UNKNOWN'),
  );
});

test('two languages cannot claim the same name', () => {
  const [first] = LANGUAGE_CATALOG;
  assert.throws(
    () => new LanguageRegistry([first!, { ...first!, id: 'other', aliases: [first!.id] }]),
    /used by both/,
  );
});

test('the catalog covers what the project promises', () => {
  const ids = LANGUAGE_CATALOG.map((l) => l.id);
  for (const id of [
    'c',
    'cpp',
    'python3',
    'javascript',
    'typescript',
    'java',
    'go',
    'rust',
    'ruby',
    'php',
    'lua',
    'bash',
    'perl',
    'csharp',
    'kotlin',
    'haskell',
    'pascal',
    'fortran',
    'sqlite',
  ]) {
    assert.ok(ids.includes(id), id);
  }
  assert.ok(ids.length >= 21);
});

test('scripts/setup installs every package the catalog names', () => {
  const listed = new Set(
    readFileSync(new URL('../../scripts/debian-packages.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  for (const language of LANGUAGE_CATALOG) {
    for (const pkg of language.packages) assert.ok(listed.has(pkg), `${language.id} needs ${pkg}`);
  }
});

test('every entry is well formed', () => {
  for (const l of LANGUAGE_CATALOG) {
    assert.ok(l.run.length > 0 && l.binary.startsWith('/') && l.sourceFile && l.extensions.length > 0, l.id);
    assert.ok(l.version.pattern instanceof RegExp, l.id);
  }
});

test("a version selects among a language's versions side by side; none picks its own entry", async () => {
  const [c] = LANGUAGE_CATALOG;
  const entry = (id: string, version: string, versionOf?: string, binary = '/bin/sh') => ({
    ...c!,
    id,
    aliases: [],
    binary,
    version: { command: ['/bin/echo', version], pattern: /(\S+)/ },
    ...(versionOf ? { versionOf } : {}),
  });
  const versions = new LanguageRegistry([
    entry('c', '12.2.0'),
    entry('c-gcc11', '11.3.0', 'c'),
    entry('c-gcc9', '9.5.0', 'c', '/nonexistent/gcc-9'),
  ]);
  assert.equal((await versions.resolve('c')).id, 'c');
  assert.equal((await versions.resolve('c', '*')).id, 'c');
  assert.equal((await versions.resolve('c', '11')).id, 'c-gcc11');
  assert.equal((await versions.resolve('c', '11.3.0')).id, 'c-gcc11');
  assert.equal((await versions.resolve('c', '>=11 <13')).id, 'c', 'the newest the range selects');
  assert.equal((await versions.resolve('c', '^11')).id, 'c-gcc11');
  await assert.rejects(
    versions.resolve('c', '9'),
    (error) => isArbiterError(error, 'LANGUAGE_UNAVAILABLE') && /12\.2\.0, 11\.3\.0/.test(error.message),
  );
  await assert.rejects(versions.resolve('c-gcc11', '12'), (error) =>
    isArbiterError(error, 'LANGUAGE_UNAVAILABLE'),
  );
});

test("a language's own entry that is not installed gives way to its first installed version", () => {
  const [c] = LANGUAGE_CATALOG;
  const versions = new LanguageRegistry([
    { ...c!, id: 'c', aliases: [], binary: '/nonexistent/gcc' },
    { ...c!, id: 'c-gcc11', aliases: [], binary: '/bin/sh', versionOf: 'c' },
  ]);
  assert.equal(versions.getInstalled('c').id, 'c-gcc11');
  assert.throws(
    () => new LanguageRegistry([{ ...c!, id: 'x', aliases: [], versionOf: 'nothing' }]),
    /no such language/,
  );
});

test('a version probe that found nothing is asked again later; one that answered is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-version-'));
  try {
    // Fails (prints nothing) on its first call, answers after; every call leaves a line in `calls`.
    const script = join(dir, 'version.sh');
    writeFileSync(
      script,
      `#!/bin/sh\necho call >> ${dir}/calls\n[ -e ${dir}/once ] && echo 1.2.3\ntouch ${dir}/once\n`,
      { mode: 0o755 },
    );
    const [c] = LANGUAGE_CATALOG;
    const flaky = { ...c!, binary: '/bin/sh', version: { command: [script], pattern: /(\d+\.\d+\.\d+)/ } };
    const calls = () => readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).length;

    const soon = new LanguageRegistry([flaky], { versionRetryMs: 0 });
    assert.equal(await soon.version(flaky), null, 'the first probe finds no version');
    assert.equal(await soon.version(flaky), '1.2.3', 'the next ask probes again');
    assert.equal(await soon.version(flaky), '1.2.3');
    assert.equal(calls(), 2, 'an answer is kept');

    rmSync(join(dir, 'once'));
    const later = new LanguageRegistry([flaky], { versionRetryMs: 60_000 });
    assert.equal(await later.version(flaky), null);
    assert.equal(await later.version(flaky), null, 'within the retry delay the failure stands');
    assert.equal(calls(), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
