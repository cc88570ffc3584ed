import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANGUAGE_CATALOG } from '../languages/catalog.js';
import { compiledSources, graderProblem, withGrader } from './graders.js';

const language = (id: string) => LANGUAGE_CATALOG.find((l) => l.id === id)!;

test("C and C++: the grader's sources follow the student's, before the libraries", () => {
  const c = withGrader(language('c'), { compileSources: ['grader.c'] });
  assert.deepEqual(c.compile, [
    'gcc',
    '-std=gnu17',
    '-O2',
    '-pipe',
    '-o',
    'main',
    'main.c',
    'grader.c',
    '-lm',
  ]);
  assert.deepEqual(c.run, ['./main']);
  const cpp = withGrader(language('cpp'), { compileSources: ['grader.cpp'], sourceFile: 'solution.cpp' });
  assert.equal(cpp.sourceFile, 'solution.cpp');
  assert.deepEqual(cpp.compile!.slice(-3), ['main', 'solution.cpp', 'grader.cpp']);
});

test('Python: the entry runs in place of the student source, which keeps the name asked for', () => {
  const py = withGrader(language('python3'), { entry: 'grader.py', sourceFile: 'solution.py' });
  assert.deepEqual(py.run, ['python3', '-B', 'grader.py']);
  assert.equal(py.sourceFile, 'solution.py');
  assert.equal(py.compile, undefined);
  assert.deepEqual(language('python3').run, ['python3', '-B', 'main.py'], 'the catalog is not changed');
});

test('only a compiled language compiles grader files, those with its extensions', () => {
  assert.deepEqual(compiledSources(language('cpp'), ['grader.cpp', 'add.h', 'util.cc', 'data.txt']), [
    'grader.cpp',
    'util.cc',
  ]);
  assert.deepEqual(compiledSources(language('python3'), ['grader.py']), []);
});

test('a plan a language cannot follow is named', () => {
  assert.equal(graderProblem(language('python3'), { entry: 'grader.py' }), null);
  assert.match(graderProblem(language('cpp'), { entry: 'grader.cpp' }) ?? '', /cannot run a grader entry/);
  const shell = { ...language('python3'), id: 'shelly', run: ['sh', '-c', 'python3 main.py'] };
  assert.match(graderProblem(shell, { sourceFile: 'x.py' }) ?? '', /cannot rename/);
});
