// Issue [K]: limits are resolved once, by the caller, and the pool's clamp is only a safety net that
// cannot undo a language's minimum, even on a server whose maximum is below it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isArbiterError } from '../../src/errors.js';
import { compileAndRun } from '../../src/judge/execute.js';
import { judge } from '../../src/judge/judge.js';
import { resolveRunLimits } from '../../src/judge/limits-policy.js';
import type { LanguageDefinition } from '../../src/languages/language.js';
import { DEFAULT_MAX_LIMITS, DEFAULT_RUN_LIMITS, SandboxPool } from '../../src/sandbox/index.js';
import { describe, registry } from '../helpers/sandbox.js';

/** The server's maximum of open files, below what the shell language below needs. */
const MAX_OPEN_FILES = 32;
const NEEDED_OPEN_FILES = 100;

/** A language whose runtime needs more open files than the server's maximum allows others. */
const hungry: LanguageDefinition = {
  id: 'hungry-sh',
  name: 'Shell needing files',
  aliases: [],
  extensions: ['.hsh'],
  sourceFile: 'main.sh',
  run: ['/bin/sh', 'main.sh'],
  binary: '/bin/sh',
  version: { command: ['/bin/sh', '-c', 'echo 1'], pattern: /(\d+)/ },
  packages: [],
  minimumLimits: { openFiles: NEEDED_OPEN_FILES },
};
const plainShell: LanguageDefinition = { ...hungry, id: 'plain-sh', minimumLimits: undefined };

let pool: SandboxPool;
before(async () => {
  pool = await SandboxPool.create({
    concurrency: 1,
    readOnlyDirs: registry.readOnlyDirs(),
    maxLimits: { ...DEFAULT_MAX_LIMITS, openFiles: MAX_OPEN_FILES },
  });
});
after(async () => {
  await pool?.close();
});

test("compileAndRun (CLI, doctor): the pool's clamp keeps the language's minimum above its maximum", async () => {
  const result = await compileAndRun(pool, { language: hungry, source: 'ulimit -n\n', limits: {} });
  assert.equal(result.status, 'accepted', describe(result.run!));
  assert.equal(result.run!.stdout.toString().trim(), String(NEEDED_OPEN_FILES), describe(result.run!));
});

test('a language without that minimum is held to the maximum, and asking above it is refused', async () => {
  const result = await compileAndRun(pool, { language: plainShell, source: 'ulimit -n\n', limits: {} });
  assert.equal(result.run!.stdout.toString().trim(), String(MAX_OPEN_FILES), describe(result.run!));
  await assert.rejects(
    compileAndRun(pool, { language: plainShell, source: 'ulimit -n\n', limits: { openFiles: 500 } }),
    (error) => isArbiterError(error, 'LIMIT_INVALID'),
  );
});

test("a spec built without the language's minimum is clamped to the maximum: the net still holds", async () => {
  const result = await pool.run({
    command: ['/bin/sh', '-c', 'ulimit -n'],
    limits: { ...DEFAULT_RUN_LIMITS, openFiles: 500 },
  });
  assert.equal(result.stdout.toString().trim(), String(MAX_OPEN_FILES), describe(result));
  const floored = await pool.run({
    command: ['/bin/sh', '-c', 'ulimit -n'],
    limits: { ...DEFAULT_RUN_LIMITS, openFiles: 500 },
    minimumLimits: { openFiles: NEEDED_OPEN_FILES },
  });
  assert.equal(floored.stdout.toString().trim(), String(NEEDED_OPEN_FILES), describe(floored));
});

test('judge: limits the service resolved against the same maximum reach every test unchanged', async () => {
  const limits = resolveRunLimits({
    defaults: DEFAULT_RUN_LIMITS,
    language: hungry,
    max: pool.options.maxLimits,
  });
  assert.equal(limits.openFiles, NEEDED_OPEN_FILES);
  const result = await judge(
    { pool, registry },
    {
      language: hungry,
      version: 'test',
      files: [{ name: 'main.sh', content: 'ulimit -n\n' }],
      limits,
      tests: [{ stdin: '', expected: `${NEEDED_OPEN_FILES}\n` }],
    },
  );
  assert.equal(result.status, 'accepted', JSON.stringify(result.tests));
});
