// Problem packages end to end, on a real `arbiter serve` with the real sandbox (needs root,
// bubblewrap, gcc, g++ and python3): a Kattis package and a Polygon package imported, their
// reference solutions verified, judged for a student, exported and imported again to the same
// problem and the same results; malformed packages refused naming their file, with nothing stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { packageApi } from '../helpers/package-api.js';
import type { Problem, Submission } from '../../src/contract.js';
import { zipPackage, type PackageTree } from '../helpers/package-zip.js';
import { INT_SUM_C, kattisSumPackage, polygonSumPackage, SUM_PY } from '../helpers/package-fixtures.js';
import {
  assertErrorBody,
  cleanup,
  pollUntil,
  request,
  startServerWithKeys,
  type TestServer,
} from './helpers.js';

let server: TestServer;
let userKey: string;
let adminKey: string;

before(async () => {
  ({ server, userKey, adminKey } = await startServerWithKeys({ workers: 2 }));
});

after(cleanup);

/** Generous: several compiles and runs on a shared, noisy machine. */
const VERIFY_TIMEOUT_MS = 240_000;

/** One field of a problem's checker, whichever kind it is (a student's view has no source). */
const checkerField = (problem: Problem, name: string): unknown =>
  (problem.checker as Record<string, unknown> | undefined)?.[name];

const { upload, problemAs, verified, judged, exported } = packageApi<Problem, Submission>(
  () => ({ server, adminKey, userKey }),
  { verifyMs: VERIFY_TIMEOUT_MS, judgeMs: 120_000 },
);

/** What makes two problems the same problem: everything but the id, times and verification. */
function sameProblem(a: Problem, b: Problem): void {
  const essence = (p: Problem) => ({
    title: p.title,
    tests: p.tests,
    groups: p.groups,
    limits: p.limits,
    checker: p.checker,
    solutions: p.solutions,
  });
  assert.deepEqual(essence(b), essence(a));
}

function verdicts(result: Submission) {
  return {
    status: result.status,
    score: result.score,
    maxScore: result.maxScore,
    tests: result.tests.map((t) => t.status),
  };
}

test('a Kattis package: imported, verified, judged, exported and imported again to the same problem', async () => {
  const imported = await upload(zipPackage(kattisSumPackage(), 'addtwo'));
  assert.equal(imported.status, 201, imported.text);
  assert.equal(imported.body.id, 'addtwo');
  assert.equal(imported.body.format, 'kattis');
  assert.equal(imported.body.testCount, 5);

  const problem = await verified('addtwo');
  assert.equal(problem.verification?.state, 'passed', JSON.stringify(problem.verification));
  const byName = new Map(problem.verification!.results.map((r) => [r.name, r]));
  assert.equal(byName.get('accepted/sum.py')?.status, 'accepted');
  assert.equal(byName.get('accepted/sum.py')?.score, 100);
  assert.equal(byName.get('wrong_answer/int32.c')?.status, 'wrong_answer');
  assert.ok([...byName.values()].every((r) => r.passed === true));
  assert.deepEqual(problem.groups, [
    { id: 'sample', points: 0 },
    { id: 'big', points: 60 },
    { id: 'small', points: 40, aggregation: 'min' },
  ]);
  assert.equal(checkerField(problem, 'protocol'), 'kattis');

  // A student sees neither the reference solutions nor the hidden data, only that it is verified.
  const asStudent = await problemAs('addtwo', userKey);
  assert.equal(asStudent.solutions, undefined);
  assert.equal(asStudent.verification?.state, 'passed');
  assert.deepEqual(asStudent.verification?.results, []);
  assert.equal(checkerField(asStudent, 'source'), undefined);
  for (const t of asStudent.tests.filter((t) => t.hidden)) assert.equal(t.stdin, undefined);

  // The output validator judges: 32-bit overflow fails one big test (sum: 30 of 60), small passes (40).
  const wrong = await judged('addtwo', 'c', INT_SUM_C);
  assert.equal(wrong.status, 'wrong_answer');
  assert.equal(wrong.score, 70);
  assert.equal(wrong.maxScore, 100);
  // The validator's judgemessage.txt is a visible test's message (hidden tests keep none).
  const zero = await judged('addtwo', 'python3', 'print(0)\n');
  assert.equal(zero.tests[0]?.message, 'expected 3, got 0');
  assert.equal(wrong.tests.find((t) => t.status === 'wrong_answer')?.message, undefined);
  const right = await judged('addtwo', 'python3', SUM_PY);
  assert.equal(right.status, 'accepted');
  assert.equal(right.score, 100);

  // Export, import the export under another id: the same problem, the same verdicts.
  const zip = await exported('addtwo');
  const again = await upload(zip, '?id=addtwo-again');
  assert.equal(again.status, 201, again.text);
  const copy = await verified('addtwo-again');
  assert.equal(copy.verification?.state, 'passed', JSON.stringify(copy.verification));
  sameProblem(problem, copy);
  assert.deepEqual(verdicts(await judged('addtwo-again', 'c', INT_SUM_C)), verdicts(wrong));
  assert.deepEqual(verdicts(await judged('addtwo-again', 'python3', SUM_PY)), verdicts(right));

  // Only admins export (the package holds the hidden tests and the solutions).
  const refused = await request(server, 'GET', '/api/v1/problems/addtwo/export', { key: userKey });
  assertErrorBody(refused, { status: 403, code: 'ARB_ERR_AUTH_FORBIDDEN' });
});

