import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { compileCacheKey } from './compile-cache-key.js';
import { CompileCache, DEFAULT_COMPILE_CACHE_OPTIONS, type CachedCompile } from './compile-cache.js';
import type { StageResult } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-compile-cache-'));
  dirs.push(dir);
  return dir;
}

const STAGE: StageResult = {
  status: 'accepted',
  stdout: '',
  stderr: 'main.c:3:5: warning: unused variable ‘x’',
  exitCode: 0,
  signal: null,
  cpuMs: 120,
  wallMs: 150,
  memoryKb: 20480,
};

function keyOf(label: string): string {
  return compileCacheKey({
    languageId: 'c',
    version: '13',
    compileCommand: ['cc'],
    files: [{ name: label, content: '' }],
  });
}

/** An entry of one executable artifact of `size` bytes. */
function entry(size: number, fill = 'x'): CachedCompile {
  return {
    artifacts: [{ name: 'main', content: Buffer.alloc(size, fill), executable: true }],
    compile: STAGE,
  };
}

/** The on-disk size of an entry (artifacts plus manifest), measured by a scratch cache. */
function sizeOf(value: CachedCompile): number {
  const cache = new CompileCache({ dir: tempDir() });
  assert.equal(cache.put(keyOf('measure'), value), true);
  return cache.stats().bytes;
}

/** A cache in a fresh directory holding a 10-byte entry under the key of each label. */
function cacheHolding(...labels: string[]): { dir: string; cache: CompileCache; keys: string[] } {
  const dir = tempDir();
  const cache = new CompileCache({ dir });
  const keys = labels.map((label) => keyOf(label));
  for (const key of keys) cache.put(key, entry(10));
  return { dir, cache, keys };
}

function entryDir(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), key);
}

