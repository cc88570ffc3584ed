import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import semver from 'semver';
import type { Language } from '../contract.js';
import { ArbiterError } from '../errors.js';
import { LANGUAGE_CATALOG } from './catalog.js';
import type { LanguageDefinition } from './language.js';
import { unavailableByName, unavailableMessage } from './unavailable.js';

/** How long a toolchain may take to print its version (the JVM-based ones are slow). */
const VERSION_TIMEOUT_MS = 20_000;
/** A probe that found no version (it failed or timed out) is asked again after this long, by default. */
const VERSION_RETRY_MS = 30_000;

/** How a registry asks toolchains their versions. */
export interface RegistryOptions {
  /** After a probe found no version, how long until the next ask probes again, in ms. Default 30 s. */
  versionRetryMs?: number;
}

/** A version as asked: the answer (null while unknown) and, when it found none, when it may be asked again. */
interface VersionProbe {
  answer: Promise<string | null>;
  retryAt: number;
}

/** A language as GET /api/v1/languages lists it: the contract's Language, and what it is a version of. */
export interface LanguageInfo extends Language {
  /** The language this entry is another version of (`c` for GCC 11), or null for a language's own entry. */
  versionOf: string | null;
}

function runVersionCommand(definition: LanguageDefinition): Promise<string | null> {
  const [file, ...args] = definition.version.command;
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      { timeout: VERSION_TIMEOUT_MS, env: { PATH: '/usr/bin:/bin', HOME: '/tmp' } },
      (_error, stdout, stderr) => {
        // A toolchain may print its version and still exit non-zero (or on stderr): the text decides.
        const match = definition.version.pattern.exec(`${stdout}\n${stderr}`.trim());
        resolve(match?.[1] ?? null);
      },
    );
  });
}

// How a request's `version` picks among the installed versions of a language (resolve below).

/** Selectors that mean "whichever version the server would pick": no version at all. */
const ANY_VERSION = new Set(['', '*', 'latest', 'x']);

/** Whether a request's `version` leaves the choice to the server. */
const isAnyVersion = (requested: string | undefined): boolean =>
  requested === undefined || ANY_VERSION.has(requested.trim().toLowerCase());

/** A toolchain's version as semver (`6.8.0.105` → `6.8.0`, `25` → `25.0.0`), or null. */
function semverOf(installed: string | null): string | null {
  if (installed === null) return null;
  return semver.valid(installed) ?? semver.coerce(installed)?.version ?? null;
}

/**
 * Whether a version selector picks an installed version: the exact string, a prefix at a dot
 * (`3.11` for `3.11.2`, `12` for `12.2.0`), or a semver range as Piston clients send (`3.x`,
 * `^3.10`, `>=14 <16`).
 */
function versionSelects(requested: string, installed: string | null): boolean {
  const wanted = requested.trim();
  if (isAnyVersion(wanted)) return true;
  if (installed === null) return false;
  if (installed === wanted || installed.startsWith(`${wanted}.`)) return true;
  const version = semverOf(installed);
  const range = semver.validRange(wanted);
  return version !== null && range !== null && semver.satisfies(version, range);
}

/** Orders installed versions newest first (unparseable ones last). */
function compareVersionsDescending(a: string | null, b: string | null): number {
  const sa = semverOf(a);
  const sb = semverOf(b);
  if (sa === null || sb === null) return sa === sb ? 0 : sa === null ? 1 : -1;
  return semver.rcompare(sa, sb);
}

/** The languages Arbiter knows, looked up by id, alias or file extension. */
export class LanguageRegistry {
  readonly #byName = new Map<string, LanguageDefinition>();
  readonly #versions = new Map<string, VersionProbe>();
  readonly #installed = new Map<string, boolean>();

  /** Each language's other versions, by the id of the language's own entry. */
  readonly #otherVersions = new Map<string, LanguageDefinition[]>();

  readonly #versionRetryMs: number;

  constructor(
    readonly definitions: readonly LanguageDefinition[] = LANGUAGE_CATALOG,
    options: RegistryOptions = {},
  ) {
    this.#versionRetryMs = options.versionRetryMs ?? VERSION_RETRY_MS;
    for (const definition of definitions) {
      if (definition.versionOf !== undefined) {
        const family = this.#otherVersions.get(definition.versionOf) ?? [];
        family.push(definition);
        this.#otherVersions.set(definition.versionOf, family);
      }
      for (const name of [definition.id, ...definition.aliases]) {
        const key = name.toLowerCase();
        const existing = this.#byName.get(key);
        if (existing)
          throw new Error(`language name ${name} is used by both ${existing.id} and ${definition.id}`);
        this.#byName.set(key, definition);
      }
    }
    for (const [id] of this.#otherVersions) {
      const own = this.#byName.get(id);
      if (!own || own.id !== id || own.versionOf !== undefined)
        throw new Error(
          `languages name ${id} as the language they are versions of, but no such language exists`,
        );
    }
  }