test('a Polygon package with a testlib checker: imported, verified, judged, exported and imported again', async () => {
  const imported = await upload(zipPackage(polygonSumPackage()));
  assert.equal(imported.status, 201, imported.text);
  assert.equal(imported.body.id, 'poly-sum');
  assert.equal(imported.body.format, 'polygon');
  // time-limit-exceeded-or-accepted has no one verdict to check: not kept.
  assert.deepEqual(
    (imported.body.solutions as { name: string }[]).map((s) => s.name),
    ['accepted/sum.cpp', 'wrong_answer/int32.py'],
  );

  const problem = await verified('poly-sum');
  assert.equal(problem.verification?.state, 'passed', JSON.stringify(problem.verification));
  assert.equal(checkerField(problem, 'protocol'), 'testlib');
  assert.deepEqual(
    problem.tests.map((t) => [t.name, Boolean(t.hidden)]),
    [
      ['sample/01', false],
      ['secret/02', true],
      ['secret/03', true],
    ],
  );

  const wrong = await judged('poly-sum', 'c', INT_SUM_C);
  assert.equal(wrong.status, 'wrong_answer');
  assert.deepEqual(
    wrong.tests.map((t) => t.status),
    ['accepted', 'accepted', 'wrong_answer'],
  );

  // The package's own testlib checker decided: its report is the message.
  const zero = await judged('poly-sum', 'python3', 'print(0)\n');
  assert.equal(zero.tests[0]?.message, 'wrong answer expected 3, found 0');

  const zip = await exported('poly-sum');
  const again = await upload(zip, '?id=poly-sum-again');
  assert.equal(again.status, 201, again.text);
  const copy = await verified('poly-sum-again');
  assert.equal(copy.verification?.state, 'passed', JSON.stringify(copy.verification));
  sameProblem(problem, copy);
  assert.deepEqual(verdicts(await judged('poly-sum-again', 'c', INT_SUM_C)), verdicts(wrong));
});

test('a problem whose reference solution misses its verdict stays closed to students until an admin opens it', async () => {
  const tree: PackageTree = kattisSumPackage();
  // The right solution filed as wrong_answer: verification must fail.
  tree['submissions/wrong_answer/really.py'] = SUM_PY;
  const imported = await upload(zipPackage(tree), '?id=addtwo-misfiled');
  assert.equal(imported.status, 201, imported.text);
  const problem = await verified('addtwo-misfiled');
  assert.equal(problem.verification?.state, 'failed');
  const misfiled = problem.verification!.results.find((r) => r.name === 'wrong_answer/really.py');
  assert.equal(misfiled?.status, 'accepted');
  assert.equal(misfiled?.passed, false);

  const closed = await request(server, 'POST', '/api/v1/submissions', {
    key: userKey,
    body: { language: 'python3', source: SUM_PY, problemId: 'addtwo-misfiled' },
  });
  assertErrorBody(closed, { status: 409, code: 'ARB_ERR_PROBLEM_NOT_VERIFIED' });
  // An admin may judge it all the same.
  assert.equal((await judged('addtwo-misfiled', 'python3', SUM_PY, adminKey)).status, 'accepted');

  // Changing the problem (PUT) keeps its reference solutions and verifies it again, in a new run.
  const changed = await request(server, 'PUT', '/api/v1/problems/addtwo-misfiled', {
    key: adminKey,
    body: { title: 'Add Two, again', tests: problem.tests, groups: problem.groups, checker: problem.checker },
  });
  assert.equal(changed.status, 200, changed.text);
  const reverified = await pollUntil(
    () => problemAs('addtwo-misfiled', adminKey),
    (p) => p.verification?.runId !== problem.verification?.runId && p.verification?.state === 'failed',
    { timeoutMs: VERIFY_TIMEOUT_MS, intervalMs: 250, what: 'verification after PUT' },
  );
  assert.equal(reverified.solutions?.length, 3);
  assert.equal(reverified.verification?.results.find((r) => r.name === 'accepted/sum.py')?.passed, true);

  const studentOpen = await request(server, 'POST', '/api/v1/problems/addtwo-misfiled/open', {
    key: userKey,
    body: {},
  });
  assertErrorBody(studentOpen, { status: 403 });
  const opened = await request(server, 'POST', '/api/v1/problems/addtwo-misfiled/open', {
    key: adminKey,
    body: {},
  });
  assert.equal(opened.status, 200, opened.text);
  assert.equal((await judged('addtwo-misfiled', 'python3', SUM_PY)).status, 'accepted');
});

