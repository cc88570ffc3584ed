import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { compileCacheKey, isSafeArtifactName, selectArtifacts } from './compile-cache-key.js';

describe('compileCacheKey', () => {
  const base = {
    languageId: 'cpp',
    version: 'g++ 13.2.0',
    compileCommand: ['g++', '-O2', '-o', 'main', 'main.cpp'],
    files: [
      { name: 'main.cpp', content: 'int main() {}' },
      { name: 'util.h', content: '#pragma once' },
    ],
  };

  test('is a stable sha256 hex digest', () => {
    const key = compileCacheKey(base);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(compileCacheKey(structuredClone(base)), key);
  });

  test('does not depend on the order of files', () => {
    assert.equal(compileCacheKey({ ...base, files: [...base.files].reverse() }), compileCacheKey(base));
  });

  test('treats a string and a Buffer with the same bytes alike', () => {
    const files = base.files.map((f) => ({ ...f, content: Buffer.from(f.content) }));
    assert.equal(compileCacheKey({ ...base, files }), compileCacheKey(base));
  });

  test('changes with the language, version, command, any file name, content or mode', () => {
    const key = compileCacheKey(base);
    const variants = [
      { ...base, languageId: 'c' },
      { ...base, version: 'g++ 13.2.1' },
      { ...base, compileCommand: ['g++', '-O3', '-o', 'main', 'main.cpp'] },
      { ...base, compileCommand: [...base.compileCommand, '-lm'] },
      { ...base, files: [base.files[0]!, { name: 'util.h', content: '#pragma  once' }] },
      { ...base, files: [base.files[0]!, { name: 'util.hpp', content: '#pragma once' }] },
      { ...base, files: [base.files[0]!] },
      { ...base, files: [base.files[0]!, { ...base.files[1]!, executable: true }] },
    ];
    const keys = new Set(variants.map(compileCacheKey));
    assert.equal(keys.size, variants.length, 'every variant has its own key');
    assert.ok(!keys.has(key));
  });

  test('cannot be fooled by moving bytes between fields', () => {
    const a = { languageId: 'ab', version: 'c', compileCommand: ['x y'], files: [] };
    const b = { languageId: 'a', version: 'bc', compileCommand: ['x', 'y'], files: [] };
    assert.notEqual(compileCacheKey(a), compileCacheKey({ ...a, languageId: 'a', version: 'bc' }));
    assert.notEqual(compileCacheKey(a), compileCacheKey({ ...a, compileCommand: ['x', 'y'] }));
    assert.notEqual(
      compileCacheKey({ ...b, compileCommand: ['', 'x'] }),
      compileCacheKey({ ...b, compileCommand: ['x', ''] }),
    );
    const oneFile = { ...a, files: [{ name: 'ab', content: 'c' }] };
    assert.notEqual(
      compileCacheKey(oneFile),
      compileCacheKey({ ...a, files: [{ name: 'a', content: 'bc' }] }),
    );
  });

  test('refuses two files with the same name', () => {
    assert.throws(
      () => compileCacheKey({ ...base, files: [base.files[0]!, base.files[0]!] }),
      (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes('main.cpp'),
    );
  });
});

describe('selectArtifacts', () => {
  const file = (name: string) => ({ name, size: 10, executable: false });

  test('keeps what the compile produced and leaves the sources out, sorted', () => {
    assert.deepEqual(
      selectArtifacts(
        ['Main.java'],
        [file('Main.java'), file('Main.class'), file('Main$Inner.class')],
        ['Main.java'],
      ),
      ['Main$Inner.class', 'Main.class'],
    );
    assert.deepEqual(selectArtifacts(['main.c'], [file('main.c'), file('main')], ['main.c']), ['main']);
  });

  test('keeps nested artifacts and files that were there before but are not sources', () => {
    assert.deepEqual(
      selectArtifacts(
        ['src/a.rs', 'data.txt'],
        [file('src/a.rs'), file('data.txt'), file('target/a')],
        ['src/a.rs'],
      ),
      ['data.txt', 'target/a'],
    );
  });

  test('is empty when the compile produced nothing', () => {
    assert.deepEqual(selectArtifacts(['a.py'], [file('a.py')], ['a.py']), []);
    assert.deepEqual(selectArtifacts([], [], []), []);
  });
});

describe('isSafeArtifactName', () => {
  test('accepts relative paths and refuses escapes', () => {
    for (const name of ['main', 'pkg/Main.class', 'a.out', '.hidden', 'x..y'])
      assert.equal(isSafeArtifactName(name), true, name);
    for (const name of [
      '',
      '/etc/passwd',
      '../x',
      'a/../../x',
      'a/..',
      './a',
      'a//b',
      'a/',
      'a\\b',
      'a\0b',
      'x'.repeat(256),
    ]) {
      assert.equal(isSafeArtifactName(name), false, JSON.stringify(name));
    }
  });
});
