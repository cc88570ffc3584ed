// The worker pool reaches the rest of the service only through WorkerJobs: these tests hand it a
// recording stand-in and no store, queue or event bus at all. Output-only jobs and given-up jobs run
// no program, so no sandbox is needed either.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FinalStatus } from '../judge/types.js';
import type { SubmissionRecord } from '../store/types.js';
import { aSubmissionRecord } from '../../test/helpers/submission.js';
import { WorkerPool, type WorkerJobs, type WorkerPoolOptions } from './worker-pool.js';

type Call =
  | ['take']
  | ['started', string]
  | ['finish', string, FinalStatus, string | undefined]
  | ['release', string]
  | ['cacheResult', string, FinalStatus];

/** Hands out `records` once each, then waits until the pool stops; records every call in order. */
function recordingJobs(records: SubmissionRecord[]): {
  jobs: WorkerJobs;
  calls: Call[];
  released: Promise<void>;
} {
  const calls: Call[] = [];
  const waiting = [...records];
  let releases = 0;
  let allReleased!: () => void;
  const released = new Promise<void>((resolve) => (allReleased = resolve));
  const jobs: WorkerJobs = {
    take: async (signal) => {
      calls.push(['take']);
      const next = waiting.shift();
      if (next) return next;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return null;
    },
    started: (record) => void calls.push(['started', record.id]),
    finish: async (record, status, result) => {
      calls.push(['finish', record.id, status, result.message]);
      return true;
    },
    release: async (id) => {
      calls.push(['release', id]);
      if (++releases === records.length) allReleased();
    },
    cacheResult: async (key, result) => void calls.push(['cacheResult', key, result.status]),
  };
  return { jobs, calls, released };
}

const options: WorkerPoolOptions = {
  concurrency: 1,
  maxAttempts: 3,
  keptOutputKb: 64,
  keptOutputTotalKb: 256,
};
// Nothing below compiles or runs a program: a dependency the pool touched would throw at once.
const noSandbox = { pool: null, registry: null, compileCache: null } as never;

test('a job is taken, said to start, finished, released and its result cached: all through WorkerJobs', async () => {
  const record = aSubmissionRecord({
    language: 'output-only',
    version: null,
    attempts: 1,
    request: {
      files: [{ name: '1.out', content: '42\n' }],
      limits: aSubmissionRecord().request.limits,
      tests: [{ stdin: '', expected: '42\n' }],
      outputOnly: true,
      cache: true,
    },
  });
  const { jobs, calls, released } = recordingJobs([record]);
  const finished: string[] = [];
  const pool = new WorkerPool(jobs, noSandbox, {
    ...options,
    onFinished: (r, result) => finished.push(`${r.id} ${result.status}`),
  });
  pool.start();
  await released;
  await pool.drain(60_000);
  assert.deepEqual(calls.slice(0, 4), [
    ['take'],
    ['started', record.id],
    ['finish', record.id, 'accepted', undefined],
    ['release', record.id],
  ]);
  const cached = calls.find((c) => c[0] === 'cacheResult');
  assert.ok(cached && cached[2] === 'accepted', `the result is cached: ${JSON.stringify(calls)}`);
  assert.deepEqual(finished, [`${record.id} accepted`]);
});

test('a job started more than maxAttempts times is given up as internal_error without running', async () => {
  const record = aSubmissionRecord({ attempts: options.maxAttempts + 1 });
  const { jobs, calls, released } = recordingJobs([record]);
  const pool = new WorkerPool(jobs, noSandbox, options);
  pool.start();
  await released;
  await pool.drain(60_000);
  assert.equal(calls[0]![0], 'take');
  const finish = calls[1]!;
  assert.equal(finish[0], 'finish');
  assert.equal(finish[2], 'internal_error');
  assert.match(String(finish[3]), /gave up after 3 attempts/);
  assert.deepEqual(calls[2], ['release', record.id]);
  assert.ok(!calls.some((c) => c[0] === 'started'), 'a job given up is never said to start');
});
