// What the worker pool hands the judge out of a stored request (pickJudgeSettings); judging itself is
// tested against the real sandbox in test/judge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import type { StoredRequest } from '../store/types.js';
import { pickJudgeSettings } from './judge.js';
import type { JudgeSettings } from './types.js';

test("every judge setting of a stored request is picked, and none of the store's own fields", () => {
  const limits = { ...DEFAULT_RUN_LIMITS, cpuMs: 1_500 };
  const settings: Required<JudgeSettings> = {
    grader: { entry: 'grader.py' },
    args: ['-v'],
    stdin: 'in\n',
    limits,
    compileLimits: { ...limits, cpuMs: 10_000 },
    compilerOptions: ['-O2'],
    mergeStderr: true,
    tests: [{ stdin: '1\n', expected: '2\n', group: 'all' }],
    groups: [{ id: 'all', points: 10 }],
    checker: { type: 'tokens' },
    checkerLimits: { ...limits, cpuMs: 2_000 },
    interactor: { language: 'python3', source: 'print(1)' },
    interactorLimits: { ...limits, cpuMs: 3_000 },
    stopOnFirstFailure: true,
  };
  const request: StoredRequest = {
    ...settings,
    files: [{ name: 'main.py', content: 'print(2)' }],
    cache: true,
    feedback: 'full',
    compat: { judge0: true },
    problemFiles: [{ name: 'data.txt', content: 'x' }],
    outputOnly: false,
  };
  assert.deepEqual(pickJudgeSettings(request), settings);
});
