// Problem packages with an interactor or include/ files, end to end on a real `arbiter serve` with
// the real sandbox (needs root, bubblewrap, g++ and python3): a Kattis interactive package whose
// validator speaks the Kattis protocol imported, its reference solutions verified against the
// validator, judged for a student, exported and imported again to the same problem; a Kattis
// package with include/ (a C++ function problem) imported, verified and judged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADD_CPP,
  ADD_INT_CPP,
  GUESS_BACKWARDS_PY,
  GUESS_PY,
  kattisAddFunctionPackage,
  kattisGuessPackage,
} from '../helpers/package-fixtures-interactive.js';
import { packageApi } from '../helpers/package-api.js';
import { zipPackage } from '../helpers/package-zip.js';
import { request, startServerWithKeys, cleanup, type TestServer } from './helpers.js';

let server: TestServer;
let userKey: string;
let adminKey: string;

before(async () => {
  ({ server, userKey, adminKey } = await startServerWithKeys({ workers: 2 }));
});

after(cleanup);

/** Generous: several compiles and two-sandbox runs on a shared, noisy machine. */
const VERIFY_TIMEOUT_MS = 300_000;

interface ProblemView {
  tests: { name?: string; stdin?: string; expected?: string; hidden?: boolean }[];
  limits?: unknown;
  checker?: unknown;
  interactor?: Record<string, unknown>;
  files?: Record<string, unknown>[];
  graders?: Record<string, unknown>;
  solutions?: unknown[];
  title: string;
  verification?: { state: string; results: { name: string; status?: string; passed?: boolean }[] };
}

interface Judged {
  status: string;
  score: number;
  maxScore: number;
  tests: { status: string; message?: string; transcript?: { toInteractor: string; toProgram: string } }[];
}

const { upload, problemAs, verified, judged, exported } = packageApi<ProblemView, Judged>(
  () => ({ server, adminKey, userKey }),
  { verifyMs: VERIFY_TIMEOUT_MS, judgeMs: 180_000 },
);

const essence = (p: ProblemView) => ({
  title: p.title,
  tests: p.tests,
  limits: p.limits,
  checker: p.checker,
  interactor: p.interactor,
  files: p.files,
  graders: p.graders,
  solutions: p.solutions,
});

const verdicts = (r: Judged) => ({ status: r.status, score: r.score, tests: r.tests.map((t) => t.status) });

test('a Kattis interactive package: imported, verified against its validator, judged, exported and back', async () => {
  const imported = await upload(zipPackage(kattisGuessPackage(), 'guess'));
  assert.equal(imported.status, 201, imported.text);
  assert.deepEqual(imported.body.interactor, { language: 'python3', protocol: 'kattis' });

  const problem = await verified('guess');
  assert.equal(problem.verification?.state, 'passed', JSON.stringify(problem.verification));
  const byName = new Map(problem.verification!.results.map((r) => [r.name, r]));
  assert.equal(byName.get('accepted/search.py')?.status, 'accepted');
  assert.equal(byName.get('wrong_answer/backwards.py')?.status, 'wrong_answer');
  assert.equal(problem.interactor?.protocol, 'kattis');

  // A student sees the interactor's language only.
  const asStudent = await problemAs('guess', userKey);
  assert.deepEqual(asStudent.interactor, { language: 'python3' });

  const right = await judged('guess', 'python3', GUESS_PY);
  assert.equal(right.status, 'accepted', JSON.stringify(right));
  assert.deepEqual(
    right.tests.map((t) => t.status),
    Array(5).fill('accepted'),
  );
  const wrong = await judged('guess', 'python3', GUESS_BACKWARDS_PY);
  assert.equal(wrong.status, 'wrong_answer');
  // Sample 1's secret is the first guess (500): found at once; sample 2 runs out of guesses, and
  // the validator's judgemessage.txt is that visible test's message.
  assert.equal(wrong.tests[0]?.status, 'accepted');
  assert.equal(wrong.tests[1]?.status, 'wrong_answer');
  assert.equal(wrong.tests[1]?.message, 'no guesses left');
  assert.equal(wrong.tests[1]?.transcript, undefined);
  // An admin sees the conversation: the validator's stdout was the program's stdin.
  const asAdmin = await judged('guess', 'python3', GUESS_PY, adminKey);
  assert.match(asAdmin.tests[0]?.transcript?.toProgram ?? '', /^1000\ncorrect\n$/);
  assert.equal(asAdmin.tests[0]?.transcript?.toInteractor, '500\n');

  const again = await upload(await exported('guess'), '?id=guess-again');
  assert.equal(again.status, 201, again.text);
  const copy = await verified('guess-again');
  assert.equal(copy.verification?.state, 'passed', JSON.stringify(copy.verification));
  assert.deepEqual(essence(copy), essence(problem));
  assert.deepEqual(verdicts(await judged('guess-again', 'python3', GUESS_BACKWARDS_PY)), verdicts(wrong));
});

test('a Kattis package with include/: a C++ function problem judged with its grader', async () => {
  const imported = await upload(zipPackage(kattisAddFunctionPackage(), 'addfn'));
  assert.equal(imported.status, 201, imported.text);
  assert.deepEqual(imported.body.graders, ['cpp']);
  const problem = await verified('addfn');
  assert.equal(problem.verification?.state, 'passed', JSON.stringify(problem.verification));

  const right = await judged('addfn', 'cpp', ADD_CPP);
  assert.equal(right.status, 'accepted', JSON.stringify(right));
  const wrong = await judged('addfn', 'cpp', ADD_INT_CPP);
  assert.equal(wrong.status, 'wrong_answer');
  assert.deepEqual(
    wrong.tests.map((t) => t.status),
    ['accepted', 'wrong_answer'],
  );
  // include/cpp/ makes it a C++ problem: another language is refused at once, naming the ones it takes.
  const python = await request(server, 'POST', '/api/v1/submissions', {
    key: adminKey,
    body: { language: 'python3', source: 'print(3)\n', problemId: 'addfn' },
  });
  assert.equal(python.status, 400, python.text);
  assert.match(python.text, /has graders for cpp only/);

  const again = await upload(await exported('addfn'), '?id=addfn-again');
  assert.equal(again.status, 201, again.text);
  assert.deepEqual(essence(await problemAs('addfn-again', adminKey)), essence(problem));
});
