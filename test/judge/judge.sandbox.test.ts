// The judge pipeline against the real sandbox: compile once, every test, checkers, scores, caches.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CompileCache } from '../../src/judge/compile-cache.js';
import { judge, type JudgeDeps } from '../../src/judge/judge.js';
import type { JudgeRequest, JudgeResult } from '../../src/judge/types.js';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { visibleSubmission } from '../../src/service/caller.js';
import { aSubmissionRecord } from '../helpers/submission.js';
import { createTestPool, registry } from '../helpers/sandbox.js';

let pool: SandboxPool;
let deps: JudgeDeps;
const cacheDir = mkdtempSync(join(tmpdir(), 'arbiter-judge-'));
before(async () => {
  pool = await createTestPool(2);
  deps = { pool, registry, compileCache: new CompileCache({ dir: cacheDir }) };
});
after(async () => {
  await pool.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

const SUM_C =
  '#include <stdio.h>\nint main(void){long a,b; if(scanf("%ld %ld",&a,&b)!=2) return 3; printf("%ld\\n",a+b); return 0;}\n';
const request = (overrides: Partial<JudgeRequest>): JudgeRequest => ({
  language: registry.get('c'),
  version: 'test',
  files: [{ name: 'main.c', content: SUM_C }],
  limits: resolveLimits({ cpuMs: 1000, wallMs: 3000 }),
  ...overrides,
});

test('every test runs against one binary; weights make the score; the first failure sets the status', async () => {
  const result = await judge(
    deps,
    request({
      tests: [
        { stdin: '1 2', expected: '3', weight: 2 },
        { stdin: '10 5', expected: '16', weight: 3 },
        { stdin: '-4 4', expected: '0\n\n', weight: 5 },
      ],
    }),
  );
  assert.equal(result.status, 'wrong_answer');
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'wrong_answer', 'accepted'],
  );
  assert.equal(result.score, 7);
  assert.equal(result.maxScore, 10);
  assert.match(result.tests[1]!.message ?? '', /expected "16", got "15"/);
  assert.equal(result.run?.stdout, '15\n', 'run shows the first failing test');
});

test('a resubmission takes the compiled binary from the cache', async () => {
  const source = SUM_C.replace('return 0;', 'return 0; /* cache probe */');
  const first = await judge(deps, request({ files: [{ name: 'main.c', content: source }], stdin: '2 2' }));
  const second = await judge(deps, request({ files: [{ name: 'main.c', content: source }], stdin: '3 3' }));
  assert.equal(first.compileCached, false);
  assert.equal(second.compileCached, true);
  assert.equal(second.status, 'accepted');
  assert.equal(second.run?.stdout, '6\n', 'the cached binary runs');
  assert.ok(second.compile, 'the original compile output is still shown');
});

test('stopOnFirstFailure skips the remaining tests', async () => {
  const result = await judge(
    deps,
    request({
      stopOnFirstFailure: true,
      tests: [
        { stdin: '1 1', expected: '3' },
        { stdin: '1 1', expected: '2' },
      ],
    }),
  );
  assert.equal(result.tests.length, 1);
  assert.equal(result.status, 'wrong_answer');
  assert.equal(result.score, 0);
});

test('run failures are per-test statuses: time limit and runtime error', async () => {
  const loop =
    '#include <stdio.h>\nint main(void){int n; scanf("%d",&n); if(n==1) for(;;); if(n==2) return 7; printf("ok\\n"); return 0;}\n';
  const result = await judge(
    deps,
    request({
      files: [{ name: 'main.c', content: loop }],
      limits: resolveLimits({ cpuMs: 300, wallMs: 2000 }),
      tests: [
        { stdin: '0', expected: 'ok' },
        { stdin: '1', expected: 'ok' },
        { stdin: '2', expected: 'ok' },
      ],
    }),
  );
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'time_limit_exceeded', 'runtime_error'],
  );
  assert.equal(result.status, 'time_limit_exceeded');
});

/** A judged result as a student sees it in any answer (service/caller.ts). */
function studentView(result: JudgeResult): JudgeResult {
  const record = aSubmissionRecord({
    id: 's',
    status: result.status,
    language: 'c',
    version: null,
    problemId: 'p',
    request: { files: [], limits: resolveLimits({}) },
    result,
    attempts: 1,
    startedAt: 0,
    finishedAt: 0,
  });
  return visibleSubmission(record, 'student').result!;
}

