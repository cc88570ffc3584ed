import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANGUAGE_CATALOG } from '../languages/catalog.js';
import { DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import type { SubmissionRecord } from '../store/types.js';
import {
  COSTLY_JUDGE_MS,
  DEFAULT_OVERTAKE_LIMIT,
  costByCatalog,
  resolveCostOrder,
  RunCostHistory,
} from './run-cost.js';

let submitters = 0;
/**
 * A job of `language`, of a problem or (null) an ad-hoc run under the default limits with `cpuMs`,
 * from a submitter of its own unless one is named.
 */
const of = (
  language: string,
  problemId: string | null = null,
  cpuMs = DEFAULT_RUN_LIMITS.cpuMs,
  submitter = `student-${++submitters}`,
) =>
  ({
    language,
    problemId,
    submitter,
    request: { limits: { ...DEFAULT_RUN_LIMITS, cpuMs } },
  }) as SubmissionRecord;
let problems = 0;
/** A job of a problem of its own: it teaches its language's history, not the exercise asked about. */
const another = (language: string) => of(language, `problem-${++problems}`);
const byCatalog = costByCatalog([
  { id: 'c', compile: ['cc'] },
  { id: 'java', compile: ['javac'] },
  { id: 'python3' },
]);

test('the catalog class: a language with a compile step is costly', () => {
  assert.equal(byCatalog(of('c')), 'costly');
  assert.equal(byCatalog(of('python3')), 'cheap');
});

test("the catalog's prior: a quick compile is moderate, a slow one costly, output-only cheap, unknown costly", () => {
  const prior = costByCatalog(LANGUAGE_CATALOG, ['output']);
  assert.equal(prior(of('c')), 'moderate', "C's compile is quick, though slower than an interpreter's start");
  assert.equal(prior(of('c-clang')), 'moderate');
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
  for (let i = 0; i < 4; i++) history.observe(another('c'), 40);
  assert.equal(costOf(of('c')), 'costly', 'four judges are not enough to overrule the catalog');
  history.observe(another('c'), 40);
  assert.equal(costOf(of('c')), 'moderate', 'a compile judged quick is moderate, never cheap');
  for (let i = 0; i < 5; i++) history.observe(another('python3'), COSTLY_JUDGE_MS * 3);
  assert.equal(costOf(of('python3')), 'costly', 'a Python problem with many slow tests is costly');
  assert.equal(costOf(of('java')), 'costly', 'a language never judged keeps its catalog class');
});

test('history: the median, so a few runs stopped at their CPU limit do not make a language costly', () => {
  const history = new RunCostHistory();
  const costOf = history.costOf(byCatalog);
  for (let i = 0; i < 20; i++) history.observe(of('python3'), i % 5 === 0 ? 3_000 : 60);
  assert.equal(costOf(of('python3')), 'cheap');
  // Only recent judges count: the language turns costly once most of the last 31 were slow.
  for (let i = 0; i < 16; i++) history.observe(of('python3'), 2_000);
  assert.equal(costOf(of('python3')), 'costly');
  history.observe(of('python3'), Number.NaN);
  history.observe(of('python3'), -5);
  assert.equal(costOf(of('python3')), 'costly', 'nonsense times are ignored');
});

test("history: an exercise judged twice decides for its own jobs: a class's infinite loops turn costly", () => {
  const history = new RunCostHistory();
  const costOf = history.costOf(byCatalog);
  for (let i = 0; i < 10; i++) history.observe(of('python3'), 60);
  const loop = of('python3', null, 1_000);
  history.observe(loop, 1_050);
  assert.equal(costOf(loop), 'cheap', "one judge is not enough: the language's median decides");
  history.observe(loop, 1_020);
  assert.equal(costOf(loop), 'costly', 'two judges of the same exercise (Python under cpuMs 1000) were slow');
  assert.equal(costOf(of('python3')), 'cheap', 'Python under other limits is another exercise');
  // A problem's jobs are one exercise whatever their limits; of two judges, both must be slow.
  history.observe(of('python3', 'sum'), 900);
  history.observe(of('python3', 'sum', 5_000), 40);
  assert.equal(costOf(of('python3', 'sum', 3_000)), 'cheap');
  history.observe(of('python3', 'sum'), 900);
  assert.equal(costOf(of('python3', 'sum', 3_000)), 'costly', 'the median of three');
});

test('history: exercises are forgotten least recently judged first, past a thousand', () => {
  const history = new RunCostHistory();
  const costOf = history.costOf(byCatalog);
  const slow = of('python3', 'slow');
  history.observe(slow, 2_000);
  history.observe(slow, 2_000);
  for (let i = 0; i < 998; i++) history.observe(another('python3'), 60);
  history.observe(slow, 2_000);
  history.observe(another('python3'), 60);
  assert.equal(costOf(slow), 'costly', 'judged again lately: still remembered');
  for (let i = 0; i < 1_000; i++) history.observe(another('python3'), 60);
  assert.equal(costOf(slow), 'cheap', "forgotten: its language's median decides again");
});

test('history moves a job between its quick class and costly: a run never becomes moderate, a compile never cheap', () => {
  const history = new RunCostHistory();
  const prior = costByCatalog([{ id: 'c', compile: ['cc'], queueCost: 'moderate' }, { id: 'python3' }]);
  const costOf = history.costOf(prior);
  for (let i = 0; i < 5; i++) history.observe(another('python3'), COSTLY_JUDGE_MS - 1);
  assert.equal(costOf(of('python3')), 'cheap', 'a quick median keeps a run cheap');
  for (let i = 0; i < 5; i++) history.observe(another('c'), 10);
  assert.equal(costOf(of('c')), 'moderate', 'however quick, a compile stays behind the runs');
  const heavy = of('c', 'heavy');
  history.observe(heavy, COSTLY_JUDGE_MS * 4);
  history.observe(heavy, COSTLY_JUDGE_MS * 4);
  assert.equal(costOf(heavy), 'costly', 'a slow exercise of a quick compiler is costly');
});

test('history: its version goes up when a median starts to say something else, not on every judge', () => {
  const history = new RunCostHistory();
  const start = history.version;
  history.observe(of('python3', 'p'), 60);
  assert.equal(history.version, start, 'one judge of an exercise says nothing yet');
  history.observe(of('python3', 'p'), 60);
  const learned = history.version;
  assert.ok(learned > start, 'two judges: the exercise is known quick');
  history.observe(of('python3', 'p'), 70);
  assert.equal(history.version, learned, 'still quick: nothing to ask again');
  history.observe(of('python3', 'p'), 3_000);
  history.observe(of('python3', 'p'), 3_000);
  assert.ok(history.version > learned, 'turned slow: waiting jobs are to be asked again');
});

test("history: one submitter's judges count at most three times, so one student cannot hold a problem costly", () => {
  const history = new RunCostHistory();
  const costOf = history.costOf(byCatalog);
  const flood = () => of('python3', 'sum', undefined, 'mallory');
  for (let i = 0; i < 10; i++) history.observe(flood(), 3_000);
  assert.equal(costOf(of('python3', 'sum')), 'costly', 'the first judges were all slow');
  // Ten slow judges of one student are three of the median's: three quick ones of others outvote them.
  for (let i = 0; i < 2; i++) history.observe(of('python3', 'sum'), 60);
  assert.equal(costOf(of('python3', 'sum')), 'costly', 'three slow, two quick: the median is slow');
  history.observe(of('python3', 'sum'), 60);
  assert.equal(costOf(of('python3', 'sum')), 'cheap');
  // The student's latest judges are the ones kept: more of the same changes nothing.
  for (let i = 0; i < 10; i++) history.observe(flood(), 3_000);
  assert.equal(costOf(of('python3', 'sum')), 'cheap');
});
