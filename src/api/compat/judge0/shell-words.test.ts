import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { shellQuote, splitShellWords } from './shell-words.js';

test('splitShellWords splits on blanks and honours quotes and backslashes', () => {
  assert.deepEqual(splitShellWords(''), []);
  assert.deepEqual(splitShellWords('  -O2   -Wall '), ['-O2', '-Wall']);
  assert.deepEqual(splitShellWords(`a 'b c' "d \\"e\\" f" g\\ h ''`), ['a', 'b c', 'd "e" f', 'g h', '']);
  assert.deepEqual(splitShellWords('$(reboot) ;rm *'), ['$(reboot)', ';rm', '*']);
  assert.deepEqual(splitShellWords('x\\\ny'), ['xy']);
  assert.deepEqual(splitShellWords(`'oops`), { error: 'has an unterminated single quote' });
  assert.deepEqual(splitShellWords(`"oops`), { error: 'has an unterminated double quote' });
});

test('shellQuote keeps any word one word in Bash', () => {
  const words = ["it's", '$(echo no)', 'a b', '"', '\\', ''];
  const script = `printf '%s\\n' ${words.map(shellQuote).join(' ')}`;
  const out = spawnSync('bash', ['-c', script], { encoding: 'utf8' }).stdout;
  assert.equal(out, words.map((w) => `${w}\n`).join(''));
});
