import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundOutput, utf8Prefix } from './stage.js';
import type { StageResult, TestResult } from './types.js';

const test_ = (stdout: string, extra: Partial<TestResult> = {}): TestResult => ({
  status: 'accepted',
  cpuMs: 1,
  wallMs: 1,
  memoryKb: 1,
  weight: 1,
  stdout,
  stderr: '',
  ...extra,
});

test('utf8Prefix never splits a character', () => {
  assert.equal(utf8Prefix('aé', 2), 'a');
  assert.equal(utf8Prefix('aé', 3), 'aé');
  assert.equal(utf8Prefix('€€', 4), '€');
  assert.equal(utf8Prefix('abc', 0), '');
});

test('each stream keeps at most streamBytes, flagged', () => {
  const bounded = boundOutput(
    { tests: [test_('x'.repeat(100)), test_('y')] },
    { streamBytes: 10, totalBytes: 1000 },
  );
  assert.equal(bounded.tests[0]!.stdout, 'x'.repeat(10));
  assert.equal(bounded.tests[0]!.stdoutTruncated, true);
  assert.equal(bounded.tests[1]!.stdout, 'y');
  assert.equal(bounded.tests[1]!.stdoutTruncated, undefined);
});

test('the submission keeps at most totalBytes; later tests keep nothing once it is spent', () => {
  const tests = Array.from({ length: 5 }, () => test_('z'.repeat(40)));
  const bounded = boundOutput({ tests }, { streamBytes: 50, totalBytes: 100 });
  assert.deepEqual(
    bounded.tests.map((t) => t.stdout!.length),
    [40, 40, 20, 0, 0],
  );
  assert.deepEqual(
    bounded.tests.map((t) => t.stdoutTruncated ?? false),
    [false, false, true, true, true],
  );
  assert.equal(tests[0]!.stdout!.length, 40, 'the input is not changed');
});

test('exact bytes (base64) are cut to the same length as the text', () => {
  const raw = Buffer.from([0xff, 0xfe, 0x41, 0x42, 0x43, 0x44]);
  const stage = test_(raw.toString('utf8'), { stdoutBase64: raw.toString('base64') });
  const bounded = boundOutput({ tests: [stage] }, { streamBytes: 3, totalBytes: 100 });
  assert.deepEqual(Buffer.from(bounded.tests[0]!.stdoutBase64!, 'base64'), raw.subarray(0, 3));
  assert.ok(Buffer.byteLength(bounded.tests[0]!.stdout!) <= 3);
  assert.equal(bounded.tests[0]!.stdoutTruncated, true);
});

test('compile and run stages are bounded too, compile first', () => {
  const stage: StageResult = {
    status: 'accepted',
    stdout: 'c'.repeat(30),
    stderr: 'e'.repeat(30),
    exitCode: 0,
    signal: null,
    cpuMs: 1,
    wallMs: 1,
    memoryKb: 1,
  };
  const bounded = boundOutput(
    { compile: stage, run: stage, tests: [] },
    { streamBytes: 100, totalBytes: 70 },
  );
  assert.equal(bounded.compile!.stdout.length + bounded.compile!.stderr.length, 60);
  assert.equal(bounded.run!.stdout.length, 10);
  assert.equal(bounded.run!.stdoutTruncated, true);
  assert.equal(bounded.run!.stderr, '');
});