test('hidden tests keep their output for operators; a student sees none of it', async () => {
  const result = await judge(deps, request({ tests: [{ stdin: '1 2', expected: '4', hidden: true }] }));
  assert.equal(result.status, 'wrong_answer');
  assert.equal(result.tests[0]!.hidden, true);
  assert.equal(result.run?.stdout, '3\n', 'stored whole, for an operator debugging the problem');
  const shown = studentView(result);
  assert.equal(shown.tests[0]!.stdout, undefined);
  assert.equal(shown.tests[0]!.message, undefined);
  assert.equal(shown.run, undefined, 'nor the summary run');
});

const BYTES_C =
  '#include <stdio.h>\nint main(void){ fputs("\\xfe" "A\\n", stdout); fputs("ok\\n", stderr); return 0; }\n';

test('output that is not UTF-8 keeps its exact bytes in stdoutBase64; UTF-8 output has none', async () => {
  const result = await judge(deps, request({ files: [{ name: 'main.c', content: BYTES_C }] }));
  assert.equal(result.status, 'accepted', JSON.stringify(result));
  assert.equal(result.run?.stdout, '\uFFFDA\n', 'the text shows U+FFFD for the bad byte');
  assert.deepEqual(Buffer.from(result.run?.stdoutBase64 ?? '', 'base64'), Buffer.from([0xfe, 0x41, 0x0a]));
  assert.equal(result.run?.stderr, 'ok\n');
  assert.equal(result.run?.stderrBase64, undefined);
  const tested = await judge(
    deps,
    request({
      files: [{ name: 'main.c', content: BYTES_C }],
      tests: [{ expected: 'x' }, { expected: 'x', hidden: true }],
    }),
  );
  assert.equal(tested.tests[0]!.stdoutBase64, undefined, 'a failing visible test shows the checker message');
  assert.deepEqual(
    Buffer.from(tested.run?.stdoutBase64 ?? '', 'base64'),
    Buffer.from([0xfe, 0x41, 0x0a]),
    'the run summary of a visible failure shows its exact output',
  );
  assert.equal(tested.tests[1]!.stdoutBase64, undefined, 'a hidden test never shows its bytes');
});

test('a hidden failing test leaves a student no bytes in the run summary either', async () => {
  const result = await judge(
    deps,
    request({ files: [{ name: 'main.c', content: BYTES_C }], tests: [{ expected: 'x', hidden: true }] }),
  );
  assert.equal(result.status, 'wrong_answer');
  const shown = studentView(result);
  assert.equal(shown.run, undefined);
  assert.ok(!JSON.stringify(shown).includes(Buffer.from([0xfe, 0x41, 0x0a]).toString('base64')));
});

test('checkers: tokens and float tolerance', async () => {
  const echo = registry.get('python3');
  const tokens = await judge(deps, {
    ...request({}),
    language: echo,
    files: [{ name: 'main.py', content: 'print("1   2\\n3")' }],
    tests: [{ expected: '1 2 3' }],
    checker: { type: 'tokens' },
  });
  assert.equal(tokens.status, 'accepted');
  const float = await judge(deps, {
    ...request({}),
    language: echo,
    files: [{ name: 'main.py', content: 'print(3.14159265)' }],
    tests: [{ expected: '3.1416' }, { expected: '3.2' }],
    checker: { type: 'float', absolute: 1e-4 },
  });
  assert.deepEqual(
    float.tests.map((t) => t.status),
    ['accepted', 'wrong_answer'],
  );
});

test('a custom checker program decides, in its own sandbox run', async () => {
  const checker = {
    type: 'custom' as const,
    language: 'python3',
    // Accepts any output whose number is even; prints why not.
    source:
      'import sys\nn = int(open("output.txt").read())\nif n % 2 == 0: sys.exit(0)\nprint(f"{n} is odd")\nsys.exit(1)\n',
  };
  const result = await judge(deps, request({ checker, tests: [{ stdin: '1 1' }, { stdin: '1 2' }] }));
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'wrong_answer'],
  );
  assert.equal(result.tests[1]!.message, '3 is odd');
});

test('a compile error stops before any test', async () => {
  const result = await judge(
    deps,
    request({ files: [{ name: 'main.c', content: 'int main( {' }], tests: [{ expected: '1' }] }),
  );
  assert.equal(result.status, 'compilation_error');
  assert.equal(result.tests.length, 0);
  assert.match(result.compile!.stderr, /error/);
});

test('cancelling aborts a running program at once', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const pending = judge(
    deps,
    request({
      language: registry.get('python3'),
      files: [{ name: 'main.py', content: 'while True: pass' }],
      limits: resolveLimits({ cpuMs: 20_000, wallMs: 30_000 }),
      signal: controller.signal,
    }),
  );
  setTimeout(() => controller.abort(), 300);
  const result = await pending;
  assert.equal(result.status, 'cancelled');
  assert.ok(Date.now() - started < 10_000, 'ended long before its 20 s limit');
});
