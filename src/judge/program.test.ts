import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LanguageDefinition } from '../languages/language.js';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import type { SandboxLease } from '../sandbox/lease.js';
import type { RunResult, RunSpec, RunStatus, SandboxFile } from '../sandbox/run-spec.js';
import type { CachedCompile, CompileCache } from './compile-cache.js';
import { compileFailure, prepareProgram, programOf } from './program.js';

const compiled: LanguageDefinition = {
  id: 'toy',
  name: 'Toy',
  aliases: [],
  extensions: ['.toy'],
  sourceFile: 'main.toy',
  compile: ['toyc', '-o', 'main', 'main.toy'],
  run: ['./main'],
  binary: '/usr/bin/toyc',
  version: { command: ['toyc', '--version'], pattern: /(\d+)/ },
  packages: [],
  env: { TOY_HOME: '/opt/toy' },
  minimumLimits: { pids: 32 },
};
const interpreted: LanguageDefinition = {
  ...compiled,
  id: 'itoy',
  compile: undefined,
  run: ['itoy', 'main.toy'],
};

function runResult(status: RunStatus, stderr = ''): RunResult {
  return {
    status,
    reason: null,
    exitCode: status === 'accepted' ? 0 : 1,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from(stderr),
    stdoutTruncated: false,
    stderrTruncated: false,
    cpuMs: 10,
    wallMs: 12,
    memoryKb: 1024,
    limitsHit: [],
  };
}

/** A lease that records what it is asked; a run makes `main` and answers `status`. */
function fakeLease(status: RunStatus = 'accepted', stderr = '') {
  const files = new Map<string, SandboxFile>();
  const runs: RunSpec[] = [];
  const lease = {
    writeFiles(list: readonly SandboxFile[]) {
      for (const file of list) {
        assert.ok(!files.has(file.name), `${file.name} written twice`);
        files.set(file.name, file);
      }
    },
    async run(spec: RunSpec) {
      runs.push(spec);
      if (status === 'accepted') files.set('main', { name: 'main', content: 'ELF', executable: true });
      return runResult(status, stderr);
    },
    listFiles: () =>
      [...files.values()].map((f) => ({ name: f.name, size: f.content.length, executable: !!f.executable })),
    readFile: (name: string) => (files.has(name) ? Buffer.from(files.get(name)!.content) : null),
  };
  return { lease: lease as unknown as SandboxLease, files, runs };
}

function fakeCache() {
  const entries = new Map<string, CachedCompile>();
  const cache = {
    get: (key: string) => entries.get(key) ?? null,
    put: (key: string, entry: CachedCompile) => (entries.set(key, entry), true),
  };
  return { cache: cache as unknown as CompileCache, entries };
}

const source = { name: 'main.toy', content: 'print 1' };

test('a failed compile maps to compilation_error, except a fault or a cancel of its own', () => {
  for (const status of ['runtime_error', 'time_limit_exceeded', 'memory_limit_exceeded'] as const)
    assert.equal(compileFailure(status), 'compilation_error', status);
  assert.equal(compileFailure('output_limit_exceeded'), 'compilation_error');
  assert.equal(compileFailure('internal_error'), 'internal_error');
  assert.equal(compileFailure('cancelled'), 'cancelled');
});

test("a program's run spec: its command with args, its environment, its limits and its language's minimum", () => {
  const spec = programOf(compiled).spec(DEFAULT_RUN_LIMITS, { args: ['-v'], stdin: 'x', mergeStderr: true });
  assert.deepEqual(spec.command, ['./main', '-v']);
  assert.equal(spec.env?.TOY_HOME, '/opt/toy');
  assert.equal(spec.env?.PATH, '/usr/local/bin:/usr/bin:/bin');
  assert.deepEqual(spec.limits, DEFAULT_RUN_LIMITS);
  assert.deepEqual(spec.minimumLimits, { pids: 32 });
  assert.equal(spec.stdin, 'x');
  assert.equal(spec.mergeStderr, true);
  const plain = programOf({ ...interpreted, minimumLimits: undefined }).spec(DEFAULT_RUN_LIMITS);
  assert.deepEqual(Object.keys(plain).sort(), ['command', 'env', 'limits']);
});

