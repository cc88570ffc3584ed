import { LineCounter, parseDocument } from 'yaml';
import { packageInvalid } from './package-error.js';
import type { PackageFiles } from './package-files.js';

/** Largest YAML file read (problem.yaml, testdata.yaml): they are a few lines in any real package. */
export const MAX_YAML_BYTES = 256 * 1024;

/**
 * A package's YAML file read as plain data, with the line of each key at hand so that every
 * error, the parser's or ours, names the file and line: `problem.yaml:4: limits.memory must be …`.
 */
export class YamlFile {
  readonly path: string;
  /** The top-level mapping (empty for an empty file). */
  readonly data: Record<string, unknown>;
  readonly #lineOf: (keys: readonly (string | number)[]) => number | undefined;

  private constructor(
    path: string,
    data: Record<string, unknown>,
    lineOf: (keys: readonly (string | number)[]) => number | undefined,
  ) {
    this.path = path;
    this.data = data;
    this.#lineOf = lineOf;
  }

  static read(files: PackageFiles, path: string): YamlFile {
    const text = files.text(path);
    if (Buffer.byteLength(text, 'utf8') > MAX_YAML_BYTES) {
      throw packageInvalid(path, `is larger than ${MAX_YAML_BYTES} bytes`);
    }
    const lines = new LineCounter();
    // Unique keys and a bounded alias expansion (the library's default of 100) are checked here.
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const [error] = document.errors;
    if (error) {
      const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
      throw packageInvalid(path, `is not valid YAML: ${error.message.split('\n')[0]}`, line);
    }
    let data: unknown;
    try {
      data = document.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw packageInvalid(path, `cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    if (data === null || data === undefined) data = {};
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw packageInvalid(path, 'must be a mapping of keys to values', 1);
    }
    const lineOf = (keys: readonly (string | number)[]): number | undefined => {
      const node = document.getIn(keys, true) as { range?: [number, number, number] } | undefined;
      const pair = node?.range ? node : undefined;
      return pair?.range ? lines.linePos(pair.range[0]).line : undefined;
    };
    return new YamlFile(path, data as Record<string, unknown>, lineOf);
  }

  /** The value at `keys` (each a mapping key or a list index); undefined when absent. */
  get(...keys: (string | number)[]): unknown {
    let value: unknown = this.data;
    for (const key of keys) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string | number, unknown>)[key];
    }
    return value;
  }

  /** A PACKAGE_INVALID error about the value at `keys`, naming the file, the key and its line. */
  invalid(keys: readonly (string | number)[], message: string): Error {
    return packageInvalid(this.path, `${keys.join('.')} ${message}`, this.#lineOf(keys));
  }

  /** The line of the value at `keys`, when the file has it. */
  lineOf(...keys: (string | number)[]): number | undefined {
    return this.#lineOf(keys);
  }

  /** A string, or undefined when absent; anything else is an error naming the key. */
  string(...keys: (string | number)[]): string | undefined {
    const value = this.get(...keys);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.invalid(keys, `must be text; got ${describeValue(value)}`);
    return value;
  }

  /** A finite number > 0 (or >= 0 with `allowZero`), or undefined when absent. */
  number(keys: (string | number)[], options: { allowZero?: boolean } = {}): number | undefined {
    const value = this.get(...keys);
    if (value === undefined || value === null) return undefined;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (value > 0 || (options.allowZero && value === 0));
    if (!ok)
      throw this.invalid(
        keys,
        `must be a number ${options.allowZero ? '>= 0' : '> 0'}; got ${describeValue(value)}`,
      );
    return value;
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}
