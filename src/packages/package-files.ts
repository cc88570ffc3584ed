import { packageInvalid } from './package-error.js';
import type { PackageFileMap } from './zip-reader.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A package's files once read from its zip, with the top folder taken off when the whole package
 * sits in one (as `problemname/problem.yaml`, the Kattis format's own layout). Every text read is
 * strict UTF-8 and names the file when it is not.
 */
export class PackageFiles {
  readonly #files: PackageFileMap;
  /** The folder the package sat in, if it sat in one: a default for the problem's id. */
  readonly folder: string | undefined;

  constructor(files: PackageFileMap, markers: readonly string[]) {
    const names = [...files.keys()];
    const atRoot = markers.some((m) => files.has(m));
    const first = names[0]?.split('/')[0];
    const oneFolder = first !== undefined && names.every((n) => n.startsWith(`${first}/`));
    if (!atRoot && oneFolder && markers.some((m) => files.has(`${first}/${m}`))) {
      this.folder = first;
      this.#files = new Map([...files].map(([name, data]) => [name.slice(first.length + 1), data]));
    } else {
      this.#files = files;
    }
  }

  has(path: string): boolean {
    return this.#files.has(path);
  }

  /** Every file path, sorted (code-point order, as the Kattis format orders test cases). */
  paths(): string[] {
    return [...this.#files.keys()].sort(compareNames);
  }

  /** The paths under `folder` (recursively), sorted. */
  under(folder: string): string[] {
    const prefix = `${folder}/`;
    return this.paths().filter((p) => p.startsWith(prefix));
  }

  /** Whether anything lies under `folder`. */
  hasFolder(folder: string): boolean {
    const prefix = `${folder}/`;
    for (const name of this.#files.keys()) if (name.startsWith(prefix)) return true;
    return false;
  }

  /** The file's bytes; PACKAGE_INVALID naming it when it is missing. */
  bytes(path: string): Uint8Array {
    const data = this.#files.get(path);
    if (!data) throw packageInvalid(path, 'is missing');
    return data;
  }

  /** The file as text; PACKAGE_INVALID naming it when it is missing or not UTF-8. A BOM is dropped. */
  text(path: string): string {
    const data = this.#files.get(path);
    if (!data) throw packageInvalid(path, 'is missing');
    let text: string;
    try {
      text = UTF8.decode(data);
    } catch {
      throw packageInvalid(path, 'is not UTF-8 text');
    }
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  }
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
