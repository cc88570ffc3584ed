// Precompiled headers in the real sandbox, for each GCC C++ entry: setup made them for exactly the
// compile command's flags and the box uses them (GCC's -H marks a used .gch with "!"); a
// bits/stdc++.h program builds to the same binary and output as a plain compile; the preload setup
// built loads in the box and fills the .gch's mapping as the compiler maps it; a compile error
// and a warning read exactly as a plain compile's; a foreign or missing .gch changes nothing.
// Needs root, bubblewrap, g++ and g++-11, and scripts/setup's headers: without them it fails,
// saying so. Adds about 40 s on 2 cores (a plain bits/stdc++.h compile takes 2.5-5 s).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { compileAndRun } from '../../src/judge/execute.js';
import { runCompile } from '../../src/judge/program.js';
import { judge } from '../../src/judge/judge.js';
import { compileLimitsFor } from '../../src/judge/limits-policy.js';
import type { LanguageDefinition } from '../../src/languages/language.js';
import { pchStatus } from '../../src/languages/pch-build.js';
import {
  PCH_PRELOAD,
  withPchPreload,
  withPrecompiledHeaders,
} from '../../src/languages/precompiled-headers.js';
import { resolveLimits, type RunResult, type SandboxPool } from '../../src/sandbox/index.js';
import { DEFAULT_SANDBOX_ENV } from '../../src/sandbox/run-spec.js';
import { createTestPool, describe, registry } from '../helpers/sandbox.js';

const SUM = `#include <bits/stdc++.h>
using namespace std;
int main() {
  int n;
  cin >> n;
  vector<long long> v(n);
  for (auto &x : v) cin >> x;
  sort(v.rbegin(), v.rend());
  map<long long, int> seen;
  for (auto x : v) seen[x]++;
  cout << accumulate(v.begin(), v.end(), 0LL) << ' ' << v.front() << ' ' << seen.size() << '\\n';
}
`;
/** Errors in main.cpp, and one whose notes point into the headers (the include chain differs with a .gch). */
const BROKEN = `#include <bits/stdc++.h>
using namespace std;
int main() {
  vector<int> v{1, 2};
  cout << v << endl;
  int x = "seven";
  return undefined_name;
}
`;
const WARNS = `#include <bits/stdc++.h>
#warning "a warning the compile still succeeds with"
int main() { std::puts("ok"); }
`;

let pool: SandboxPool;
before(async () => {
  pool = await createTestPool(2);
});
after(() => pool.close());

const cpp = registry.get('cpp');
const cpp11 = registry.get('cpp-gcc11');

/** Compiles one source in a fresh lease with `compile` (default: the compile step), returning the result and binary. */
async function build(
  language: LanguageDefinition,
  source: string,
  compile?: string[],
): Promise<{ result: RunResult; binary: Buffer | null }> {
  const lease = await pool.acquire();
  try {
    lease.writeFiles([{ name: language.sourceFile, content: source }]);
    const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
    const limits = compileLimitsFor(language);
    const result = compile
      ? await lease.run({ command: compile, env, limits })
      : await runCompile(lease, { language, command: language.compile!, source, env, limits });
    return { result, binary: lease.readFile('main') };
  } finally {
    lease.release();
  }
}

for (const language of [cpp, cpp11]) {
  const pch = language.precompiledHeaders!;
  const gch = `${pch.dir}/bits/stdc++.h.gch`;

  test(`${language.id}: setup made current precompiled headers, and the box uses them`, async () => {
    assert.ok(registry.isInstalled(language), `${language.binary} is missing: run scripts/setup`);
    const status = await pchStatus(language);
    assert.ok(status.fresh, `${language.id}: precompiled headers ${status.detail}: run scripts/setup`);
    // -H lists each header read; "!" before a .gch means GCC used it, "x" that it found it unusable.
    const { result } = await build(language, SUM, [...withPrecompiledHeaders(language.compile!, pch), '-H']);
    assert.equal(result.status, 'accepted', describe(result));
    const listing = result.stderr.toString();
    assert.ok(listing.includes(`! ${gch}\n`), `not used:\n${listing.slice(0, 400)}`);
  });

  test(`${language.id}: in the box, the preload fills the .gch's mapping when the compiler maps it`, async () => {
    const report = {
      name: 'report.c',
      content: readFileSync(new URL('pch-mapping-report.c', import.meta.url)),
    };
    const lease = await pool.acquire();
    try {
      lease.writeFiles([report, { name: language.sourceFile, content: SUM }]);
      const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
      const limits = compileLimitsFor(language);
      const built = await lease.run({
        command: ['gcc', '-O2', '-shared', '-fPIC', '-o', 'report.so', 'report.c'],
        env,
        limits,
      });
      assert.equal(built.status, 'accepted', describe(built));
      // The compile step's command and preload, with the report after it: "gch <size> <resident>".
      const result = await lease.run({
        command: withPrecompiledHeaders(language.compile!, pch),
        env: withPchPreload(withPchPreload(env, './report.so'), `${pch.dir}/${PCH_PRELOAD}`),
        limits,
      });
      assert.equal(result.status, 'accepted', describe(result));
      const reported = /^gch (\d+) (\d+)$/m.exec(result.stderr.toString());
      assert.ok(reported, `cc1plus did not map the .gch: ${result.stderr.toString().slice(0, 400)}`);
      assert.equal(reported[2], reported[1], 'all of the mapping is resident when the compile ends');
    } finally {
      lease.release();
    }
  });

  test(`${language.id}: a bits/stdc++.h program builds to the same binary and output as a plain compile`, async () => {
    const stdin = '5\n3 -1 4 1 5\n';
    const limits = { cpuMs: 5_000, wallMs: 10_000 };
    const [fast, plain, run] = await Promise.all([
      build(language, SUM),
      build(language, SUM, language.compile!),
      compileAndRun(pool, { language, source: SUM, stdin, limits }),
    ]);
    assert.equal(fast.result.status, 'accepted', describe(fast.result));
    assert.equal(plain.result.status, 'accepted', describe(plain.result));
    assert.ok(fast.binary && plain.binary);
    assert.ok(fast.binary.equals(plain.binary), 'the binaries differ');
    assert.equal(run.status, 'accepted', describe(run.run ?? run.compile!));
    assert.equal(run.run!.stdout.toString(), '12 5 5\n');
    assert.equal(run.compile!.stderr.toString(), '');
  });

  test(`${language.id}: a compile error reads exactly as a plain compile's`, async () => {
    const [fast, plain] = await Promise.all([
      build(language, BROKEN),
      build(language, BROKEN, language.compile!),
    ]);
    assert.equal(plain.result.status, 'runtime_error', describe(plain.result));
    const expected = plain.result.stderr.toString();
    for (const line of [
      'main.cpp:5:8: error:',
      'main.cpp:6:11: error:',
      'main.cpp:7:10: error:',
      'from main.cpp:1:',
    ])
      assert.ok(expected.includes(line), `plain compile lacks ${line}`);
    assert.equal(fast.result.status, plain.result.status);
    assert.equal(fast.result.exitCode, plain.result.exitCode);
    assert.equal(fast.result.stderr.toString(), expected);
    assert.equal(fast.result.stdout.toString(), plain.result.stdout.toString());
  });
}

