// Every language, compiled and run in the real sandbox: hello world, judged over three tests, echo of
// stdin, a runtime error, a time limit, a memory limit, and a compile error for compiled languages;
// then the libraries promised beside them (numpy, scipy and pandas; Boost) and an uploaded binary.
// Needs root, bubblewrap and the toolchains (scripts/setup). Two languages run at once, one per
// sandbox slot, to keep the suite to a few minutes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe as suite, test } from 'node:test';
import { compileAndRun } from '../../src/judge/execute.js';
import { judge } from '../../src/judge/judge.js';
import { resolveRunLimits } from '../../src/judge/limits-policy.js';
import { GREETING_SAMPLES } from '../../src/languages/samples.js';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { DEFAULT_MAX_LIMITS, DEFAULT_RUN_LIMITS } from '../../src/sandbox/limits.js';
import { createTestPool, describe, registry } from '../helpers/sandbox.js';
import { NOT_PROGRAMMABLE, PROGRAMS } from './programs.js';

/** Sandbox slots, and languages tested at once. */
const SLOTS = 2;

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(SLOTS);
});
after(() => pool.close());

const limits = resolveLimits({ cpuMs: 5_000, wallMs: 10_000 });
/** An endless loop is stopped at 1 s of CPU time (JVM start-up included). */
const timeLimits = { cpuMs: 1_000, wallMs: 5_000 };
/** 64 MiB, raised to a runtime's own floor (a JVM's 128 MiB); generous time to get there. */
const memoryLimits = { memoryKb: 64 * 1024, cpuMs: 10_000, wallMs: 20_000 };
const ECHO_INPUT = 'line one\nline two\n';

test('every language in the catalog has test programs and a sample', () => {
  for (const language of registry.definitions) {
    const programs = PROGRAMS[language.id];
    assert.ok(programs, `no test programs for ${language.id}`);
    assert.ok(GREETING_SAMPLES[language.id], `no greeting sample for ${language.id}`);
    assert.equal(
      programs.compileError !== undefined,
      language.compile !== undefined,
      `${language.id}: compile error program iff compiled`,
    );
    const complete = [programs.runtimeError, programs.timeLimit, programs.memoryLimit].every(Boolean);
    assert.equal(complete, NOT_PROGRAMMABLE[language.id] === undefined, `${language.id}: failure programs`);
  }
});

test('at least 45 languages are installed', () => {
  const installed = registry.definitions.filter((d) => registry.isInstalled(d));
  const missing = registry.definitions.filter((d) => !registry.isInstalled(d));
  assert.ok(
    installed.length >= 45,
    `only ${installed.length} installed; missing: ${missing.map((d) => d.id).join(', ')}`,
  );
});

