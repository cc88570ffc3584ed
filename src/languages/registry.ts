import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { ArbiterError } from '../errors.js';
import { LANGUAGE_CATALOG } from './catalog.js';
import type { LanguageDefinition } from './language.js';

/** How long a toolchain may take to print its version (the JVM-based ones are slow). */
const VERSION_TIMEOUT_MS = 20_000;

export interface LanguageInfo {
  id: string;
  name: string;
  aliases: string[];
  version: string | null;
  installed: boolean;
  compiled: boolean;
}

function runVersionCommand(definition: LanguageDefinition): Promise<string | null> {
  const [file, ...args] = definition.version.command;
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      { timeout: VERSION_TIMEOUT_MS, env: { PATH: '/usr/bin:/bin', HOME: '/tmp' } },
      (error, stdout, stderr) => {
        const match = definition.version.pattern.exec(`${stdout}\n${stderr}`.trim());
        resolve(match?.[1] ?? (error ? null : null));
      },
    );
  });
}

/** The languages Arbiter knows, looked up by id, alias or file extension. */
export class LanguageRegistry {
  readonly #byName = new Map<string, LanguageDefinition>();
  readonly #versions = new Map<string, Promise<string | null>>();
  readonly #installed = new Map<string, boolean>();

  constructor(readonly definitions: readonly LanguageDefinition[] = LANGUAGE_CATALOG) {
    for (const definition of definitions) {
      for (const name of [definition.id, ...definition.aliases]) {
        const key = name.toLowerCase();
        const existing = this.#byName.get(key);
        if (existing)
          throw new Error(`language name ${name} is used by both ${existing.id} and ${definition.id}`);
        this.#byName.set(key, definition);
      }
    }
  }

  /** By id or alias, case-insensitive. Throws LANGUAGE_UNKNOWN naming the ids that exist. */
  get(name: string): LanguageDefinition {
    const definition = this.#byName.get(name.trim().toLowerCase());
    if (!definition) {
      throw new ArbiterError(
        'LANGUAGE_UNKNOWN',
        `unknown language "${name}"; known: ${this.definitions.map((d) => d.id).join(', ')}`,
      );
    }
    return definition;
  }

  /** Like get(), but also requires the toolchain to be installed. */
  getInstalled(name: string): LanguageDefinition {
    const definition = this.get(name);
    if (!this.isInstalled(definition)) {
      throw new ArbiterError(
        'LANGUAGE_UNAVAILABLE',
        `${definition.name} is not installed on this server (apt-get install ${definition.packages.join(' ')}, or run scripts/setup)`,
      );
    }
    return definition;
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

  /** The installed toolchain's version, asked once per process. */
  version(definition: LanguageDefinition): Promise<string | null> {
    let version = this.#versions.get(definition.id);
    if (!version) {
      version = this.isInstalled(definition) ? runVersionCommand(definition) : Promise.resolve(null);
      this.#versions.set(definition.id, version);
    }
    return version;
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
      })),
    );
  }
}
