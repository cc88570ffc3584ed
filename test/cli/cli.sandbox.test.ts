// The CLI as a person uses it: real processes, the real sandbox. Needs root, bubblewrap, toolchains.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres-migrations.js';

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'arbiter-cli-'));

function arbiter(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

test('run prints the program output and an accepted verdict line', () => {
  const r = arbiter('run', join(root, 'examples/hello.py'), '--stdin', join(root, 'examples/hello.in'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Hello, teacher!/);
  assert.match(
    r.stderr,
    /hello\.py \[python3\]: accepted · cpu [\d.]+ ms · wall [\d.]+ m?s · memory [\d.]+ (MiB|KiB)/,
  );
});

test('run stops an infinite loop at the --time limit', () => {
  const r = arbiter('run', file('loop.c', 'int main(void){ for(;;); }\n'), '--time', '300ms');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /time_limit_exceeded \(cpu\)/);
});

test('run enforces --memory', () => {
  const r = arbiter(
    'run',
    file('hog.py', 'x = bytearray(200 * 1024 * 1024)\nprint(len(x))\n'),
    '--memory',
    '64M',
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /memory_limit_exceeded/);
});

test('run shows the compiler output of a compile error', () => {
  const r = arbiter('run', file('broken.c', 'int main(void) { return nope; }\n'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope/);
  assert.match(r.stderr, /compilation_error/);
});

test('run with --lang overrides the extension', () => {
  const r = arbiter('run', file('script.txt', 'puts 6 * 7\n'), '--lang', 'ruby');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '42');
});

test('bad input is a clear message and exit code 2', () => {
  const unknown = arbiter('run', file('notes.xyz', 'x'));
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /cannot tell the language.*pass --lang/);
  const missing = arbiter('run', join(work, 'missing.py'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*missing\.py: ENOENT/);
  const badTime = arbiter('run', join(root, 'examples/hello.py'), '--time', 'soon');
  assert.equal(badTime.code, 2);
  assert.match(badTime.stderr, /duration/);
});

test('languages lists at least 20 installed toolchains with versions', () => {
  const r = arbiter('languages', '--json');
  assert.equal(r.code, 0, r.stderr);
  const languages = JSON.parse(r.stdout) as { id: string; version: string | null; installed: boolean }[];
  assert.ok(languages.length >= 20, `${languages.length} languages`);
  for (const l of languages) assert.match(l.version ?? '', /^\d+(\.\d+)*/, `${l.id} version ${l.version}`);
});

test('doctor passes on this machine and names the cgroup version', () => {
  const r = arbiter('doctor');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /cgroup v[12] in use/);
  assert.match(r.stdout, /✓ sandbox/);
  assert.match(r.stdout, /all checks passed/);
  assert.match(r.stdout, /✓ data dir +\S+ is writable/);
});

test('doctor --redis --postgres checks the scale-out services; an unreachable one fails with a fix', () => {
  const schema = `arbiter_doctor_${process.pid}`;
  const good = arbiter(
    'doctor',
    '--redis',
    'redis://127.0.0.1:6379',
    '--postgres',
    'postgres://root@127.0.0.1:5432/test',
    '--schema',
    schema,
    '--data-dir',
    join(work, 'data'),
  );
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(
    good.stdout,
    /✓ redis +Redis \d+\.\d+\.\d+ at redis:\/\/127\.0\.0\.1:6379, maxmemory-policy noeviction/,
  );
  assert.match(
    good.stdout,
    new RegExp(
      `✓ postgresql +PostgreSQL \\d+.*schema ${schema} at migration 0 of ${POSTGRES_MIGRATIONS.at(-1)!.version}`,
    ),
  );
  const bad = arbiter(
    'doctor',
    '--redis',
    'redis://127.0.0.1:1',
    '--postgres',
    'postgres://root@127.0.0.1:5432/test',
  );
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(
    bad.stdout,
    /✗ redis +cannot reach redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n +fix: start Redis >= 6\.2/,
  );
  assert.match(bad.stdout, /1 check\(s\) failed/);
});
