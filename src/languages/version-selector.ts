import semver from 'semver';

/** Selectors that mean "whichever version the server would pick": no version at all. */
const ANY_VERSION = new Set(['', '*', 'latest', 'x']);

/** Whether a request's `version` leaves the choice to the server. */
export const isAnyVersion = (requested: string | undefined): boolean =>
  requested === undefined || ANY_VERSION.has(requested.trim().toLowerCase());

/** A toolchain's version as semver (`6.8.0.105` → `6.8.0`, `25` → `25.0.0`), or null. */
export function semverOf(installed: string | null): string | null {
  if (installed === null) return null;
  return semver.valid(installed) ?? semver.coerce(installed)?.version ?? null;
}

/**
 * Whether a version selector picks an installed version: the exact string, a prefix at a dot
 * (`3.11` for `3.11.2`, `12` for `12.2.0`), or a semver range as Piston clients send (`3.x`,
 * `^3.10`, `>=14 <16`).
 */
export function versionSelects(requested: string, installed: string | null): boolean {
  const wanted = requested.trim();
  if (isAnyVersion(wanted)) return true;
  if (installed === null) return false;
  if (installed === wanted || installed.startsWith(`${wanted}.`)) return true;
  const version = semverOf(installed);
  const range = semver.validRange(wanted);
  return version !== null && range !== null && semver.satisfies(version, range);
}

/** Orders installed versions newest first (unparseable ones last). */
export function compareVersionsDescending(a: string | null, b: string | null): number {
  const sa = semverOf(a);
  const sb = semverOf(b);
  if (sa === null || sb === null) return sa === sb ? 0 : sa === null ? 1 : -1;
  return semver.rcompare(sa, sb);
}
