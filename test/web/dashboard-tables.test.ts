// How the dashboard sums and words its tables, in Node: submissions by status and by language,
// a worker's state, and the server summary line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatUptime, serverSummary, workerState } from '../../src/web/dashboard/health-text.js';
import { countsByStatus, languageRows } from '../../src/web/dashboard/queue-breakdown.js';
import type { HealthDetailed, QueueStats } from '../../src/web/shared/types.js';

const timings = { count: 1, avgWaitMs: 1, p95WaitMs: 2, avgRunMs: 3, p95RunMs: 4 };
const queue = {
  byLanguage: {
    c: { statuses: { accepted: 1, wrong_answer: 2 }, timings: null },
    python3: { statuses: { queued: 3, running: 1, accepted: 4, wrong_answer: 1 }, timings },
  },
} as unknown as QueueStats;

test('statuses are summed over languages, most first, ties in the order first seen', () => {
  assert.deepEqual(countsByStatus(queue), [
    ['accepted', 5],
    ['wrong_answer', 3],
    ['queued', 3],
    ['running', 1],
  ]);
  assert.deepEqual(countsByStatus({ byLanguage: {} } as unknown as QueueStats), []);
});

test('a row per language, busiest first; "other" leaves out accepted and pending ones', () => {
  assert.deepEqual(languageRows(queue), [
    { language: 'python3', total: 9, accepted: 4, other: 1, timings },
    { language: 'c', total: 3, accepted: 1, other: 2, timings: null },
  ]);
});

test("a worker's state and the server's uptime in words", () => {
  assert.equal(workerState({ running: 0, concurrency: 2 }), 'idle');
  assert.equal(workerState({ running: 1, concurrency: 2 }), 'busy');
  assert.equal(workerState({ running: 2, concurrency: 2 }), 'saturated');
  assert.equal(formatUptime(119), '119 s');
  assert.equal(formatUptime(120), '2 min');
  assert.equal(formatUptime(7199), '120 min');
  assert.equal(formatUptime(7200), '2.0 h');
});

test('the server summary names the sandbox, store, push and languages', () => {
  const health = {
    uptimeSeconds: 90,
    sandbox: { slots: 4, busy: 1, waiting: 0, rebuilt: 2, runs: 12345, cgroupVersion: 'v2', ok: true },
    store: { kind: 'sqlite', ok: false },
    push: { subscribers: 3 },
    languages: { installed: 5, known: 9, missing: [] },
  } as unknown as HealthDetailed;
  assert.equal(
    serverSummary(health),
    'Sandbox: 4 warm slots, 1 busy, 0 waiting, 2 rebuilt, 12,345 runs, cgroup v2. ' +
      'Store sqlite failing; 3 push subscribers; 5 of 9 languages installed; up 90 s.',
  );
  assert.match(
    serverSummary({ ...health, sandbox: { ...health.sandbox, cgroupVersion: undefined } }),
    /12,345 runs\. Store/,
  );
});
