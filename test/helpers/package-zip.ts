// Problem package fixtures: a folder given as an object of paths and contents, zipped with fflate,
// so each test builds the exact package it needs (and a broken one, byte by byte, where it must).
import assert from 'node:assert/strict';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { importPackage } from '../../src/packages/import-package.js';

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

/** Files to change in a package: each path's new content, or null to take the file out. */
export type PackageChanges = Record<string, string | Uint8Array | null>;

/** A copy of `tree` with `changes` made: a package that lacks or breaks what a test wants it to. */
export function changedPackage(tree: PackageTree, changes: PackageChanges): PackageTree {
  const copy = { ...tree };
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) delete copy[path];
    else copy[path] = content;
  }
  return copy;
}

/** The package `tree` (in `folder` when given) read by the importer, as the API reads an upload. */
export const importTree = (tree: PackageTree, folder?: string) => importPackage(zipPackage(tree, folder));

/** Asserts the importer refuses `tree` with ARB_ERR_PACKAGE_<code> and a message matching `message`. */
export function assertRefused(tree: PackageTree, code: 'INVALID' | 'UNSUPPORTED', message: RegExp): void {
  assert.throws(
    () => importTree(tree),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, `ARB_ERR_PACKAGE_${code}`, error.message);
      assert.match(error.message, message);
      return true;
    },
  );
}
