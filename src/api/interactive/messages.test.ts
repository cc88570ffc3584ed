import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../../errors.js';
import type { RunResult } from '../../sandbox/run-spec.js';
import { exitResult, parseClientMessage, parseStartMessage } from './messages.js';

const refused = (pattern: RegExp) => (error: unknown) =>
  isArbiterError(error, 'INVALID_INPUT') && pattern.test((error as Error).message);

test('a client message is a JSON object with a string type', () => {
  assert.deepEqual(parseClientMessage('{"type":"eof"}', 8), { type: 'eof' });
  for (const text of ['nope', '[1]', '{"type":1}', 'null'])
    assert.throws(() => parseClientMessage(text, 8), refused(/JSON objects with a "type"/));
  assert.throws(() => parseClientMessage('{"type":"x","a":[[[[[[[[[[1]]]]]]]]]]}', 4), refused(/"type"/));
});

test('a start message names its first wrong field', () => {
  assert.deepEqual(parseStartMessage({ type: 'start', language: 'python', source: 'print(1)' }), {
    type: 'start',
    language: 'python',
    version: undefined,
    source: 'print(1)',
    files: undefined,
    args: undefined,
    limits: undefined,
    compileLimits: undefined,
  });
  assert.throws(
    () => parseStartMessage({ type: 'start', language: 'c', checker: 'x' }),
    refused(/unknown field checker/),
  );
  assert.throws(() => parseStartMessage({ type: 'start' }), refused(/language is required/));
  assert.throws(() => parseStartMessage({ type: 'start', language: 'c', args: [1] }), refused(/args/));
  assert.throws(
    () => parseStartMessage({ type: 'start', language: 'c', limits: { cpuMs: '1' } }),
    refused(/limits\.cpuMs must be a number/),
  );
  assert.throws(
    () => parseStartMessage({ type: 'start', language: 'c', compileLimits: { disk: 1 } }),
    refused(/compileLimits\.disk is not a limit/),
  );
  assert.throws(
    () =>
      parseStartMessage({
        type: 'start',
        language: 'c',
        files: [{ name: 'a', content: 'b', encoding: 'hex' }],
      }),
    refused(/files\[0\]\.encoding/),
  );
});

test('the exit message reports the last stage, a failed compile when the run never started', () => {
  const compile: RunResult = {
    status: 'runtime_error',
    reason: 'exit_code',
    exitCode: 1,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from('error'),
    stdoutTruncated: false,
    stderrTruncated: false,
    cpuMs: 1.23456,
    wallMs: 2,
    memoryKb: 300,
    limitsHit: [],
  };
  const exit = exitResult({ status: 'compilation_error', compile });
  assert.deepEqual(exit, {
    status: 'compilation_error',
    exitCode: 1,
    signal: null,
    cpuMs: 1.235,
    wallMs: 2,
    memoryKb: 300,
    reason: 'exit_code',
  });
  assert.deepEqual(exitResult({ status: 'cancelled' }), {
    status: 'cancelled',
    exitCode: null,
    signal: null,
    cpuMs: 0,
    wallMs: 0,
    memoryKb: 0,
  });
});
