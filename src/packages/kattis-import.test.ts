import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kattisSumPackage, SUM_PY } from '../../test/helpers/package-fixtures.js';
import { zipPackage, type PackageTree } from '../../test/helpers/package-zip.js';
import { importPackage } from './import-package.js';

const imported = (tree: PackageTree, folder?: string) => importPackage(zipPackage(tree, folder));

function refused(tree: PackageTree, code: 'INVALID' | 'UNSUPPORTED', message: RegExp): void {
  assert.throws(
    () => imported(tree),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, `ARB_ERR_PACKAGE_${code}`, error.message);
      assert.match(error.message, message);
      return true;
    },
  );
}

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

test('malformed packages name the file and, for YAML, the line', () => {
  refused(
    { ...kattisSumPackage(), 'problem.yaml': 'name: X\nlimits:\n  memory: [1\n' },
    'INVALID',
    /^problem\.yaml:\d+: is not valid YAML/,
  );
  refused(
    { ...kattisSumPackage(), 'problem.yaml': 'name: X\nlimits:\n  memory: lots\n' },
    'INVALID',
    /^problem\.yaml:3: limits\.memory must be a number/,
  );
  refused(
    { ...kattisSumPackage(), 'problem.yaml': 'name: X\nname: Y\n' },
    'INVALID',
    /^problem\.yaml:2: is not valid YAML/,
  );
  const noAnswer = kattisSumPackage();
  delete noAnswer['data/secret/small/02.ans'];
  refused(noAnswer, 'INVALID', /^data\/secret\/small\/02\.ans: is missing/);
  const noInput = kattisSumPackage();
  delete noInput['data/sample/1.in'];
  refused(noInput, 'INVALID', /^data\/sample\/1\.in: is missing/);
  refused(
    { ...kattisSumPackage(), 'data/secret/big/testdata.yaml': 'scoring:\n  score: -5\n' },
    'INVALID',
    /^data\/secret\/big\/testdata\.yaml:2: scoring\.score/,
  );
  refused(
    { ...kattisSumPackage(), 'data/sample/1.in': new Uint8Array([0xff, 0xfe, 0x00]) },
    'INVALID',
    /^data\/sample\/1\.in: is not UTF-8/,
  );
  refused({ 'README.md': 'no package here' }, 'INVALID', /neither problem\.yaml .* nor problem\.xml/);
  refused(
    { ...kattisSumPackage(), 'problem.yaml': 'name: X\narbiter:\n  feedback: everything\n' },
    'INVALID',
    /^problem\.yaml:3: arbiter\.feedback must be one of/,
  );
});

test('what Arbiter does not import is refused naming the file, not skipped', () => {
  refused(
    { ...kattisSumPackage(), 'problem.yaml': 'name: X\nvalidation: custom interactive\n' },
    'UNSUPPORTED',
    /^problem\.yaml:2: interactive problems/,
  );
  refused(
    { ...kattisSumPackage(), 'problem.yaml': 'name: X\ntype: interactive\n' },
    'UNSUPPORTED',
    /^problem\.yaml:2: interactive/,
  );
  refused(
    { ...kattisSumPackage(), 'include/cpp/grader.cpp': 'int main(){}' },
    'UNSUPPORTED',
    /^include\/cpp\/grader\.cpp: files compiled with submissions/,
  );
  refused(
    { ...kattisSumPackage(), 'submissions/brute_force/slow.py': SUM_PY },
    'UNSUPPORTED',
    /^submissions\/brute_force\/: is not a verdict/,
  );
  refused(
    { ...kattisSumPackage(), 'submissions/accepted/multi/a.py': SUM_PY },
    'UNSUPPORTED',
    /several files/,
  );
  refused(
    { ...kattisSumPackage(), 'output_validators/sumcheck/build': '#!/bin/sh\n' },
    'UNSUPPORTED',
    /^output_validators\/sumcheck\/build: is neither a source file nor a header/,
  );
  refused(
    { ...kattisSumPackage(), 'data/secret/big/01.args': '--x' },
    'UNSUPPORTED',
    /^data\/secret\/big\/01\.args/,
  );
  const plain = kattisSumPackage();
  delete plain['output_validators/sumcheck/validator.py'];
  refused(
    { ...plain, 'problem.yaml': 'name: X\nvalidator_flags: weird_flag\n' },
    'UNSUPPORTED',
    /^problem\.yaml:2: validator_flags: weird_flag/,
  );
});
