import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADD_GRADER_CPP,
  ADD_H,
  GUESS_VALIDATOR_PY,
  kattisAddFunctionPackage,
  kattisGuessPackage,
} from '../../test/helpers/package-fixtures-interactive.js';
import { kattisSumPackage, SUM_PY } from '../../test/helpers/package-fixtures.js';
import {
  assertRefused,
  changedPackage,
  importTree,
  type PackageChanges,
  type PackageTree,
} from '../../test/helpers/package-zip.js';

const imported = importTree;
const refused = assertRefused;

test('a package in its folder: title, limits, groups from testdata.yaml, the validator, solutions', () => {
  const problem = imported(kattisSumPackage(), 'addtwo');
  assert.equal(problem.format, 'kattis');
  assert.equal(problem.name, 'addtwo');
  assert.equal(problem.title, 'Add Two Numbers');
  assert.deepEqual(problem.limits, { cpuMs: 2000, wallMs: 5000, memoryKb: 256 * 1024 });
  assert.deepEqual(
    problem.tests.map((t) => [t.name, t.group, Boolean(t.hidden)]),
    [
      ['sample/1', 'sample', false],
      ['secret/big/01', 'big', true],
      ['secret/big/02', 'big', true],
      ['secret/small/01', 'small', true],
      ['secret/small/02', 'small', true],
    ],
  );
  assert.equal(problem.tests[1]!.stdin, '2000000000 2000000000\n');
  assert.equal(problem.tests[1]!.expected, '4000000000\n');
  assert.deepEqual(problem.groups, [
    { id: 'sample', points: 0 },
    { id: 'big', points: 60 },
    { id: 'small', points: 40, aggregation: 'min' },
  ]);
  assert.equal(problem.checker?.type, 'custom');
  assert.equal(problem.checker?.type === 'custom' && problem.checker.protocol, 'kattis');
  assert.equal(problem.checker?.type === 'custom' && problem.checker.language, 'python3');
  assert.deepEqual(
    problem.solutions.map((s) => [s.name, s.language, s.expected]),
    [
      ['accepted/sum.py', 'python3', 'accepted'],
      ['wrong_answer/int32.c', 'c', 'wrong_answer'],
    ],
  );
});

test('without subgroups: no groups, samples shown, secret hidden; default validator flags to checkers', () => {
  const tree: PackageTree = {
    'problem.yaml': 'name:\n  sv: Summa\n  en: Sum\nvalidator_flags: float_tolerance 1e-4\n',
    '.timelimit': '1.5\n',
    'data/sample/a.in': '1\n',
    'data/sample/a.ans': '1\n',
    'data/secret/b.in': '2\n',
    'data/secret/b.ans': '2\n',
  };
  const problem = imported(tree);
  assert.equal(problem.title, 'Sum');
  assert.equal(problem.groups, undefined);
  assert.deepEqual(problem.limits, { cpuMs: 1500, wallMs: 4000 });
  assert.deepEqual(problem.checker, { type: 'float', absolute: 1e-4, relative: 1e-4 });
  assert.deepEqual(
    problem.tests.map((t) => [t.name, t.hidden ?? false]),
    [
      ['sample/a', false],
      ['secret/b', true],
    ],
  );
  assert.deepEqual(
    imported({ ...tree, 'problem.yaml': 'name: S\nvalidator_flags: case_sensitive\n' }).checker,
    {
      type: 'tokens',
    },
  );
  assert.deepEqual(
    imported({ ...tree, 'problem.yaml': 'name: S\nvalidator_flags: space_change_sensitive\n' }).checker,
    {
      type: 'exact',
    },
  );
  assert.equal(imported({ ...tree, 'problem.yaml': 'name: S\n' }).checker, undefined);
});

test('legacy grader_flags and accept_score make a group min or sum', () => {
  const problem = imported({
    'problem.yaml': 'name: G\n',
    'data/secret/testdata.yaml': 'grader_flags: min\naccept_score: 25\n',
    'data/secret/g1/1.in': '1\n',
    'data/secret/g1/1.ans': '1\n',
    'data/secret/g1/2.in': '1\n',
    'data/secret/g1/2.ans': '1\n',
  });
  assert.deepEqual(problem.groups, [{ id: 'g1', points: 25, aggregation: 'min' }]);
});

/** The sum package with `changes` made, refused with ARB_ERR_PACKAGE_<code> and `message`. */
function refusedSum(code: 'INVALID' | 'UNSUPPORTED', cases: [changes: PackageChanges, message: RegExp][]) {
  for (const [changes, message] of cases) refused(changedPackage(kattisSumPackage(), changes), code, message);
}

test('malformed packages name the file and, for YAML, the line', () => {
  refusedSum('INVALID', [
    [{ 'problem.yaml': 'name: X\nlimits:\n  memory: [1\n' }, /^problem\.yaml:\d+: is not valid YAML/],
    [
      { 'problem.yaml': 'name: X\nlimits:\n  memory: lots\n' },
      /^problem\.yaml:3: limits\.memory must be a number/,
    ],
    [{ 'problem.yaml': 'name: X\nname: Y\n' }, /^problem\.yaml:2: is not valid YAML/],
    [{ 'data/secret/small/02.ans': null }, /^data\/secret\/small\/02\.ans: is missing/],
    [{ 'data/sample/1.in': null }, /^data\/sample\/1\.in: is missing/],
    [
      { 'data/secret/big/testdata.yaml': 'scoring:\n  score: -5\n' },
      /^data\/secret\/big\/testdata\.yaml:2: scoring\.score/,
    ],
    [{ 'data/sample/1.in': new Uint8Array([0xff, 0xfe, 0x00]) }, /^data\/sample\/1\.in: is not UTF-8/],
    [
      { 'problem.yaml': 'name: X\narbiter:\n  feedback: everything\n' },
      /^problem\.yaml:3: arbiter\.feedback must be one of/,
    ],
  ]);
  refused({ 'README.md': 'no package here' }, 'INVALID', /neither problem\.yaml .* nor problem\.xml/);
});

