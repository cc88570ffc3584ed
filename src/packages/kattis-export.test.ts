import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { parse } from 'yaml';
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
