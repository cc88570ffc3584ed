import type { TestCase } from '../judge/types.js';

/**
 * Where Arbiter puts a problem's tests in a Kattis package, shared by the Kattis export and the
 * Polygon import (which names its tests as the export will lay them out, so that an imported
 * problem exported and imported again is the same problem):
 *
 * - a problem without groups: visible tests in data/sample/, hidden ones in data/secret/;
 * - with groups: group `sample` is data/sample/, group `secret` data/secret/, any other group G
 *   data/secret/G/ (importing, a folder under data/secret/ is the group of its path with `/` read
 *   as `.`; tests right in data/secret/ beside such folders are group `secret`).
 *
 * A test's name is its path under data/ without the extension (`secret/g1/03`).
 */

/** The folder under data/ of a test. */
export function testFolder(test: Pick<TestCase, 'hidden' | 'group'>, withGroups: boolean): string {
  if (!withGroups || test.group === undefined) return test.hidden ? 'secret' : 'sample';
  if (test.group === 'sample' || test.group === 'secret') return test.group;
  return `secret/${test.group}`;
}

/** The group of a folder under data/ (`sample/...` is all group sample). */
export function groupOfFolder(folder: string): string {
  if (folder === 'sample' || folder.startsWith('sample/')) return 'sample';
  if (folder === 'secret') return 'secret';
  return folder.slice('secret/'.length).split('/').join('.');
}

/** Whether tests in `folder` are hidden unless the package says otherwise: all but samples. */
export function hiddenByDefault(folder: string): boolean {
  return !(folder === 'sample' || folder.startsWith('sample/'));
}

/** A file name Kattis accepts for a test case's base name (without .in/.ans). */
export const TEST_BASE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;

/** The file that makes a package a Kattis one. */
export const KATTIS_MARKER = 'problem.yaml';

/** The key of Arbiter's own settings in problem.yaml (see kattis/arbiter-section.ts). */
export const ARBITER_SECTION = 'arbiter';

/**
 * Extensions of sources that Kattis compiles when they lie in a submission's directory: a file of
 * include/default/ with one of these would be compiled with every submission of its language,
 * which a problem's `files` (never compiled) cannot say.
 */
export const COMPILED_EXTENSIONS: ReadonlySet<string> = new Set([
  'c',
  'cpp',
  'cc',
  'cxx',
  'c++',
  'java',
  'kt',
  'rs',
  'go',
  'cs',
  'hs',
  'pas',
  'ml',
  'scala',
]);
