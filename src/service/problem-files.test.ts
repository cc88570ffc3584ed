import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanguageRegistry } from '../languages/registry.js';
import type { ProblemRecord } from '../store/types.js';
import {
  bindProblemFiles,
  MAX_PROBLEM_FILES_TOTAL_BYTES,
  outputFileNames,
  outputFiles,
  parseProblemFiles,
} from './problem-files.js';

const registry = new LanguageRegistry();
const tests = [{ expected: '1' }];
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'no error';
};

test('graders are keyed by catalog id, their compiled sources and entry planned per language', () => {
  const parsed = parseProblemFiles(
    {
      files: [{ name: 'data/in.txt', content: '/w==', encoding: 'base64', visible: true }],
      graders: {
        'c++': {
          files: [
            { name: 'grader.cpp', content: '' },
            { name: 'add.h', content: '' },
          ],
        },
        py: { files: [{ name: 'grader.py', content: '' }], entry: 'grader.py', sourceFile: 'solution.py' },
      },
    },
    tests,
    registry,
  );
  assert.deepEqual(Object.keys(parsed.graders!), ['cpp', 'python3']);
  // Bytes that are not UTF-8 stay base64; text is stored as text.
  assert.deepEqual(parsed.files, [
    { name: 'data/in.txt', content: '/w==', encoding: 'base64', visible: true },
  ]);
  const problem: ProblemRecord = { id: 'p', title: 'P', tests, createdAt: 0, updatedAt: 0, ...parsed };
  const cpp = bindProblemFiles(problem, registry.get('cpp'), [{ name: 'main.cpp', content: 'int add;' }]);
  assert.deepEqual(cpp.grader, { compileSources: ['grader.cpp'] });
  assert.deepEqual(
    cpp.problemFiles!.map((f) => f.name),
    ['data/in.txt', 'grader.cpp', 'add.h'],
  );
  assert.ok(cpp.problemFiles!.every((f) => !('visible' in f)));
  const py = bindProblemFiles(problem, registry.get('python3'), [{ name: 'main.py', content: 'x' }]);
  assert.deepEqual(py.files, [{ name: 'solution.py', content: 'x' }]);
  assert.deepEqual(py.grader, { entry: 'grader.py', sourceFile: 'solution.py' });
});

test('a student file never takes a problem file’s place, nor the renamed source’s', () => {
  const parsed = parseProblemFiles(
    {
      files: [{ name: 'data/in.txt', content: 'x' }],
      graders: {
        python3: { files: [{ name: 'grader.py', content: '' }], entry: 'grader.py', sourceFile: 'sol.py' },
      },
    },
    tests,
    registry,
  );
  const problem: ProblemRecord = { id: 'p', title: 'P', tests, createdAt: 0, updatedAt: 0, ...parsed };
  const python = registry.get('python3');
  const bind = (names: string[]) => () =>
    bindProblemFiles(
      problem,
      python,
      names.map((name) => ({ name, content: '' })),
    );
  assert.match(
    code(bind(['main.py', 'data/in.txt'])),
    /INPUT_INVALID.*taken by the problem's file data\/in\.txt/,
  );
  assert.match(code(bind(['main.py', 'data'])), /taken by the problem's file data\/in\.txt/);
  assert.match(code(bind(['main.py', 'grader.py'])), /grader\.py/);
  assert.match(code(bind(['main.py', 'sol.py'])), /sol\.py is what your main\.py becomes/);
  assert.match(
    code(() => bindProblemFiles(problem, registry.get('c'), [])),
    /graders for python3 only/,
  );
});

test('refused definitions say which field is wrong', () => {
  const parse = (body: Parameters<typeof parseProblemFiles>[0]) => () =>
    parseProblemFiles(body, tests, registry);
  assert.match(
    code(parse({ files: [{ name: 'a/../b', content: '' }] })),
    /FILE_NAME_INVALID: files\[0\]\.name/,
  );
  assert.match(
    code(
      parse({
        files: [
          { name: 'a', content: '' },
          { name: 'a/b', content: '' },
        ],
      }),
    ),
    /files\[1\]\.name a\/b takes the place/,
  );
  assert.match(
    code(
      parse({
        files: [{ name: 'x', content: '' }],
        graders: { cpp: { files: [{ name: 'x', content: '' }] } },
      }),
    ),
    /graders\.cpp\.files\[0\]\.name x takes the place/,
  );
  assert.match(
    code(parse({ graders: { cpp: { files: [{ name: 'g.cpp', content: '' }], entry: 'g.cpp' } } })),
    /cannot run a grader entry/,
  );
  assert.match(
    code(parse({ graders: { cpp: { files: [] }, 'g++': { files: [] } } })),
    /cpp has a grader already/,
  );
  assert.match(code(parse({ graders: {} })), /1 to 20 languages/);
  assert.match(code(parse({ files: [{ name: 'x', content: '\ud800' }] })), /files\[0\]\.content/);
  const big = 'x'.repeat(1024 * 1024);
  const many = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, content: big }));
  assert.ok(5 * big.length > MAX_PROBLEM_FILES_TOTAL_BYTES);
  assert.match(code(parse({ files: many })), /at most 4194304/);
  assert.match(code(parse({ type: 'output-only', graders: { cpp: { files: [] } } })), /output-only/);
});

test('output-only: one file per test, named <name>.out or <n>.out', () => {
  assert.deepEqual(outputFileNames([{ name: 'small' }, {}, { name: 'big-1' }]), [
    'small.out',
    '2.out',
    'big-1.out',
  ]);
  assert.match(
    code(() => outputFileNames([{ name: 'a/b' }])),
    /tests\[0\]\.name/,
  );
  assert.match(
    code(() => outputFileNames([{ name: '2' }, {}])),
    /tests\[0\] and tests\[1\] would both/,
  );
  const two = [{ name: 'a' }, { name: 'b' }];
  assert.deepEqual(outputFiles(two, undefined, [{ name: 'b.out', content: '1' }]), [
    { name: 'b.out', content: '1' },
  ]);
  assert.match(
    code(() => outputFiles(two, 'x', undefined)),
    /takes files/,
  );
  assert.match(
    code(() => outputFiles(two, undefined, [{ name: 'c.out', content: '' }])),
    /names no test.*a\.out, b\.out/,
  );
  assert.match(
    code(() =>
      outputFiles(two, undefined, [
        { name: 'a.out', content: '' },
        { name: 'a.out', content: '' },
      ]),
    ),
    /appears twice/,
  );
  assert.match(
    code(() => outputFiles(two, undefined, [{ name: 'a.out', content: '!!', encoding: 'base64' }])),
    /base64/,
  );
});
