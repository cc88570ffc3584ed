import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArbiterError } from '../errors.js';
import {
  artifactNamesUsable,
  checkCompileCacheKey,
  COMPILE_CACHE_FORMAT,
  COMPILE_CACHE_KEY_PATTERN,
} from './compile-cache-key.js';
import {
  isMissing,
  MANIFEST,
  readFileOrNull,
  readManifest,
  type Manifest,
} from './compile-cache-manifest.js';
import type { StageResult } from './types.js';

/**
 * An on-disk, size-capped, least-recently-used cache of compiled artifacts, so that a resubmission
 * of the same program never compiles again.
 *
 * Layout under `dir`:
 *
 *     ab/abcdef…(64 hex)/manifest.json   what the entry holds (sizes, sha256, the compile's StageResult)
 *     ab/abcdef…/files/<artifact name>   the artifacts, as relative paths ("main", "pkg/Main.class")
 *     .tmp/                              entries being written; emptied at start-up
 *
 * An entry is written complete in .tmp and renamed into place, so a crash never leaves a half entry
 * that get() would return. The rename does not fsync: a power loss may still leave a damaged file,
 * which get() detects by its sha256 and treats as a miss. Recency is the manifest's mtime, so the
 * LRU order survives a restart. One process per directory: there is no cross-process locking.
 */

/** Options of a CompileCache. */
export interface CompileCacheOptions {
  /** Directory owned by the cache; created when missing. */
  dir: string;
  /** Total size of all entries, bytes, before the least recently used are evicted. Default: 512 MiB. */
  maxBytes?: number;
  /** Largest single entry, bytes; a bigger one is not cached. Default: 64 MiB. */
  maxEntryBytes?: number;
}

export const DEFAULT_COMPILE_CACHE_OPTIONS = Object.freeze({
  maxBytes: 512 * 1024 * 1024,
  maxEntryBytes: 64 * 1024 * 1024,
});

/** One successful compile: its output files and its StageResult (so a hit still shows warnings). */
export interface CachedCompile {
  artifacts: CachedArtifact[];
  compile: StageResult;
}

export interface CachedArtifact {
  /** Path relative to the work directory, "/"-separated, e.g. "main" or "pkg/Main.class". */
  name: string;
  content: Buffer;
  executable: boolean;
}

export interface CompileCacheStats {
  entries: number;
  /** Size of all entries: artifact bytes plus manifests. */
  bytes: number;
  hits: number;
  misses: number;
  /** Entries removed to make room. */
  evictions: number;
  /** Entries found damaged (unreadable manifest, missing or altered file) and removed. */
  corrupted: number;
}

const FILES_DIR = 'files';
const TMP_DIR = '.tmp';

interface IndexEntry {
  bytes: number;
}

export class CompileCache {
  readonly options: Required<CompileCacheOptions>;
  /** Entries in least- to most-recently-used order (a Map keeps insertion order). */
  readonly #index = new Map<string, IndexEntry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #corrupted = 0;
  /** Last recency stamp written, ms; strictly increasing so on-disk order matches #index order. */
  #clock = 0;

