import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_OUTPUT_FILE_BYTES, readOutputFiles } from './output-files.js';

const work = mkdtempSync(join(tmpdir(), 'arbiter-output-files-'));

function dir(name: string, files: Record<string, string | Buffer>): string {
  const path = join(work, name);
  mkdirSync(path);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(path, file), content);
  return path;
}

test('a directory gives its .out files in name order; text as it is, other bytes base64', () => {
  const outputs = dir('mixed', {
    'b.out': 'two\n',
    'a.out': 'one\n',
    'bytes.out': Buffer.from([0xff, 0x00, 0x41]),
    'notes.md': 'left out',
  });
  mkdirSync(join(outputs, 'sub.out'));
  assert.deepEqual(readOutputFiles([outputs]), [
    { name: 'a.out', content: 'one\n' },
    { name: 'b.out', content: 'two\n' },
    { name: 'bytes.out', content: Buffer.from([0xff, 0x00, 0x41]).toString('base64'), encoding: 'base64' },
  ]);
});

test('two outputs of one name, and an output over 4 MiB, are refused naming the files', () => {
  const first = dir('first', { '1.out': 'a' });
  const second = dir('second', { '1.out': 'b' });
  assert.throws(
    () => readOutputFiles([first, join(second, '1.out')]),
    (error: Error & { code?: string }) =>
      error.code === 'ARB_ERR_INPUT_INVALID' &&
      /first\/1\.out and .*second\/1\.out are both 1\.out/.test(error.message),
  );
  const big = dir('big', { 'huge.out': Buffer.alloc(MAX_OUTPUT_FILE_BYTES + 1, 0x61) });
  assert.throws(() => readOutputFiles([big]), /huge\.out is over 4 MiB/);
  // Exactly at the bound is fine.
  const edge = dir('edge', { 'edge.out': Buffer.alloc(MAX_OUTPUT_FILE_BYTES, 0x61) });
  assert.equal(readOutputFiles([edge])[0]!.content.length, MAX_OUTPUT_FILE_BYTES);
});