test('an interpreted program is written and runs as is: nothing compiles', async () => {
  const { lease, files, runs } = fakeLease();
  const prepared = await prepareProgram(lease, {
    language: interpreted,
    files: [source],
    compileLimits: DEFAULT_COMPILE_LIMITS,
  });
  assert.ok(prepared.ok);
  assert.equal(prepared.compile, undefined);
  assert.equal(prepared.cached, false);
  assert.equal(runs.length, 0);
  assert.ok(files.has('main.toy'));
  assert.deepEqual(prepared.program.command(['a']), ['itoy', 'main.toy', 'a']);
});

test("a compile runs the language's command with the compiler options, the compile limits and a start hook", async () => {
  const { lease, runs } = fakeLease();
  let started = 0;
  const limits = { ...DEFAULT_COMPILE_LIMITS, cpuMs: 3000 };
  const prepared = await prepareProgram(
    lease,
    { language: compiled, files: [source], compilerOptions: ['-O2'], compileLimits: limits },
    { onCompileStart: () => started++ },
  );
  assert.ok(prepared.ok);
  assert.equal(started, 1);
  assert.deepEqual(runs[0]!.command, ['toyc', '-o', 'main', 'main.toy', '-O2']);
  assert.deepEqual(runs[0]!.limits, limits);
  assert.equal(prepared.compile?.status, 'accepted');
  assert.equal(prepared.stage?.status, 'accepted');
});

test("a compiler's failure is an outcome with the compiler's words, never an exception", async () => {
  const { lease } = fakeLease('runtime_error', 'main.toy:1: syntax error');
  const prepared = await prepareProgram(lease, {
    language: compiled,
    files: [source],
    compileLimits: DEFAULT_COMPILE_LIMITS,
  });
  assert.equal(prepared.ok, false);
  assert.ok(!prepared.ok);
  assert.equal(prepared.status, 'compilation_error');
  assert.equal(prepared.stage.stderr, 'main.toy:1: syntax error');
  assert.equal(prepared.compile.status, 'runtime_error');
});

test('the second identical compile restores the cached artifacts, problem files never among them', async () => {
  const { cache, entries } = fakeCache();
  const problemFiles = [{ name: 'grader.toy', content: 'lib' }];
  const program = {
    language: compiled,
    version: '1',
    files: [source],
    problemFiles,
    compileLimits: DEFAULT_COMPILE_LIMITS,
  };
  const first = fakeLease();
  assert.equal((await prepareProgram(first.lease, program, { cache })).cached, false);
  assert.equal(entries.size, 1);
  const [entry] = [...entries.values()];
  assert.deepEqual(
    entry!.artifacts.map((a) => a.name),
    ['main'],
  );
  const second = fakeLease();
  const hit = await prepareProgram(second.lease, program, { cache });
  assert.ok(hit.ok);
  assert.equal(hit.cached, true);
  assert.equal(second.runs.length, 0, 'a cache hit compiles nothing');
  assert.ok(second.files.has('main') && second.files.has('grader.toy') && second.files.has('main.toy'));
  const other = fakeLease();
  await prepareProgram(other.lease, { ...program, version: '2' }, { cache });
  assert.equal(other.runs.length, 1, 'another toolchain version is another compile');
});

test("a grader changes what is compiled and run, and the program's language is the grader's", async () => {
  const { lease, runs } = fakeLease();
  const prepared = await prepareProgram(lease, {
    language: compiled,
    files: [{ name: 'solution.toy', content: 'f' }],
    grader: { sourceFile: 'solution.toy', compileSources: ['grader.toy'] },
    compileLimits: DEFAULT_COMPILE_LIMITS,
  });
  assert.ok(prepared.ok);
  assert.deepEqual(runs[0]!.command, ['toyc', '-o', 'main', 'solution.toy', 'grader.toy']);
  assert.equal(prepared.program.language.sourceFile, 'solution.toy');
});
