// Every language, compiled and run in the real sandbox: hello world, judged over three tests, echo of
// stdin, a runtime error, and a compile error for compiled languages. Needs root, bubblewrap and the toolchains (scripts/setup).
import assert from 'node:assert/strict';
import { after, before, describe as suite, test } from 'node:test';
import { compileAndRun } from '../../src/judge/execute.js';
import { judge } from '../../src/judge/judge.js';
import { GREETING_SAMPLES } from '../../src/languages/samples.js';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, describe, registry } from '../helpers/sandbox.js';
import { PROGRAMS } from './programs.js';

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(2);
});
after(() => pool.close());

const limits = resolveLimits({ cpuMs: 5_000, wallMs: 10_000 });
const ECHO_INPUT = 'line one\nline two\n';

test('every language in the catalog has test programs and a sample', () => {
  for (const language of registry.definitions) {
    assert.ok(PROGRAMS[language.id], `no test programs for ${language.id}`);
    assert.ok(GREETING_SAMPLES[language.id], `no greeting sample for ${language.id}`);
    assert.equal(
      PROGRAMS[language.id]!.compileError !== undefined,
      language.compile !== undefined,
      `${language.id}: compile error program iff compiled`,
    );
  }
});

test('at least 20 languages are installed', () => {
  const installed = registry.definitions.filter((d) => registry.isInstalled(d));
  assert.ok(
    installed.length >= 20,
    `only ${installed.length} installed: ${installed.map((d) => d.id).join(', ')}`,
  );
});

for (const language of registry.definitions) {
  const programs = PROGRAMS[language.id]!;
  suite(language.id, { concurrency: false }, () => {
    test('hello world, reading its name from stdin', async () => {
      const result = await compileAndRun(pool, {
        language,
        source: GREETING_SAMPLES[language.id]!,
        stdin: 'world\n',
        limits,
      });
      assert.equal(result.status, 'accepted', describe(result.run ?? result.compile!));
      assert.equal(result.run!.stdout.toString().trim(), 'hello world');
    });

    // Judged, each test runs after a reset that freezes what the compile left (root-owned, read-only)
    // and removes what the previous test added: every toolchain must run from a frozen build.
    test('judged over three tests, each after the reset between runs', async () => {
      // The same test three times: some samples (SQL) print their greeting without reading stdin.
      const names = ['world', 'world', 'world'];
      const result = await judge(
        { pool, registry },
        {
          language,
          version: (await registry.version(language)) ?? 'unknown',
          files: [{ name: language.sourceFile, content: GREETING_SAMPLES[language.id]! }],
          limits,
          tests: names.map((name) => ({ stdin: `${name}\n`, expected: `hello ${name}\n` })),
        },
      );
      assert.deepEqual(
        result.tests.map((t) => t.status),
        ['accepted', 'accepted', 'accepted'],
        JSON.stringify(result.tests.map((t) => t.message ?? t.stderr)).slice(0, 2000),
      );
    });

    test('echoes stdin', async () => {
      const result = await compileAndRun(pool, {
        language,
        source: programs.echo,
        stdin: ECHO_INPUT,
        limits,
      });
      assert.equal(result.status, 'accepted', describe(result.run ?? result.compile!));
      assert.equal(result.run!.stdout.toString(), ECHO_INPUT);
    });

    test('a runtime error is runtime_error', async () => {
      const result = await compileAndRun(pool, { language, source: programs.runtimeError, limits });
      assert.equal(result.status, 'runtime_error', describe(result.run ?? result.compile!));
      assert.ok(result.run!.exitCode !== 0, 'a failing program must not exit 0');
    });

    if (programs.compileError) {
      test('a compile error is compilation_error, with the compiler output', async () => {
        const result = await compileAndRun(pool, { language, source: programs.compileError!, limits });
        assert.equal(result.status, 'compilation_error', describe(result.compile!));
        assert.equal(result.run, undefined, 'nothing runs after a failed compile');
        const output = result.compile!.stdout.toString() + result.compile!.stderr.toString();
        assert.ok(output.trim().length > 0, 'the compiler explains the error');
      });
    }
  });
}