  /**
   * By id or alias, case-insensitive. Throws LANGUAGE_UNAVAILABLE with the reason for a language
   * Debian cannot supply (unavailable.ts), LANGUAGE_UNKNOWN naming the ids that exist otherwise.
   */
  get(name: string): LanguageDefinition {
    const definition = this.#byName.get(name.trim().toLowerCase());
    if (!definition) {
      const unavailable = unavailableByName(name);
      if (unavailable) throw new ArbiterError('LANGUAGE_UNAVAILABLE', unavailableMessage(unavailable));
      throw new ArbiterError(
        'LANGUAGE_UNKNOWN',
        `unknown language "${name}"; known: ${this.definitions.map((d) => d.id).join(', ')}`,
      );
    }
    return definition;
  }

  /**
   * Like get(), but also requires the toolchain to be installed. A language's own entry whose
   * toolchain is missing gives way to its first installed other version (catalog order).
   */
  getInstalled(name: string): LanguageDefinition {
    const named = this.get(name);
    const definition = this.isInstalled(named)
      ? named
      : (this.otherVersions(named).find((d) => this.isInstalled(d)) ?? named);
    if (!this.isInstalled(definition)) {
      throw new ArbiterError(
        'LANGUAGE_UNAVAILABLE',
        `${definition.name} is not installed on this server (apt-get install ${definition.packages.join(' ')}, or run scripts/setup)`,
      );
    }
    return definition;
  }

  /** The other versions of a language's own entry (none for an entry that is itself another version). */
  otherVersions(definition: LanguageDefinition): readonly LanguageDefinition[] {
    return this.#otherVersions.get(definition.id) ?? [];
  }

  /**
   * The installed entry a request names with its `version`: without one (or `*`, `latest`), as
   * getInstalled(); with one, the newest installed version of that language it selects, exactly,
   * by prefix (`3.11`, `12`) or as a semver range (`^3.9`). Naming another version's own id (`c-gcc11`)
   * narrows the choice to that entry. Throws LANGUAGE_UNAVAILABLE listing the installed versions.
   */
  async resolve(name: string, version?: string): Promise<LanguageDefinition> {
    if (isAnyVersion(version)) return this.getInstalled(name);
    const named = this.get(name);
    const candidates = [named, ...this.otherVersions(named)].filter((d) => this.isInstalled(d));
    const versions = await Promise.all(candidates.map((d) => this.version(d)));
    const matching = candidates
      .map((definition, i) => ({ definition, version: versions[i]! }))
      .filter((c) => versionSelects(version!, c.version))
      .sort((a, b) => compareVersionsDescending(a.version, b.version));
    if (matching[0]) return matching[0].definition;
    const have = versions.filter((v): v is string => v !== null);
    throw new ArbiterError(
      'LANGUAGE_UNAVAILABLE',
      `${named.name} ${version!.trim()} is not installed; this server has ${have.length > 0 ? have.join(', ') : 'no version of it'}`,
    );
  }

  /** The language for a source file, by extension. */
  forFile(path: string): LanguageDefinition {
    const ext = extname(path).toLowerCase();
    const definition = this.definitions.find((d) => d.extensions.includes(ext));
    if (!definition) {
      throw new ArbiterError(
        'LANGUAGE_UNKNOWN',
        `cannot tell the language of ${path} from "${ext}"; pass --lang`,
      );
    }
    return definition;
  }

  /** Checked once per process: a toolchain installed later needs a restart to be offered. */
  isInstalled(definition: LanguageDefinition): boolean {
    let installed = this.#installed.get(definition.id);
    if (installed === undefined) {
      installed = existsSync(definition.binary);
      this.#installed.set(definition.id, installed);
    }
    return installed;
  }

  /**
   * The installed toolchain's version, asked once per process when the toolchain answers; when it
   * did not (a failure, a timeout on a loaded machine), asked again versionRetryMs later. Null
   * for a toolchain that is not installed, and until one answers.
   */
  version(definition: LanguageDefinition): Promise<string | null> {
    const known = this.#versions.get(definition.id);
    if (known && Date.now() < known.retryAt) return known.answer;
    if (!this.isInstalled(definition)) return Promise.resolve(null);
    const probe: VersionProbe = { answer: runVersionCommand(definition), retryAt: Infinity };
    void probe.answer.then((version) => {
      if (version === null) probe.retryAt = Date.now() + this.#versionRetryMs;
    });
    this.#versions.set(definition.id, probe);
    return probe.answer;
  }

  /** Host directories outside /usr that some toolchain needs visible in the sandbox. */
  readOnlyDirs(): string[] {
    return [...new Set(this.definitions.flatMap((d) => d.readOnlyDirs ?? []))];
  }

  async describe(): Promise<LanguageInfo[]> {
    return Promise.all(
      this.definitions.map(async (d) => ({
        id: d.id,
        name: d.name,
        aliases: d.aliases,
        version: await this.version(d),
        installed: this.isInstalled(d),
        compiled: d.compile !== undefined,
        versionOf: d.versionOf ?? null,
      })),
    );
  }
}