describe('CompileCache', () => {
  test('misses, then hits with the same artifacts and compile stage', () => {
    const cache = new CompileCache({ dir: tempDir() });
    const key = keyOf('a');
    assert.equal(cache.get(key), null);
    const value: CachedCompile = {
      artifacts: [
        { name: 'main', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]), executable: true },
        { name: 'pkg/Main.class', content: Buffer.from('cafebabe'), executable: false },
        { name: 'empty', content: Buffer.alloc(0), executable: false },
      ],
      compile: { ...STAGE, stderrTruncated: false },
    };
    assert.equal(cache.put(key, value), true);
    assert.deepEqual(cache.get(key), value);
    assert.equal(cache.get(keyOf('b')), null);
    const stats = cache.stats();
    assert.deepEqual(
      { ...stats, bytes: stats.bytes > 6 + 8 },
      { entries: 1, bytes: true, hits: 1, misses: 2, evictions: 0, corrupted: 0 },
    );
  });

  test('stores artifacts with their mode, under a directory per key', () => {
    const dir = tempDir();
    const cache = new CompileCache({ dir });
    const key = keyOf('a');
    cache.put(key, {
      artifacts: [
        { name: 'main', content: Buffer.from('bin'), executable: true },
        { name: 'lib/data', content: Buffer.from('d'), executable: false },
      ],
      compile: STAGE,
    });
    const root = entryDir(dir, key);
    assert.ok(existsSync(join(root, 'manifest.json')));
    assert.equal(statSync(join(root, 'files', 'main')).mode & 0o111, 0o111);
    assert.equal(statSync(join(root, 'files', 'lib', 'data')).mode & 0o111, 0);
    assert.deepEqual(readdirSync(join(dir, '.tmp')), [], 'no temporary directory is left behind');
  });

  test('replaces an entry put twice under one key', () => {
    const cache = new CompileCache({ dir: tempDir() });
    const key = keyOf('a');
    cache.put(key, entry(100, 'a'));
    cache.put(key, entry(50, 'b'));
    assert.deepEqual(cache.get(key), entry(50, 'b'));
    assert.equal(cache.stats().entries, 1);
    assert.equal(cache.stats().bytes, sizeOf(entry(50, 'b')));
  });

  test('survives a restart: a new cache on the same directory finds the entries', () => {
    const dir = tempDir();
    const first = new CompileCache({ dir });
    first.put(keyOf('a'), entry(10, 'a'));
    first.put(keyOf('b'), entry(20, 'b'));
    const bytes = first.stats().bytes;
    const second = new CompileCache({ dir });
    assert.equal(second.stats().entries, 2);
    assert.equal(second.stats().bytes, bytes);
    assert.deepEqual(second.get(keyOf('a')), entry(10, 'a'));
    assert.deepEqual(second.get(keyOf('b')), entry(20, 'b'));
  });

  test('evicts the least recently used entries when over maxBytes; get makes an entry recent', () => {
    const one = sizeOf(entry(1000));
    const cache = new CompileCache({ dir: tempDir(), maxBytes: one * 3 });
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(keyOf) as [string, string, string, string, string];
    cache.put(a, entry(1000));
    cache.put(b, entry(1000));
    cache.put(c, entry(1000));
    assert.equal(cache.stats().entries, 3);
    assert.ok(cache.get(a), 'a is now the most recently used');
    cache.put(d, entry(1000));
    assert.equal(cache.get(b), null, 'b, least recently used, was evicted');
    assert.ok(cache.get(c));
    assert.ok(cache.get(a));
    assert.ok(cache.get(d));
    // Order of use is now c, a, d: e pushes out c.
    cache.put(e, entry(1000));
    assert.equal(cache.get(c), null);
    assert.deepEqual(
      [a, d, e].map((key) => cache.get(key) !== null),
      [true, true, true],
    );
    assert.equal(cache.stats().evictions, 2);
    assert.ok(cache.stats().bytes <= one * 3);
  });

  test('evicts several small entries to fit a big one', () => {
    const small = sizeOf(entry(100));
    const big = sizeOf(entry(2000));
    const cache = new CompileCache({ dir: tempDir(), maxBytes: big + small });
    for (const label of ['a', 'b', 'c', 'd']) cache.put(keyOf(label), entry(100));
    cache.put(keyOf('big'), entry(2000));
    assert.equal(cache.stats().entries, 2);
    assert.ok(cache.get(keyOf('d')), 'the most recent small entry stays');
    assert.ok(cache.get(keyOf('big')));
    assert.equal(cache.stats().evictions, 3);
  });

  test('keeps the LRU order across a restart', () => {
    const dir = tempDir();
    const one = sizeOf(entry(1000));
    const first = new CompileCache({ dir });
    for (const label of ['a', 'b', 'c']) first.put(keyOf(label), entry(1000));
    first.get(keyOf('a'));
    // Reopening with room for two evicts the least recently used: b.
    const second = new CompileCache({ dir, maxBytes: one * 2 });
    assert.equal(second.stats().entries, 2);
    assert.equal(second.stats().evictions, 1);
    assert.equal(second.get(keyOf('b')), null);
    assert.ok(second.get(keyOf('a')));
    assert.ok(second.get(keyOf('c')));
    assert.ok(!existsSync(entryDir(dir, keyOf('b'))), 'the evicted entry is gone from disk');
  });

  test('refuses an entry bigger than maxEntryBytes or maxBytes, storing nothing', () => {
    const dir = tempDir();
    const size = sizeOf(entry(5000));
    const cache = new CompileCache({ dir, maxEntryBytes: size - 1 });
    assert.equal(cache.put(keyOf('a'), entry(5000)), false);
    assert.equal(cache.get(keyOf('a')), null);
    assert.equal(cache.put(keyOf('b'), entry(4000)), true);
    assert.deepEqual(readdirSync(dir).sort(), ['.tmp', keyOf('b').slice(0, 2)].sort());

    const small = new CompileCache({ dir: tempDir(), maxBytes: size - 1 });
    assert.equal(small.put(keyOf('a'), entry(5000)), false);
    assert.equal(small.stats().entries, 0);
    assert.equal(DEFAULT_COMPILE_CACHE_OPTIONS.maxEntryBytes, 64 * 1024 * 1024);
    assert.equal(DEFAULT_COMPILE_CACHE_OPTIONS.maxBytes, 512 * 1024 * 1024);
  });

  test('refuses artifact names that would escape its directory or clash', () => {
    const dir = tempDir();
    const cache = new CompileCache({ dir });
    const artifact = (name: string) => ({ name, content: Buffer.from('x'), executable: false });
    for (const names of [['../evil'], ['/etc/evil'], ['a/../../evil'], ['a', 'a'], ['a', 'a/b'], ['']]) {
      assert.equal(
        cache.put(keyOf('a'), { artifacts: names.map(artifact), compile: STAGE }),
        false,
        names.join(),
      );
    }
    assert.equal(cache.stats().entries, 0);
    assert.ok(!existsSync(join(dir, '..', 'evil')));
  });

  test('treats a corrupt manifest as a miss and removes the entry', () => {
    const { dir, cache, keys } = cacheHolding('a');
    const [key = ''] = keys;
    writeFileSync(join(entryDir(dir, key), 'manifest.json'), '{"format":1,"key":');
    assert.equal(cache.get(key), null);
    assert.ok(!existsSync(entryDir(dir, key)));
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, hits: 0, misses: 1, evictions: 0, corrupted: 1 });
  });

  test('treats a missing or altered artifact as a miss', () => {
    const { dir, cache, keys } = cacheHolding('a', 'b');
    const [a = '', b = ''] = keys;
    rmSync(join(entryDir(dir, a), 'files', 'main'));
    writeFileSync(join(entryDir(dir, b), 'files', 'main'), 'y'.repeat(10));
    assert.equal(cache.get(a), null);
    assert.equal(cache.get(b), null);
    assert.equal(cache.stats().corrupted, 2);
    assert.equal(cache.stats().entries, 0);
  });

  test('at start-up, drops half-written and damaged entries and keeps good ones', () => {
    const { dir, keys } = cacheHolding('good', 'bad');
    const [good = '', bad = ''] = keys;
    writeFileSync(join(entryDir(dir, bad), 'manifest.json'), 'not json');
    // What a crash mid-put leaves: a temporary directory without its rename.
    mkdirSync(join(dir, '.tmp', 'half'), { recursive: true });
    writeFileSync(join(dir, '.tmp', 'half', 'main'), 'partial');
    // An entry directory with no manifest.
    const orphan = keyOf('orphan');
    mkdirSync(join(entryDir(dir, orphan), 'files'), { recursive: true });

    const second = new CompileCache({ dir });
    assert.equal(second.stats().entries, 1);
    assert.equal(second.stats().corrupted, 2);
    assert.deepEqual(second.get(good), entry(10));
    assert.ok(!existsSync(join(dir, '.tmp', 'half')));
    assert.ok(!existsSync(entryDir(dir, bad)));
    assert.ok(!existsSync(entryDir(dir, orphan)));
  });

  test('clear removes every entry but keeps the counters', () => {
    const { dir, cache } = cacheHolding('a');
    cache.get(keyOf('a'));
    cache.clear();
    assert.equal(cache.get(keyOf('a')), null);
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, hits: 1, misses: 1, evictions: 0, corrupted: 0 });
    assert.deepEqual(
      readdirSync(dir).filter((name) => name !== '.tmp'),
      [],
    );
    assert.equal(new CompileCache({ dir }).stats().entries, 0);
  });

  test('refuses keys that are not sha256 hex and bad options, naming them', () => {
    const cache = new CompileCache({ dir: tempDir() });
    for (const key of ['../../etc', 'ABC', keyOf('a').toUpperCase(), '']) {
      assert.throws(
        () => cache.get(key),
        (error) => isArbiterError(error, 'INVALID_INPUT'),
      );
      assert.throws(
        () => cache.put(key, entry(1)),
        (error) => isArbiterError(error, 'INVALID_INPUT'),
      );
    }
    for (const [option, value] of [
      ['maxBytes', 0],
      ['maxBytes', -1],
      ['maxEntryBytes', 1.5],
      ['maxEntryBytes', Infinity],
    ] as const) {
      assert.throws(
        () => new CompileCache({ dir: tempDir(), [option]: value }),
        (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(option),
      );
    }
    assert.throws(
      () => new CompileCache({ dir: '' }),
      (error) => isArbiterError(error, 'INVALID_INPUT'),
    );
  });
});
