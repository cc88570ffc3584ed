import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANGUAGE_CATALOG } from '../languages/catalog.js';
import type { SubmissionRecord } from '../store/types.js';
import {
  COSTLY_JUDGE_MS,
  DEFAULT_OVERTAKE_LIMIT,
  costByCatalog,
  resolveCostOrder,
  RunCostHistory,
} from './run-cost.js';

const of = (language: string) => ({ language }) as SubmissionRecord;
const byCatalog = costByCatalog([
  { id: 'c', compile: ['cc'] },
  { id: 'java', compile: ['javac'] },
  { id: 'python3' },
]);

test('the catalog class: a language with a compile step is costly', () => {
  assert.equal(byCatalog(of('c')), 'costly');
  assert.equal(byCatalog(of('python3')), 'cheap');
});

test("the catalog's prior: a quick compile is cheap, a slow one costly, output-only cheap, unknown costly", () => {
  const prior = costByCatalog(LANGUAGE_CATALOG, ['output']);
  assert.equal(prior(of('c')), 'cheap', "C's compile is as quick as an interpreter's start");
  assert.equal(prior(of('c-clang')), 'cheap');
  assert.equal(prior(of('python3')), 'cheap');
  for (const slow of ['cpp', 'java', 'kotlin', 'rust']) assert.equal(prior(of(slow)), 'costly', slow);
  assert.equal(prior(of('output')), 'cheap', 'an output-only submission compares files, nothing more');
  assert.equal(prior(of('cobol-2099')), 'costly', 'a language this node does not know never passes others');
  assert.equal(costByCatalog([{ id: 'x', compile: ['cc'], queueCost: 'cheap' }])(of('x')), 'cheap');
});

test('options: defaults, and a bad overtakeLimit refused naming the key', () => {
  const resolved = resolveCostOrder();
  assert.equal(resolved.overtakeLimit, DEFAULT_OVERTAKE_LIMIT);
  assert.equal(resolved.costOf(of('java')), 'cheap', 'no estimator: every job cheap, plain FIFO');
  for (const bad of [-1, 0.5, Number.NaN, 1e9])
    assert.throws(() => resolveCostOrder({ overtakeLimit: bad }), /overtakeLimit/);
});

test('history: the catalog decides until a language has been judged 5 times, then its median does', () => {
  const history = new RunCostHistory();
  const costOf = history.costOf(byCatalog);
  for (let i = 0; i < 4; i++) history.observe('c', 40);
  assert.equal(costOf(of('c')), 'costly', 'four judges are not enough to overrule the catalog');
  history.observe('c', 40);
  assert.equal(costOf(of('c')), 'cheap', 'a C compiled and run in 40 ms is cheap');
  for (let i = 0; i < 5; i++) history.observe('python3', COSTLY_JUDGE_MS * 3);
  assert.equal(costOf(of('python3')), 'costly', 'a Python problem with many slow tests is costly');
  assert.equal(costOf(of('java')), 'costly', 'a language never judged keeps its catalog class');
});

test('history: the median, so a few runs stopped at their CPU limit do not make a language costly', () => {
  const history = new RunCostHistory();
  const costOf = history.costOf(byCatalog);
  for (let i = 0; i < 20; i++) history.observe('python3', i % 5 === 0 ? 3_000 : 60);
  assert.equal(costOf(of('python3')), 'cheap');
  // Only recent judges count: the language turns costly once most of the last 31 were slow.
  for (let i = 0; i < 16; i++) history.observe('python3', 2_000);
  assert.equal(costOf(of('python3')), 'costly');
  history.observe('python3', Number.NaN);
  history.observe('python3', -5);
  assert.equal(costOf(of('python3')), 'costly', 'nonsense times are ignored');
});
