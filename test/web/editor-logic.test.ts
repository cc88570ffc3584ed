// The editor's pure parts, in Node: how it words a problem and a submission's progress, and the
// request it submits. (Rendering is tested in the browser: web.browser.sandbox.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { problemText, sourceFileText } from '../../src/web/editor/problem-text.js';
import { progressText } from '../../src/web/editor/progress-text.js';
import { submissionRequest, type EditorInputs } from '../../src/web/editor/submission-request.js';
import type { ProblemSummary } from '../../src/web/shared/types.js';

const sum = { id: 'sum', title: 'Sum', testCount: 3 } as ProblemSummary;

test('a problem says what it asks for: a program, maybe interactive or with graders, or outputs', () => {
  assert.equal(problemText(sum), 'Judged against the 3 tests of “Sum”. Each test gives its own input.');
  assert.equal(
    problemText({ ...sum, type: 'output-only' }),
    'Output-only: you submit the output of each of the 3 tests of “Sum”; no program runs.',
  );
  const interactive = problemText({ ...sum, interactor: {} } as ProblemSummary);
  assert.match(
    interactive,
    /^Judged against the 3 tests of “Sum”\. Interactive: .* Flush after each line you print\.$/,
  );
  assert.match(
    problemText({ ...sum, graders: ['c', 'cpp'] }),
    /input\. Write the part the problem's grader calls, in c, cpp\.$/,
  );
});

test("a grader's source name, and what runs it", () => {
  assert.equal(
    sourceFileText({ sourceFile: 'sol.c', entry: 'main.c' } as never),
    'Your code is saved as sol.c and main.c runs it.',
  );
  assert.equal(
    sourceFileText({ sourceFile: 'sol.c' } as never),
    'Your code is saved as sol.c and compiled with the grader.',
  );
  assert.equal(sourceFileText({} as never), "Your code is compiled with the problem's grader.");
});

test('progress: the place in the queue, then running; nothing for other statuses', () => {
  assert.deepEqual(progressText('queued'), ['Queued: next in line.', 'queued']);
  assert.deepEqual(progressText('queued', 0), ['Queued: next in line.', 'queued']);
  assert.deepEqual(progressText('queued', 2), ['Queued: position 3 (2 ahead).', 'queued']);
  assert.deepEqual(progressText('running', 2), ['Running…', 'running']);
  assert.equal(progressText('accepted'), null);
});

test('the request: stdin without a problem, problemId with one, outputs for an output-only one', () => {
  let asked = 0;
  const inputs: EditorInputs = {
    problemId: '',
    problem: undefined,
    language: 'python3',
    source: 'print(1)',
    stdin: 'in',
    outputs: () => (asked++, [{ name: '1.out', content: '2' }]),
  };
  assert.deepEqual(submissionRequest(inputs), { language: 'python3', source: 'print(1)', stdin: 'in' });
  assert.deepEqual(submissionRequest({ ...inputs, problemId: 'sum', problem: sum }), {
    language: 'python3',
    source: 'print(1)',
    problemId: 'sum',
  });
  assert.equal(asked, 0, 'the outputs are asked for only for an output-only problem');
  assert.equal(submissionRequest({ ...inputs, language: '' }), null);
  const outputOnly = {
    ...inputs,
    problemId: 'sum',
    problem: { ...sum, type: 'output-only' as const },
    language: '',
  };
  assert.deepEqual(submissionRequest(outputOnly), {
    language: 'output',
    files: [{ name: '1.out', content: '2' }],
    problemId: 'sum',
  });
  assert.equal(submissionRequest({ ...outputOnly, outputs: () => null }), 'no outputs');
});
