import { readFileSync } from 'node:fs';
import { COMPILE_CACHE_FORMAT, isSafeArtifactName } from './compile-cache-key.js';
import type { StageResult } from './types.js';

/**
 * A compile-cache entry's manifest on disk (ab/<key>/manifest.json): what it records, and reading
 * it back, where anything missing, unreadable or not of this version's shape counts as no manifest.
 */

export const MANIFEST = 'manifest.json';

export interface ManifestArtifact {
  name: string;
  size: number;
  sha256: string;
  executable: boolean;
}

export interface Manifest {
  format: typeof COMPILE_CACHE_FORMAT;
  key: string;
  createdAt: string;
  artifacts: ManifestArtifact[];
  compile: StageResult;
}

/** The manifest, or null when it is missing, unreadable or not the shape this version writes. */
export function readManifest(path: string, key: string): Manifest | null {
  const text = readFileOrNull(path);
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch {
    return null; // a damaged manifest is a miss; the caller removes the entry
  }
  return isManifest(value, key) ? value : null;
}

function isManifest(value: unknown, key: string): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (m.format !== COMPILE_CACHE_FORMAT || m.key !== key || !Array.isArray(m.artifacts)) return false;
  const artifactsOk = m.artifacts.every((a: unknown) => {
    if (typeof a !== 'object' || a === null) return false;
    const r = a as Record<string, unknown>;
    return (
      typeof r.name === 'string' &&
      isSafeArtifactName(r.name) &&
      Number.isSafeInteger(r.size) &&
      (r.size as number) >= 0 &&
      typeof r.sha256 === 'string' &&
      typeof r.executable === 'boolean'
    );
  });
  if (!artifactsOk) return false;
  const c = m.compile as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.status === 'string' &&
    typeof c.stdout === 'string' &&
    typeof c.stderr === 'string' &&
    typeof c.cpuMs === 'number' &&
    typeof c.wallMs === 'number' &&
    typeof c.memoryKb === 'number'
  );
}

/** A file of an entry, or null when it is not there. */
export function readFileOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // ENOTDIR: a path component is a file, as in a damaged entry; EISDIR: a directory where a file was.
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
