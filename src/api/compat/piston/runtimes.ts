import semver from 'semver';
import type { LanguageDefinition } from '../../../languages/language.js';
import type { LanguageRegistry } from '../../../languages/registry.js';

/** One entry of GET /api/v2/runtimes. */
export interface PistonRuntime {
  language: string;
  version: string;
  aliases: string[];
  /** Piston names it only where a language has several implementations (Python's `pypy`). */
  runtime?: string;
}

/** A language as the Piston API knows it, with the installed version. */
export interface ResolvedRuntime {
  definition: LanguageDefinition;
  /** Piston's name for it (`python`, `c++`). */
  language: string;
  /** The version shown to Piston clients: the installed one, made semver (`6.8.0.105` → `6.8.0`). */
  version: string;
  /** The toolchain's own version string. */
  installed: string | null;
}

export const pistonName = (definition: LanguageDefinition): string => definition.pistonName ?? definition.id;

/** Every other name the language answers to: its id and aliases, without its Piston name. */
export function pistonAliases(definition: LanguageDefinition): string[] {
  const name = pistonName(definition);
  return [...new Set([definition.id, ...definition.aliases])].filter((alias) => alias !== name);
}

/**
 * Piston's versions are semver; a toolchain's may not be (mono's `6.8.0.105`). Such a version is
 * shown coerced, and either spelling is accepted on the way back in.
 */
export function semverOf(installed: string | null): string {
  if (installed === null) return '0.0.0';
  return semver.valid(installed) ?? semver.coerce(installed)?.version ?? '0.0.0';
}

/** Whether a request's version selector (exact, `*`, or a semver range such as `3.x`, `^3.10`) picks this one. */
export function versionMatches(requested: string, installed: string | null): boolean {
  const version = semverOf(installed);
  const wanted = requested.trim();
  if (wanted === '*' || wanted === version || (installed !== null && wanted === installed)) return true;
  const range = semver.validRange(wanted);
  return range !== null && semver.satisfies(version, range);
}

/** A request's language by Piston name first, then by Arbiter id or alias (case-insensitive). */
export function findDefinition(registry: LanguageRegistry, name: string): LanguageDefinition | null {
  const wanted = name.trim().toLowerCase();
  return (
    registry.definitions.find((d) => pistonName(d).toLowerCase() === wanted) ??
    registry.definitions.find((d) => [d.id, ...d.aliases].some((alias) => alias.toLowerCase() === wanted)) ??
    null
  );
}

/** The installed languages, as GET /api/v2/runtimes lists them. */
export async function listRuntimes(registry: LanguageRegistry): Promise<PistonRuntime[]> {
  const installed = registry.definitions.filter((d) => registry.isInstalled(d));
  return Promise.all(
    installed.map(async (definition) => ({
      language: pistonName(definition),
      version: semverOf(await registry.version(definition)),
      aliases: pistonAliases(definition),
      ...(definition.pistonRuntime ? { runtime: definition.pistonRuntime } : {}),
    })),
  );
}

/**
 * The installed runtime a request names, or null when none matches (unknown language, toolchain
 * not installed, or no installed version in the selector's range).
 */
export async function resolveRuntime(
  registry: LanguageRegistry,
  language: string,
  version: string,
): Promise<ResolvedRuntime | null> {
  const named = findDefinition(registry, language);
  if (!named) return null;
  // Several versions answer to one name (GCC 11 and 12 as `c`, CPython and PyPy as `python`): the
  // newest installed one the selector picks, as Piston does. One version's own id (`c-gcc11`) is that one.
  const byPistonName = pistonName(named).toLowerCase() === language.trim().toLowerCase();
  const candidates = [
    named,
    ...registry.otherVersions(named),
    ...(byPistonName ? registry.definitions.filter((d) => pistonName(d) === pistonName(named)) : []),
  ].filter((d, i, all) => all.indexOf(d) === i && registry.isInstalled(d));
  let best: ResolvedRuntime | null = null;
  for (const definition of candidates) {
    const installed = await registry.version(definition);
    if (!versionMatches(version, installed)) continue;
    if (best && !semver.gt(semverOf(installed), best.version)) continue;
    best = { definition, language: pistonName(definition), version: semverOf(installed), installed };
  }
  return best;
}