test('what Arbiter does not import is refused naming the file, not skipped', () => {
  refusedSum('UNSUPPORTED', [
    [{ 'problem.yaml': 'name: X\ntype: multi-pass\n' }, /^problem\.yaml:2: multi-pass problems/],
    [{ 'problem.yaml': 'name: X\ntype: submit-answer\n' }, /^problem\.yaml:2: submit-answer problems/],
    [
      { 'include/default/grader.cpp': 'int main(){}' },
      /^include\/default\/grader\.cpp: is a source Kattis compiles with every submission/,
    ],
    [{ 'include/grader.h': 'int f();' }, /^include\/grader\.h: lies right in include\//],
    [{ 'graders/grader.py': 'print(1)' }, /^graders\/grader\.py: custom graders/],
    [{ 'submissions/brute_force/slow.py': SUM_PY }, /^submissions\/brute_force\/: is not a verdict/],
    [{ 'submissions/accepted/multi/a.py': SUM_PY }, /several files/],
    [
      { 'output_validators/sumcheck/build': '#!/bin/sh\n' },
      /^output_validators\/sumcheck\/build: is neither a source file nor a header/,
    ],
    [{ 'data/secret/big/01.args': '--x' }, /^data\/secret\/big\/01\.args/],
    [
      {
        'output_validators/sumcheck/validator.py': null,
        'problem.yaml': 'name: X\nvalidator_flags: weird_flag\n',
      },
      /^problem\.yaml:2: validator_flags: weird_flag/,
    ],
  ]);
});

test('an interactive package: its output validator is a Kattis-protocol interactor, .interaction files ignored', () => {
  const problem = imported(kattisGuessPackage(), 'guess');
  assert.equal(problem.checker, undefined);
  assert.deepEqual(problem.interactor, {
    language: 'python3',
    source: GUESS_VALIDATOR_PY,
    protocol: 'kattis',
  });
  assert.deepEqual(
    problem.tests.map((t) => t.name),
    ['sample/1', 'sample/2', 'secret/01', 'secret/02', 'secret/03'],
  );
  // The 2023 format says it with type; Arbiter's export of a testlib interactor says so in `arbiter`.
  const typed = imported({
    ...kattisGuessPackage(),
    'problem.yaml': 'name: G\ntype: interactive\narbiter:\n  checkerProtocol: testlib\n',
  });
  assert.equal(typed.interactor?.protocol, 'testlib');
  refused(
    changedPackage(kattisGuessPackage(), { 'output_validators/guess/validator.py': null }),
    'INVALID',
    /^problem\.yaml:2: is interactive, but output_validators\/ has no validator/,
  );
});

test('include/: default/ is the problem files, <language>/ that language grader, settings from arbiter', () => {
  const problem = imported(kattisAddFunctionPackage());
  assert.deepEqual(problem.files, [{ name: 'notes.txt', content: 'add(a, b) returns a + b\n' }]);
  assert.deepEqual(problem.graders, {
    cpp: {
      files: [
        { name: 'add.h', content: ADD_H },
        { name: 'grader.cpp', content: ADD_GRADER_CPP },
      ],
    },
  });
  const withSettings = imported({
    ...kattisAddFunctionPackage(),
    'include/python3/grader.py': 'from solution import add\n',
    'include/default/table.bin': new Uint8Array([0xff, 0x00, 0x01]),
    'include/default/data.cpp': '1 2 3\n',
    'problem.yaml': [
      'name: Write add',
      'arbiter:',
      '  visibleFiles: [include/cpp/add.h]',
      '  plainFiles: [include/default/data.cpp]',
      '  graders:',
      '    python3: { entry: grader.py, sourceFile: solution.py }',
      '',
    ].join('\n'),
  });
  assert.deepEqual(withSettings.graders?.cpp?.files[0], { name: 'add.h', content: ADD_H, visible: true });
  assert.deepEqual(withSettings.graders?.python3, {
    files: [{ name: 'grader.py', content: 'from solution import add\n' }],
    entry: 'grader.py',
    sourceFile: 'solution.py',
  });
  assert.deepEqual(
    withSettings.files?.map((f) => [f.name, f.encoding ?? 'utf8']),
    [
      ['data.cpp', 'utf8'],
      ['notes.txt', 'utf8'],
      ['table.bin', 'base64'],
    ],
  );
  refused(
    {
      ...kattisAddFunctionPackage(),
      'problem.yaml': 'name: X\narbiter:\n  graders:\n    java: { entry: Main.java }\n',
    },
    'INVALID',
    /arbiter\.graders\.java: the package has no include\/java\//,
  );
  refused(
    {
      ...kattisAddFunctionPackage(),
      'problem.yaml': 'name: X\narbiter:\n  graders:\n    cpp: { main: x }\n',
    },
    'INVALID',
    /^problem\.yaml:4: arbiter\.graders\.cpp\.main is not a grader setting/,
  );
});
