// Problems with files end to end: graders compiled or run with the student's function (C++ and
// Python), data files the program reads (read-only, never replaceable by a student's file),
// output-only problems, and expected-vs-actual diffs, through the HTTP API of a real `arbiter serve`
// with the real sandbox (needs root, bubblewrap, g++ and python3).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertErrorBody, cleanup, request, startServerWithKeys, type TestServer } from './helpers.js';

let server: TestServer;
let userKey: string;
let adminKey: string;

after(cleanup);

interface Diff {
  line: number;
  from: number;
  expected: string[];
  actual: string[];
}

interface Judged {
  id: string;
  status: string;
  score: number;
  maxScore: number;
  compile?: { stderr: string; stdout: string };
  tests: {
    status: string;
    name?: string;
    message?: string;
    stdout?: string;
    hidden?: boolean;
    diff?: Diff;
  }[];
}

async function createProblem(body: Record<string, unknown>): Promise<void> {
  const created = await request(server, 'POST', '/api/v1/problems', { key: adminKey, body });
  assert.equal(created.status, 201, created.text);
}

async function submit(body: Record<string, unknown>) {
  return request<Judged>(server, 'POST', '/api/v1/submissions?wait=true', {
    key: userKey,
    body,
    timeoutMs: 90_000,
  });
}

async function judged(body: Record<string, unknown>): Promise<Judged> {
  const response = await submit(body);
  assert.equal(response.status, 200, response.text);
  return response.body;
}

