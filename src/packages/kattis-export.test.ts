import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { parse } from 'yaml';
import {
  ADD_GRADER_CPP,
  ADD_H,
  kattisAddFunctionPackage,
  kattisGuessPackage,
} from '../../test/helpers/package-fixtures-interactive.js';
import { kattisSumPackage, polygonSumPackage, SUM_PY } from '../../test/helpers/package-fixtures.js';
import { zipPackage } from '../../test/helpers/package-zip.js';
import type { ProblemRecord } from '../store/types.js';
import { importPackage } from './import-package.js';
import type { ImportedProblem } from './imported-problem.js';
import { exportKattisPackage } from './kattis-export.js';

/** The problem an import makes, without what only says where it came from. */
function essence(p: ImportedProblem): Omit<ImportedProblem, 'format' | 'name'> {
  const rest: Partial<ImportedProblem> = { ...p };
  delete rest.format;
  delete rest.name;
  return rest as Omit<ImportedProblem, 'format' | 'name'>;
}

const asRecord = (id: string, p: ImportedProblem): ProblemRecord => ({
  id,
  ...essence(p),
  createdAt: 1,
  updatedAt: 1,
});

test('an imported Kattis or Polygon package exports and imports back to the same problem', async () => {
  for (const [tree, folder] of [
    [kattisSumPackage(), 'addtwo'],
    [polygonSumPackage(), undefined],
  ] as const) {
    const first = importPackage(zipPackage(tree, folder));
    const again = importPackage(await exportKattisPackage(asRecord('p1', first)));
    assert.deepEqual(essence(again), essence(first));
    assert.equal(again.name, 'p1');
  }
});

test("a problem made through the API keeps what Kattis cannot say in problem.yaml's arbiter section", async () => {
  const problem: ProblemRecord = {
    id: 'api-made',
    title: 'Made by hand',
    tests: [
      { name: 'first', stdin: '1', expected: '1', group: 'a', weight: 2 },
      { stdin: '2', expected: '2', group: 'a', hidden: true },
      { stdin: '3', expected: '3', group: 'b', hidden: true },
    ],
    groups: [
      { id: 'a', points: 30, aggregation: 'product' },
      { id: 'b', points: 70, aggregation: 'min', dependsOn: ['a'] },
    ],
    limits: { cpuMs: 1500, memoryKb: 100_000 },
    checker: { type: 'trailing_whitespace' },
    feedback: 'verdicts',
    solutions: [{ name: 'accepted/x.py', language: 'python3', source: SUM_PY, expected: 'accepted' }],
    createdAt: 1,
    updatedAt: 1,
  };
  const zip = await exportKattisPackage(problem);
  const files = unzipSync(zip);
  const yaml = parse(strFromU8(files['api-made/problem.yaml']!)) as Record<string, unknown>;
  assert.deepEqual(yaml.limits, { time_limit: 1.5, memory: 98 });
  assert.equal(yaml.validation, 'default');
  assert.ok(files['api-made/data/secret/a/first.in']);
  assert.ok(files['api-made/submissions/accepted/x.py']);

  const back = importPackage(zip);
  assert.equal(back.title, problem.title);
  assert.deepEqual(back.groups, problem.groups);
  assert.deepEqual(back.limits, problem.limits);
  assert.deepEqual(back.checker, problem.checker);
  assert.equal(back.feedback, 'verdicts');
  assert.deepEqual(back.solutions, problem.solutions);
  assert.deepEqual(
    back.tests.map((t) => [t.stdin, t.expected, t.group, t.weight, t.hidden ?? false]),
    [
      ['1', '1', 'a', 2, false],
      ['2', '2', 'a', undefined, true],
      ['3', '3', 'b', undefined, true],
    ],
  );
});

test('interactive and include/ packages export and import back to the same problem', async () => {
  for (const [tree, folder] of [
    [kattisGuessPackage(), 'guess'],
    [kattisAddFunctionPackage(), 'add'],
  ] as const) {
    const first = importPackage(zipPackage(tree, folder));
    const again = importPackage(await exportKattisPackage(asRecord('p2', first)));
    assert.deepEqual(essence(again), essence(first));
  }
});

test('a testlib interactor, graders with entries, visible and binary files, an output-only problem: back the same', async () => {
  const base = { createdAt: 1, updatedAt: 1 };
  const interactive: ProblemRecord = {
    ...base,
    id: 'inter',
    title: 'Interactive',
    tests: [{ name: 'sample/1', stdin: '5', expected: '' }],
    interactor: {
      language: 'cpp',
      source: '#include "testlib.h"\nint main() {}\n',
      files: [{ name: 'testlib.h', content: '#pragma once\n' }],
    },
  };
  const zip = await exportKattisPackage(interactive);
  const yaml = parse(strFromU8(unzipSync(zip)['inter/problem.yaml']!)) as Record<string, unknown>;
  assert.equal(yaml.validation, 'custom interactive');
  assert.deepEqual(yaml.arbiter, { checkerProtocol: 'testlib' });
  const back = importPackage(zip);
  assert.deepEqual(back.interactor, { ...interactive.interactor, protocol: 'testlib' });

  const graded: ProblemRecord = {
    ...base,
    id: 'graded',
    title: 'Graded',
    tests: [{ name: 'sample/1', stdin: '1 2', expected: '3' }],
    files: [
      { name: 'data/primes.cpp', content: '2 3 5\n' },
      {
        name: 'blob.bin',
        content: Buffer.from([0, 255, 7]).toString('base64'),
        encoding: 'base64',
        visible: true,
      },
    ],
    graders: {
      cpp: {
        files: [
          { name: 'grader.cpp', content: ADD_GRADER_CPP },
          { name: 'add.h', content: ADD_H, visible: true },
        ],
      },
      python3: {
        files: [{ name: 'grader.py', content: 'from solution import add\n' }],
        entry: 'grader.py',
        sourceFile: 'solution.py',
      },
    },
  };
  const gradedBack = importPackage(await exportKattisPackage(graded));
  const byName = <T extends { name: string }>(list: T[] | undefined) =>
    [...(list ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  assert.deepEqual(byName(gradedBack.files), byName(graded.files));
  assert.deepEqual(byName(gradedBack.graders?.cpp?.files), byName(graded.graders!.cpp!.files));
  assert.deepEqual(gradedBack.graders?.python3, graded.graders!.python3);

  const outputOnly: ProblemRecord = {
    ...base,
    id: 'tiling',
    title: 'Tilings',
    type: 'output-only',
    tests: [
      { name: 'small', expected: '1 2 3\n' },
      { expected: '7\n', hidden: true },
    ],
  };
  const outputZip = await exportKattisPackage(outputOnly);
  const outputYaml = parse(strFromU8(unzipSync(outputZip)['tiling/problem.yaml']!)) as Record<
    string,
    unknown
  >;
  assert.equal(outputYaml.type, 'submit-answer');
  const outputBack = importPackage(outputZip);
  assert.equal(outputBack.type, 'output-only');
  assert.deepEqual(
    outputBack.tests.map((t) => [t.name, t.expected, t.hidden ?? false]),
    [
      ['small', '1 2 3\n', false],
      [undefined, '7\n', true],
    ],
  );
});
