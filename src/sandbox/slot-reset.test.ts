import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freezeEntries, removeEntries } from './slot-reset.js';
import { scratchDir } from '../../test/helpers/scratch-dir.js';

const scratch = scratchDir('arbiter-slot-reset-');

/** A small tree like a program leaves: files, a nested directory it made unreadable, symlinks out. */
function litter(name: string): { box: string; outside: string } {
  const box = join(scratch, name, 'box');
  const outside = join(scratch, name, 'outside');
  mkdirSync(join(box, 'deep', 'er'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'keep-me'), 'host file\n');
  writeFileSync(join(box, 'main'), 'binary', { mode: 0o700 });
  writeFileSync(join(box, 'main.c'), 'source', { mode: 0o666 });
  writeFileSync(join(box, 'deep', 'er', 'f'), 'x');
  chmodSync(join(box, 'deep', 'er'), 0o000);
  symlinkSync(outside, join(box, 'link-to-dir'));
  symlinkSync(join(outside, 'keep-me'), join(box, 'link-to-file'));
  return { box, outside };
}

test('removeEntries removes everything but the kept names, and never follows a symlink', async () => {
  const { box, outside } = litter('remove');
  assert.equal(await removeEntries(box, new Set(['main'])), 4);
  assert.deepEqual(readdirSync(box), ['main']);
  assert.deepEqual(readdirSync(outside), ['keep-me'], 'the symlinks went, not what they point at');
  assert.equal(await removeEntries(box), 1);
  assert.deepEqual(readdirSync(box), []);
  assert.equal(await removeEntries(box), 0, 'an empty directory costs nothing');
});

test('freezeEntries hands the tree to root, read-only, and leaves symlink targets alone', async () => {
  const { box, outside } = litter('freeze');
  chmodSync(outside, 0o700);
  const names = await freezeEntries(box);
  assert.deepEqual([...names].sort(), ['deep', 'link-to-dir', 'link-to-file', 'main', 'main.c']);
  const mode = (path: string): number => lstatSync(join(box, path)).mode & 0o7777;
  assert.equal(mode('main'), 0o555, 'executable stays executable');
  assert.equal(mode('main.c'), 0o444);
  assert.equal(mode('deep'), 0o755);
  assert.equal(mode('deep/er'), 0o755);
  assert.equal(mode('deep/er/f'), 0o444);
  for (const path of ['main', 'main.c', 'deep', 'deep/er/f', 'link-to-dir'])
    assert.equal(lstatSync(join(box, path)).uid, 0, `${path} is root's`);
  assert.equal(lstatSync(outside).mode & 0o777, 0o700, 'a symlink target is not chmodded');
  assert.ok(existsSync(join(outside, 'keep-me')));
});