test('malformed packages are refused naming the file (and line), and nothing is stored', async () => {
  const cases: [string, PackageTree | Uint8Array, RegExp][] = [
    [
      'bad YAML',
      {
        ...kattisSumPackage(),
        'problem.yaml': 'name: Broken\nlimits:\n  time_limit: [2\nvalidation: custom\n',
      },
      /problem\.yaml:\d+: is not valid YAML/,
    ],
    [
      'a missing answer',
      Object.fromEntries(
        Object.entries(kattisSumPackage()).filter(([path]) => path !== 'data/secret/big/02.ans'),
      ),
      /data\/secret\/big\/02\.ans: is missing/,
    ],
    [
      'a path out of the package',
      { ...kattisSumPackage(), '../evil.txt': 'x' },
      /\.\.\/evil\.txt: leaves the package/,
    ],
    [
      'a zip bomb',
      {
        ...kattisSumPackage(),
        'data/secret/big/03.in': new Uint8Array(20 * 1024 * 1024),
        'data/secret/big/03.ans': '0\n',
      },
      /data\/secret\/big\/03\.in: inflates to 20971520 bytes/,
    ],
    [
      'a Polygon test with no file',
      Object.fromEntries(Object.entries(polygonSumPackage()).filter(([path]) => path !== 'tests/03')),
      /tests\/03: is missing \(test 3 is generated by "gen 2000000000"/,
    ],
    ['not a zip', new TextEncoder().encode('just text'), /the zip archive: is not a zip archive/],
  ];
  for (const [what, tree, message] of cases) {
    const zip = tree instanceof Uint8Array ? tree : zipPackage(tree);
    const refused = await upload(zip, '?id=refused');
    assert.equal(refused.status, 400, `${what}: ${refused.text}`);
    assert.equal(refused.body.error, 'ARB_ERR_PACKAGE_INVALID', `${what}: ${refused.text}`);
    assert.match(String(refused.body.message), message, what);
  }
  const multiPass = await upload(
    zipPackage({ ...kattisSumPackage(), 'problem.yaml': 'name: Passes\ntype: multi-pass\n' }),
    '?id=refused',
  );
  assert.equal(multiPass.status, 400, multiPass.text);
  assert.equal(multiPass.body.error, 'ARB_ERR_PACKAGE_UNSUPPORTED');
  assert.match(String(multiPass.body.message), /^problem\.yaml:2: multi-pass problems/);
  // include/ files the API would refuse as a problem's graders: refused as the package's.
  const unknownLanguage = await upload(
    zipPackage({ ...kattisSumPackage(), 'include/klingon/grader.kl': 'x' }),
    '?id=refused',
  );
  assert.equal(unknownLanguage.status, 400, unknownLanguage.text);
  assert.equal(unknownLanguage.body.error, 'ARB_ERR_PACKAGE_UNSUPPORTED');
  assert.match(String(unknownLanguage.body.message), /^include\/: /);

  const nothing = await request(server, 'GET', '/api/v1/problems/refused', { key: adminKey });
  assertErrorBody(nothing, { status: 404, code: 'ARB_ERR_PROBLEM_NOT_FOUND' });

  // Students do not import.
  const student = await upload(zipPackage(kattisSumPackage()), '?id=by-student', userKey);
  assert.equal(student.status, 403, student.text);
});