suite('every language', { concurrency: SLOTS }, () => {
  for (const language of registry.definitions) {
    const programs = PROGRAMS[language.id]!;
    const run = (source: string, options: { stdin?: string; limits?: Partial<typeof limits> } = {}) =>
      compileAndRun(pool, { language, source, stdin: options.stdin, limits: options.limits ?? limits });

    suite(language.id, { concurrency: false }, () => {
      test('hello world, reading its name from stdin', async () => {
        const result = await run(GREETING_SAMPLES[language.id]!, { stdin: 'world\n' });
        assert.equal(result.status, 'accepted', describe(result.run ?? result.compile!));
        assert.equal(result.run!.stdout.toString().trim(), 'hello world');
      });

      // Judged, each test runs after a reset that freezes what the compile left (root-owned,
      // read-only) and removes what the previous test added: every toolchain must run from a frozen build.
      test('judged over three tests, each after the reset between runs', async () => {
        // The same test three times: some samples (SQL, Plain Text) print their greeting without reading stdin.
        const result = await judge(
          { pool, registry },
          {
            language,
            version: (await registry.version(language)) ?? 'unknown',
            files: [{ name: language.sourceFile, content: GREETING_SAMPLES[language.id]! }],
            // As the service resolves them for a submission: the language's floors included.
            limits: resolveRunLimits({
              requested: limits,
              defaults: DEFAULT_RUN_LIMITS,
              language,
              max: DEFAULT_MAX_LIMITS,
            }),
            tests: [1, 2, 3].map(() => ({ stdin: 'world\n', expected: 'hello world\n' })),
          },
        );
        assert.deepEqual(
          result.tests.map((t) => t.status),
          ['accepted', 'accepted', 'accepted'],
          JSON.stringify(result.tests.map((t) => t.message ?? t.stderr)).slice(0, 2000),
        );
      });

      test('echoes stdin', async () => {
        const result = await run(programs.echo, { stdin: ECHO_INPUT });
        assert.equal(result.status, 'accepted', describe(result.run ?? result.compile!));
        assert.equal(result.run!.stdout.toString(), ECHO_INPUT);
      });

      if (programs.compileError) {
        test('a compile error is compilation_error, with the compiler output', async () => {
          const result = await run(programs.compileError!);
          assert.equal(result.status, 'compilation_error', describe(result.compile!));
          assert.equal(result.run, undefined, 'nothing runs after a failed compile');
          const output = result.compile!.stdout.toString() + result.compile!.stderr.toString();
          assert.ok(output.trim().length > 0, 'the compiler explains the error');
        });
      }

      if (programs.runtimeError) {
        test('a runtime error is runtime_error', async () => {
          const result = await run(programs.runtimeError!);
          assert.equal(result.status, 'runtime_error', describe(result.run ?? result.compile!));
          assert.ok(result.run!.exitCode !== 0, 'a failing program must not exit 0');
        });
      }

      if (programs.timeLimit) {
        test('an endless loop is time_limit_exceeded', async () => {
          const result = await run(programs.timeLimit!, { limits: timeLimits });
          assert.equal(result.status, 'time_limit_exceeded', describe(result.run ?? result.compile!));
        });
      }

      if (programs.memoryLimit) {
        test('a program that keeps allocating is memory_limit_exceeded, not a runtime error', async () => {
          const result = await run(programs.memoryLimit!, { limits: memoryLimits });
          assert.equal(result.status, 'memory_limit_exceeded', describe(result.run ?? result.compile!));
        });
      }
    });
  }
});

suite('libraries beside the languages', { concurrency: false }, () => {
  test('Python imports numpy, scipy and pandas in the sandbox', async () => {
    const source =
      'import numpy as np, scipy.linalg, pandas as pd\n' +
      'print(int(np.arange(10).sum()), round(float(scipy.linalg.det(np.eye(3) * 2))), len(pd.DataFrame({"a": [1, 2, 3]})))\n';
    const result = await compileAndRun(pool, { language: registry.get('python3'), source, limits });
    assert.equal(result.status, 'accepted', describe(result.run!));
    assert.equal(result.run!.stdout.toString(), '45 8 3\n');
  });

  test('C++ compiles with Boost headers, under GCC and Clang', async () => {
    const source =
      '#include <boost/algorithm/string.hpp>\n#include <iostream>\n#include <string>\n' +
      'int main() { std::string s = "boost"; boost::to_upper(s); std::cout << s << "\\n"; }\n';
    for (const id of ['cpp', 'cpp-clang']) {
      const result = await compileAndRun(pool, { language: registry.get(id), source, limits });
      assert.equal(result.status, 'accepted', `${id}: ${describe(result.run ?? result.compile!)}`);
      assert.equal(result.run!.stdout.toString(), 'BOOST\n');
    }
  });

  test('Executable runs an uploaded ELF binary, with its arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-elf-'));
    try {
      writeFileSync(
        join(dir, 'main.c'),
        '#include <stdio.h>\nint main(int c, char **v) { printf("%d %s\\n", c, v[1]); }\n',
      );
      execFileSync('gcc', ['-O2', '-o', join(dir, 'main'), join(dir, 'main.c')]);
      const result = await compileAndRun(pool, {
        language: registry.get('executable'),
        source: readFileSync(join(dir, 'main')),
        args: ['first'],
        limits,
      });
      assert.equal(result.status, 'accepted', describe(result.run!));
      assert.equal(result.run!.stdout.toString(), '2 first\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