  /** Opens (or creates) the cache in options.dir and indexes the entries already there. */
  constructor(options: CompileCacheOptions) {
    if (typeof options.dir !== 'string' || options.dir === '') {
      throw new ArbiterError('INVALID_INPUT', 'compile cache dir must be a non-empty path');
    }
    const resolved = { ...DEFAULT_COMPILE_CACHE_OPTIONS, dir: options.dir };
    for (const key of ['maxBytes', 'maxEntryBytes'] as const) {
      const value = options[key];
      if (value === undefined) continue;
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new ArbiterError(
          'INVALID_INPUT',
          `compile cache ${key} must be a positive whole number of bytes; got ${String(value)}`,
        );
      }
      resolved[key] = value;
    }
    this.options = resolved;
    mkdirSync(this.options.dir, { recursive: true });
    // Leftovers of writes cut short by a crash; never part of an entry.
    rmSync(join(this.options.dir, TMP_DIR), { recursive: true, force: true });
    this.#scan();
    this.#evictUntil(this.options.maxBytes);
  }

  /** The entry for `key`, marked as just used; null on a miss. A damaged entry is removed and misses. */
  get(key: string): CachedCompile | null {
    checkCompileCacheKey(key);
    if (!this.#index.has(key)) {
      this.#misses++;
      return null;
    }
    const entry = this.#read(key);
    if (!entry) {
      this.#corrupted++;
      this.#remove(key);
      this.#misses++;
      return null;
    }
    this.#touch(key);
    this.#hits++;
    return entry;
  }

  /**
   * Stores an entry (replacing one with the same key), then evicts the least recently used entries
   * until the cache fits in maxBytes. Returns false, storing nothing, when the entry cannot be
   * cached: it is bigger than maxEntryBytes (or maxBytes), or an artifact name is not a safe
   * relative path, is repeated, or is both a file and a directory. Throws on an I/O failure (a full
   * disk), leaving no partial entry behind.
   */
  put(key: string, entry: CachedCompile): boolean {
    checkCompileCacheKey(key);
    if (!artifactNamesUsable(entry.artifacts.map((a) => a.name))) return false;
    const manifest: Manifest = {
      format: COMPILE_CACHE_FORMAT,
      key,
      createdAt: new Date().toISOString(),
      artifacts: entry.artifacts.map((a) => ({
        name: a.name,
        size: a.content.length,
        sha256: sha256(a.content),
        executable: a.executable,
      })),
      compile: entry.compile,
    };
    const manifestText = JSON.stringify(manifest);
    const bytes = entrySize(manifest, Buffer.byteLength(manifestText));
    if (bytes > Math.min(this.options.maxEntryBytes, this.options.maxBytes)) return false;

    const tmpRoot = join(this.options.dir, TMP_DIR);
    mkdirSync(tmpRoot, { recursive: true });
    const tmp = join(tmpRoot, `${key}-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(tmp);
      for (const artifact of entry.artifacts) {
        const path = join(tmp, FILES_DIR, artifact.name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, artifact.content, { mode: artifact.executable ? 0o755 : 0o644 });
      }
      // The manifest goes last: a directory with a manifest is complete.
      writeFileSync(join(tmp, MANIFEST), manifestText);
      if (this.#index.has(key)) this.#remove(key);
      const final = this.#entryDir(key);
      // An unindexed directory here can only be debris; rename would fail on it.
      rmSync(final, { recursive: true, force: true });
      mkdirSync(dirname(final), { recursive: true });
      renameSync(tmp, final);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
    this.#index.set(key, { bytes });
    this.#bytes += bytes;
    this.#touch(key);
    this.#evictUntil(this.options.maxBytes);
    return true;
  }

  stats(): CompileCacheStats {
    return {
      entries: this.#index.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      corrupted: this.#corrupted,
    };
  }

  /** Removes every entry. The hit, miss and eviction counters keep counting (they are metrics). */
  clear(): void {
    for (const key of [...this.#index.keys()]) this.#remove(key);
    for (const shard of listDir(this.options.dir)) {
      if (/^[0-9a-f]{2}$/.test(shard))
        rmSync(join(this.options.dir, shard), { recursive: true, force: true });
    }
  }

  #entryDir(key: string): string {
    return join(this.options.dir, key.slice(0, 2), key);
  }

  /** Indexes the entries on disk, oldest use first; removes what is not a complete entry. */
  #scan(): void {
    const found: { key: string; bytes: number; lastUsed: number }[] = [];
    for (const shard of listDir(this.options.dir)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const key of listDir(join(this.options.dir, shard))) {
        const dir = join(this.options.dir, shard, key);
        const manifestPath = join(dir, MANIFEST);
        const manifest =
          COMPILE_CACHE_KEY_PATTERN.test(key) && key.startsWith(shard)
            ? readManifest(manifestPath, key)
            : null;
        if (!manifest) {
          this.#corrupted++;
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        const stat = statSync(manifestPath);
        found.push({ key, bytes: entrySize(manifest, stat.size), lastUsed: stat.mtimeMs });
      }
    }
    found.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const { key, bytes } of found) {
      this.#index.set(key, { bytes });
      this.#bytes += bytes;
    }
    this.#clock = Math.max(this.#clock, found.at(-1)?.lastUsed ?? 0);
  }

  /** The complete entry, or null when anything about it is missing or does not match its manifest. */
  #read(key: string): CachedCompile | null {
    const dir = this.#entryDir(key);
    const manifest = readManifest(join(dir, MANIFEST), key);
    if (!manifest) return null;
    const artifacts: CachedArtifact[] = [];
    for (const artifact of manifest.artifacts) {
      const content = readFileOrNull(join(dir, FILES_DIR, artifact.name));
      if (!content || content.length !== artifact.size || sha256(content) !== artifact.sha256) return null;
      artifacts.push({ name: artifact.name, content, executable: artifact.executable });
    }
    return { artifacts, compile: manifest.compile };
  }

  /** Marks an entry as just used, in memory and in the manifest's mtime (for the next start). */
  #touch(key: string): void {
    const entry = this.#index.get(key)!;
    this.#index.delete(key);
    this.#index.set(key, entry);
    this.#clock = Math.max(Date.now(), this.#clock + 1);
    const stamp = new Date(this.#clock);
    utimesSync(join(this.#entryDir(key), MANIFEST), stamp, stamp);
  }

  #remove(key: string): void {
    const entry = this.#index.get(key);
    if (entry) {
      this.#index.delete(key);
      this.#bytes -= entry.bytes;
    }
    const dir = this.#entryDir(key);
    rmSync(dir, { recursive: true, force: true });
    removeIfEmpty(dirname(dir));
  }

  #evictUntil(maxBytes: number): void {
    for (const key of this.#index.keys()) {
      if (this.#bytes <= maxBytes) return;
      this.#remove(key);
      this.#evictions++;
    }
  }
}

function entrySize(manifest: Manifest, manifestBytes: number): number {
  return manifest.artifacts.reduce((sum, a) => sum + a.size, manifestBytes);
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

function removeIfEmpty(path: string): void {
  if (listDir(path).length === 0) rmSync(path, { recursive: true, force: true });
}
