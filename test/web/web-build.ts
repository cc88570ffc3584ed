// The browser test's prerequisite: dist/web built from the current src/web. The same rule as
// scripts/setup's step 5 (a stamp newer than every source), so `npm test` after setup builds
// nothing, and a change to src/web is never tested against stale pages.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_DIST = join(root, 'dist/web');
const STAMP = join(WEB_DIST, '.build-stamp');
const SOURCES = ['src/web', 'src/languages/samples.ts', 'package-lock.json'].map((p) => join(root, p));
/** A cold Vite build takes about a second here; this is the bound for a slow machine. */
const BUILD_TIMEOUT_MS = 120_000;

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export function webBuildIsStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => existsSync(source) && newestMtime(source) > built);
}

/** Builds dist/web with Vite when it is missing or older than its sources; fails with Vite's output. */
export function ensureWebBuilt(): void {
  if (!webBuildIsStale()) return;
  const vite = join(root, 'node_modules/.bin/vite');
  if (!existsSync(vite)) throw new Error(`vite is missing (${vite}): run scripts/setup or npm ci`);
  const result = spawnSync(vite, ['build', '--config', 'src/web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (result.status !== 0)
    throw new Error(`the web build failed (npm run build:web):\n${result.stdout}\n${result.stderr}`);
  writeFileSync(STAMP, '');
}
