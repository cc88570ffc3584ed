// The type checker and the linters are part of the suite: a commit that breaks the types of a file
// the test runner never compiles (tsx only strips them), or its formatting, fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function npmRun(script: string): { status: number | null; output: string } {
  const result = spawnSync('npm', ['run', '--silent', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`.slice(-8000) };
}

test('npm run typecheck: the server, the web app, the build config and the SDK type-check', () => {
  const { status, output } = npmRun('typecheck');
  assert.equal(status, 0, output);
});

test('npm run lint: eslint and prettier find nothing', () => {
  const { status, output } = npmRun('lint');
  assert.equal(status, 0, output);
});
