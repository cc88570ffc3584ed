// Problem package fixtures: a folder given as an object of paths and contents, zipped with fflate,
// so each test builds the exact package it needs (and a broken one, byte by byte, where it must).
import { strToU8, zipSync, type Zippable } from 'fflate';

/** Paths (`data/sample/1.in`) to contents; a string is UTF-8 text. */
export type PackageTree = Record<string, string | Uint8Array>;

/** Zips `tree`, inside `folder` when given (as the Kattis format lays a package out). */
export function zipPackage(tree: PackageTree, folder?: string): Uint8Array {
  const zip: Zippable = {};
  for (const [path, content] of Object.entries(tree)) {
    zip[folder ? `${folder}/${path}` : path] = typeof content === 'string' ? strToU8(content) : content;
  }
  return zipSync(zip, { level: 6 });
}
