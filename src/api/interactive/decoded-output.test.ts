import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodedOutput, type OutputStream } from './decoded-output.js';

test('a character split across chunks is passed on whole, each stream decoded on its own', () => {
  const texts: [OutputStream, string][] = [];
  const output = decodedOutput((stream, text) => texts.push([stream, text]));
  const euro = Buffer.from('€'); // three bytes
  output.handlers.onStdout(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]));
  output.handlers.onStderr(euro.subarray(0, 2));
  output.handlers.onStdout(euro.subarray(1));
  output.handlers.onStderr(euro.subarray(2));
  assert.deepEqual(texts, [
    ['stdout', 'a'],
    ['stdout', '€'],
    ['stderr', '€'],
  ]);
});

test('nothing empty is emitted; flush passes on an incomplete character at the end', () => {
  const texts: [OutputStream, string][] = [];
  const output = decodedOutput((stream, text) => texts.push([stream, text]));
  output.handlers.onStdout(Buffer.from('€').subarray(0, 2));
  output.handlers.onStderr(Buffer.alloc(0));
  assert.deepEqual(texts, []);
  output.flush();
  assert.deepEqual(texts, [['stdout', '\ufffd']]);
});