async function asTeacher(id: string): Promise<Judged> {
  const response = await request<Judged>(server, 'GET', `/api/v1/submissions/${id}`, { key: adminKey });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

const GRADER_CPP = `#include <cstdio>
#include "add.h"
int main() {
  int a, b;
  if (std::scanf("%d %d", &a, &b) != 2) return 3;
  std::printf("%d\\n", add(a, b));
  return 0;
}
`;
const GRADER_PY = `import sys
from solution import add

a, b = map(int, sys.stdin.read().split())
print(add(a, b))
`;
const SECRET_GRADER_MARK = 'grader-internal-7731';

const ADD_PROBLEM = `add-${Date.now()}`;

before(async () => {
  ({ server, userKey, adminKey } = await startServerWithKeys({ workers: 2 }));
  await createProblem({
    id: ADD_PROBLEM,
    title: 'Write add',
    tests: [
      { stdin: '1 2', expected: '3', name: 'small' },
      { stdin: '40 2', expected: '42', name: 'answer' },
      { stdin: '-5 5', expected: '0', hidden: true, name: 'secret' },
    ],
    graders: {
      cpp: {
        files: [
          { name: 'grader.cpp', content: `// ${SECRET_GRADER_MARK}\n${GRADER_CPP}` },
          { name: 'add.h', content: 'int add(int a, int b);\n', visible: true },
        ],
      },
      python3: {
        files: [{ name: 'grader.py', content: `# ${SECRET_GRADER_MARK}\n${GRADER_PY}` }],
        entry: 'grader.py',
        sourceFile: 'solution.py',
      },
    },
  });
});

test('C++: the grader is compiled with the student function and calls it', async () => {
  const right = await judged({
    language: 'cpp',
    problemId: ADD_PROBLEM,
    source: '#include "add.h"\nint add(int a, int b) { return a + b; }\n',
  });
  assert.equal(right.status, 'accepted', JSON.stringify(right));
  assert.equal(right.score, 3);
  // The same source again takes its build from the compile cache, the grader's files beside it.
  const again = await judged({
    language: 'cpp',
    problemId: ADD_PROBLEM,
    source: '#include "add.h"\nint add(int a, int b) { return a + b; }\n',
  });
  assert.equal(again.status, 'accepted', JSON.stringify(again));
  // The student's view of the submission holds none of the grader.
  assert.ok(!JSON.stringify(right).includes(SECRET_GRADER_MARK));

  const wrong = await judged({
    language: 'cpp',
    problemId: ADD_PROBLEM,
    source: 'int add(int a, int b) { return a * b; }\n',
  });
  assert.equal(wrong.status, 'wrong_answer');
  assert.deepEqual(
    wrong.tests.map((t) => t.status),
    ['wrong_answer', 'wrong_answer', 'wrong_answer'],
  );
  assert.ok(wrong.tests[1]!.diff, JSON.stringify(wrong.tests));
  assert.deepEqual(wrong.tests[1]!.diff, { line: 1, from: 1, expected: ['42'], actual: ['80'] });
  assert.equal(wrong.tests[2]!.diff, undefined, 'a hidden test has no diff');
  const teacher = await asTeacher(wrong.id);
  assert.equal(teacher.tests[2]!.diff, undefined, 'not even for the teacher: its data is the test');

  const missing = await judged({
    language: 'cpp',
    problemId: ADD_PROBLEM,
    source: 'int sub(int a, int b) { return a - b; }\n',
  });
  assert.equal(missing.status, 'compilation_error');
  assert.match(`${missing.compile?.stdout}${missing.compile?.stderr}`, /add/);
});

test("Python: the grader is the program run, and imports the student's module", async () => {
  const right = await judged({
    language: 'python3',
    problemId: ADD_PROBLEM,
    source: 'def add(a, b):\n    return a + b\n',
  });
  assert.equal(right.status, 'accepted', JSON.stringify(right));
  const wrong = await judged({
    language: 'python3',
    problemId: ADD_PROBLEM,
    source: 'def add(a, b):\n    return a - b\n',
  });
  assert.equal(wrong.status, 'wrong_answer');
  assert.deepEqual(wrong.tests[0]!.diff, { line: 1, from: 1, expected: ['3'], actual: ['-1'] });
});

test('a language without a grader, and a student file named like a grader file, are refused at submit', async () => {
  const js = await submit({ language: 'javascript', problemId: ADD_PROBLEM, source: 'console.log(1)' });
  const error = assertErrorBody(js, { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
  assert.match(error.message, /graders for cpp, python3/);
  const clash = await submit({
    language: 'python3',
    problemId: ADD_PROBLEM,
    files: [
      { name: 'main.py', content: 'def add(a, b):\n    return 0\n' },
      { name: 'grader.py', content: 'print(3)\n' },
    ],
  });
  assert.match(assertErrorBody(clash, { status: 400, code: 'ARB_ERR_INPUT_INVALID' }).message, /grader\.py/);
});

test('a student sees the visible header of a grader problem, not the grader', async () => {
  const shown = await request<{ graders: Record<string, { files: { name: string }[] }> }>(
    server,
    'GET',
    `/api/v1/problems/${ADD_PROBLEM}`,
    { key: userKey },
  );
  assert.equal(shown.status, 200, shown.text);
  assert.ok(!shown.text.includes(SECRET_GRADER_MARK), shown.text);
  assert.deepEqual(
    shown.body.graders.cpp!.files.map((f) => f.name),
    ['add.h'],
  );
  assert.deepEqual(shown.body.graders.python3!.files, []);
});

test('a data file is read by the program, cannot be changed by it, and cannot be replaced by a student file', async () => {
  const id = `words-${Date.now()}`;
  await createProblem({
    id,
    title: 'The n-th word',
    files: [{ name: 'data/words.txt', content: 'apple\nbanana\ncherry\n' }],
    tests: [
      { stdin: '2', expected: 'banana\nread-only' },
      { stdin: '3', expected: 'cherry\nread-only' },
    ],
  });
  const program = [
    'n = int(input())',
    "print(open('data/words.txt').read().split()[n - 1])",
    'try:',
    "    open('data/words.txt', 'w').write('zzz')",
    "    print('written')",
    'except OSError:',
    "    print('read-only')",
  ].join('\n');
  const right = await judged({ language: 'python3', problemId: id, source: program });
  assert.equal(right.status, 'accepted', JSON.stringify(right.tests));
  const replace = await submit({
    language: 'python3',
    problemId: id,
    files: [
      { name: 'main.py', content: program },
      { name: 'data/words.txt', content: 'x\ny\nz\n' },
    ],
  });
  const error = assertErrorBody(replace, { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
  assert.match(error.message, /data\/words\.txt.*may not replace/);
  // A directory in the way of the problem's file is refused the same.
  const directory = await submit({
    language: 'python3',
    problemId: id,
    files: [
      { name: 'main.py', content: program },
      { name: 'data', content: 'x' },
    ],
  });
  assertErrorBody(directory, { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
  const shown = await request(server, 'GET', `/api/v1/problems/${id}`, { key: userKey });
  assert.ok(!shown.text.includes('apple'), 'a hidden data file stays with the teacher');
  assert.deepEqual((shown.body as { files: unknown[] }).files, []);
});

test('problem files are checked when the problem is made', async () => {
  const bad = async (extra: Record<string, unknown>, pattern: RegExp) => {
    const response = await request(server, 'POST', '/api/v1/problems', {
      key: adminKey,
      body: { title: 'bad', tests: [{ expected: '1' }], ...extra },
    });
    assert.ok(response.status === 400, response.text);
    assert.match(response.text, pattern);
  };
  await bad({ files: [{ name: '../escape', content: '' }] }, /relative path/);
  await bad(
    {
      files: [
        { name: 'a', content: '' },
        { name: 'a', content: '' },
      ],
    },
    /takes the place/,
  );
  await bad({ graders: { nosuchlanguage: { files: [{ name: 'g', content: '' }] } } }, /LANGUAGE_UNKNOWN/);
  await bad({ graders: { python3: { files: [{ name: 'g.py', content: '' }], entry: 'other.py' } } }, /entry/);
  await bad({ type: 'output-only', files: [{ name: 'a', content: '' }] }, /output-only/);
  await bad({ files: [{ name: 'big', content: 'x'.repeat(1024 * 1024 + 1) }] }, /larger than/);
});

test('an output-only problem: each output judged by the checker, a missing one wrong with its name', async () => {
  const id = `outputs-${Date.now()}`;
  await createProblem({
    id,
    title: 'Outputs',
    type: 'output-only',
    tests: [
      { name: 'small', expected: '1 2 3\n' },
      { name: 'medium', expected: '4\n5\n6\n' },
      { expected: '7\n', hidden: true },
    ],
  });
  const all = await judged({
    language: 'output',
    problemId: id,
    files: [
      { name: 'small.out', content: '1 2 3' },
      { name: 'medium.out', content: '4\n5\n6\n' },
      { name: '3.out', content: Buffer.from('7\n').toString('base64'), encoding: 'base64' },
    ],
  });
  assert.equal(all.status, 'accepted', JSON.stringify(all));
  assert.equal(all.score, 3);

  const some = await judged({
    language: 'output',
    problemId: id,
    files: [
      { name: 'small.out', content: '1 2 3\n' },
      { name: 'medium.out', content: '4\nfive\n6\n' },
    ],
  });
  assert.equal(some.status, 'wrong_answer');
  assert.equal(some.score, 1);
  assert.deepEqual(
    some.tests.map((t) => t.status),
    ['accepted', 'wrong_answer', 'wrong_answer'],
  );
  assert.deepEqual(some.tests[1]!.diff, {
    line: 2,
    from: 1,
    expected: ['4', '5', '6'],
    actual: ['4', 'five', '6'],
  });
  // The missing output is a hidden test's: the student sees its verdict; the teacher why.
  const teacher = await asTeacher(some.id);
  assert.match(teacher.tests[2]!.message ?? '', /no file 3\.out/);

  // Judge0's view of it: a language Judge0 does not have.
  const judge0 = await request<{ language_id: number; status: { id: number } }>(
    server,
    'GET',
    `/submissions/${some.id}?fields=language_id,status`,
    { key: userKey },
  );
  assert.equal(judge0.status, 200, judge0.text);
  assert.equal(judge0.body.language_id, 0);
  assert.equal(judge0.body.status.id, 4, 'Wrong Answer');

  const program = await submit({ language: 'python3', problemId: id, source: 'print(1)' });
  assert.match(assertErrorBody(program, { status: 400 }).message, /output-only/);
  const stray = await submit({ language: 'output', problemId: id, files: [{ name: '4.out', content: '' }] });
  assert.match(assertErrorBody(stray, { status: 400 }).message, /names no test/);
  const adhoc = await submit({ language: 'output', files: [{ name: '1.out', content: '' }] });
  assertErrorBody(adhoc, { status: 400 });
});

test('an output-only problem with a custom checker', async () => {
  const id = `outputs-checker-${Date.now()}`;
  // Accepts any output whose number is even.
  const checker = [
    'import sys',
    'value = int(open(sys.argv[2]).read().split()[0])',
    'sys.exit(0 if value % 2 == 0 else 1)',
  ].join('\n');
  await createProblem({
    id,
    title: 'Even',
    type: 'output-only',
    checker: { type: 'custom', language: 'python3', source: checker },
    tests: [{ name: 'a' }, { name: 'b' }],
  });
  const result = await judged({
    language: 'output',
    problemId: id,
    files: [
      { name: 'a.out', content: '4\n' },
      { name: 'b.out', content: '7\n' },
    ],
  });
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'wrong_answer'],
    JSON.stringify(result),
  );
});

test('diffs: shown for a visible failing test under full feedback, never under verdicts', async () => {
  for (const feedback of ['full', 'verdicts'] as const) {
    const id = `diff-${feedback}-${Date.now()}`;
    await createProblem({
      id,
      title: 'Echo',
      feedback,
      tests: [{ stdin: 'a\nb\nc\n', expected: 'a\nb\nc\n' }],
    });
    const result = await judged({
      language: 'python3',
      problemId: id,
      source: "import sys\nfor line in sys.stdin: print(line.strip().replace('b', 'B'))",
    });
    assert.equal(result.status, 'wrong_answer');
    const diff = { line: 2, from: 1, expected: ['a', 'b', 'c'], actual: ['a', 'B', 'c'] };
    if (feedback === 'full') assert.deepEqual(result.tests[0]!.diff, diff);
    else assert.equal(result.tests[0]!.diff, undefined, JSON.stringify(result));
    assert.deepEqual((await asTeacher(result.id)).tests[0]!.diff, diff, feedback);
  }
});

test("the OpenAPI document describes a diff and the problem's files, graders and type", async () => {
  const docs = await request<{
    components: { schemas: Record<string, { required?: string[] }> };
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }
      >
    >;
  }>(server, 'GET', '/docs/json');
  assert.equal(docs.status, 200);
  assert.deepEqual(docs.body.components.schemas.OutputDiff?.required, ['line', 'from', 'expected', 'actual']);
  const problem = docs.body.paths['/api/v1/problems']!.post!.requestBody!.content['application/json']!.schema;
  for (const field of ['type', 'files', 'graders']) assert.ok(field in problem.properties, field);
});

test("the problem listing names an output-only problem's output files and the visible files, nothing else", async () => {
  const id = `listed-outputs-${Date.now()}`;
  await createProblem({
    id,
    title: 'Listed outputs',
    type: 'output-only',
    tests: [
      { name: 'small', expected: '1\n' },
      { expected: '2\n', hidden: true },
    ],
  });
  const data = `data-${Date.now()}`;
  await createProblem({
    id: data,
    title: 'With files',
    tests: [{ stdin: '', expected: '' }],
    files: [
      { name: 'include/api.h', content: 'int f(void);\n', visible: true },
      { name: 'secret.txt', content: `${SECRET_GRADER_MARK}\n` },
    ],
  });
  const listed = await request<{
    problems: {
      id: string;
      type?: string;
      outputFiles?: string[];
      visibleFiles?: string[];
      graders?: string[];
    }[];
  }>(server, 'GET', '/api/v1/problems', { key: userKey });
  assert.equal(listed.status, 200, listed.text);
  assert.ok(!listed.text.includes(SECRET_GRADER_MARK) && !listed.text.includes('secret.txt'), listed.text);
  const byId = new Map(listed.body.problems.map((p) => [p.id, p]));
  assert.equal(byId.get(id)?.type, 'output-only');
  assert.deepEqual(byId.get(id)?.outputFiles, ['small.out', '2.out']);
  assert.deepEqual(byId.get(data)?.visibleFiles, ['include/api.h']);
  assert.equal(byId.get(data)?.outputFiles, undefined);
  assert.deepEqual(byId.get(ADD_PROBLEM)?.graders, ['cpp', 'python3']);
  assert.equal(byId.get(ADD_PROBLEM)?.visibleFiles, undefined);

  const docs = await request<{
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  }>(server, 'GET', '/docs/json');
  const summary = JSON.stringify(docs.body.paths['/api/v1/problems']!.get!.responses['200']);
  for (const field of ['testCount', 'graders', 'interactor', 'outputFiles', 'visibleFiles'])
    assert.ok(summary.includes(`"${field}"`), field);
});
