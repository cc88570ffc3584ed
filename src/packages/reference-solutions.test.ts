import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gotExpectedVerdict, languageOfFile, verdictOfFolder } from './reference-solutions.js';

const outcome = (
  status: Parameters<typeof gotExpectedVerdict>[1]['status'],
  score: number | null = null,
  maxScore: number | null = null,
) => ({
  status,
  score,
  maxScore,
});

test('accepted needs the full score', () => {
  assert.equal(gotExpectedVerdict('accepted', outcome('accepted', 100, 100)), true);
  assert.equal(gotExpectedVerdict('accepted', outcome('accepted', 90, 100)), false);
  assert.equal(gotExpectedVerdict('accepted', outcome('wrong_answer', 0, 100)), false);
});

test('a verdict folder asks for that verdict; rejected for any rejection but not a compile error or a fault', () => {
  assert.equal(gotExpectedVerdict('wrong_answer', outcome('wrong_answer')), true);
  assert.equal(gotExpectedVerdict('wrong_answer', outcome('time_limit_exceeded')), false);
  assert.equal(gotExpectedVerdict('time_limit_exceeded', outcome('time_limit_exceeded')), true);
  assert.equal(gotExpectedVerdict('runtime_error', outcome('runtime_error')), true);
  assert.equal(gotExpectedVerdict('rejected', outcome('time_limit_exceeded')), true);
  assert.equal(gotExpectedVerdict('rejected', outcome('accepted')), false);
  assert.equal(gotExpectedVerdict('rejected', outcome('compilation_error')), false);
  assert.equal(gotExpectedVerdict('rejected', outcome('internal_error')), false);
  assert.equal(gotExpectedVerdict('partially_accepted', outcome('wrong_answer', 40, 100)), true);
  assert.equal(gotExpectedVerdict('partially_accepted', outcome('wrong_answer', 0, 100)), false);
});

test('Kattis folders and file extensions', () => {
  assert.equal(verdictOfFolder('run_time_error'), 'runtime_error');
  assert.equal(verdictOfFolder('brute_force'), undefined);
  assert.equal(languageOfFile('submissions/accepted/a.cc'), 'cpp');
  assert.equal(languageOfFile('x/Main.java'), 'java');
  assert.equal(languageOfFile('x/noext'), undefined);
});