test('cpp: a warning reads exactly as a plain compile; judge reports a compile error as a plain compile does', async () => {
  const [fast, plain, broken, judged] = await Promise.all([
    build(cpp, WARNS),
    build(cpp, WARNS, cpp.compile!),
    build(cpp, BROKEN, cpp.compile!),
    judge(
      { pool, registry },
      {
        language: cpp,
        version: 'test',
        files: [{ name: cpp.sourceFile, content: BROKEN }],
        limits: resolveLimits({}),
      },
    ),
  ]);
  assert.equal(plain.result.status, 'accepted', describe(plain.result));
  assert.match(plain.result.stderr.toString(), /main\.cpp:2:2: warning: #warning/);
  assert.equal(fast.result.stderr.toString(), plain.result.stderr.toString());
  assert.ok(fast.binary?.equals(plain.binary!));
  assert.equal(judged.status, 'compilation_error');
  assert.equal(judged.compile?.stderr, broken.result.stderr.toString());
});

test('cpp: a foreign or missing .gch costs speed, not the result', async () => {
  // GCC 11's .gch, found first by GCC 12: GCC marks it "x" (unusable) and reads the real header.
  const foreign = {
    ...cpp,
    precompiledHeaders: { ...cpp.precompiledHeaders!, dir: cpp11.precompiledHeaders!.dir },
  };
  const missing = {
    ...cpp,
    precompiledHeaders: { ...cpp.precompiledHeaders!, dir: '/usr/local/lib/arbiter-toolchains/pch/none' },
  };
  const [listed, viaForeign, viaMissing, plain] = await Promise.all([
    build(cpp, SUM, [...withPrecompiledHeaders(cpp.compile!, foreign.precompiledHeaders), '-H']),
    build(foreign, SUM),
    build(missing, SUM),
    build(cpp, SUM, cpp.compile!),
  ]);
  assert.ok(
    listed.result.stderr.toString().includes(`x ${foreign.precompiledHeaders.dir}/bits/stdc++.h.gch\n`),
  );
  for (const { result, binary } of [viaForeign, viaMissing]) {
    assert.equal(result.status, 'accepted', describe(result));
    assert.equal(result.stderr.toString(), '');
    assert.ok(binary?.equals(plain.binary!), 'the binaries differ');
  }
});

test('judge and compileAndRun compile with the headers only when the source includes one', async () => {
  // A stand-in compiler that builds a program printing the arguments it was given, so the test sees
  // the command each caller ran without timing anything.
  const fakeCompiler = {
    name: 'cc.sh',
    executable: true,
    content: '#!/bin/sh\nprintf \'#!/bin/sh\\necho "%s | %s"\\n\' "$*" "$LD_PRELOAD" > main\nchmod +x main\n',
  };
  const fake: LanguageDefinition = { ...cpp, compile: ['./cc.sh', '-o', 'main', 'main.cpp'] };
  const flag = `-I${cpp.precompiledHeaders!.dir}`;
  const preload = `${cpp.precompiledHeaders!.dir}/${PCH_PRELOAD}`;
  const judged = (source: string) =>
    judge(
      { pool, registry },
      {
        language: fake,
        version: 'test',
        files: [{ name: 'main.cpp', content: source }, fakeCompiler],
        limits: resolveLimits({}),
      },
    );
  const [withHeader, without, executed] = await Promise.all([
    judged(SUM),
    judged('#include <iostream>\nint main() {}\n'),
    compileAndRun(pool, { language: fake, source: SUM, files: [fakeCompiler], limits: {} }),
  ]);
  assert.equal(withHeader.run?.stdout, `${flag} -o main main.cpp | ${preload}\n`, JSON.stringify(withHeader));
  assert.equal(without.run?.stdout, '-o main main.cpp | \n', JSON.stringify(without));
  assert.equal(executed.run?.stdout.toString(), `${flag} -o main main.cpp | ${preload}\n`);
});
