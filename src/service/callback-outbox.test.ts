import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aResult, aSubmissionRecord } from '../../test/helpers/submission.js';
import type { SubmissionRecord } from '../store/types.js';
import type { DeliverWebhookOptions, WebhookJob, WebhookOutcome } from '../webhooks/deliver.js';
import { arbiterCallback, CallbackOutbox, type CallbackRenderer } from './callback-outbox.js';
import { SubmissionEvents } from './events.js';
import type { SubmissionView } from './submission-view.js';

/** A final submission with a hidden test whose output a student must not see. */
function finished(overrides: Partial<SubmissionRecord> = {}): SubmissionRecord {
  return aSubmissionRecord({
    id: 'sub-1',
    status: 'wrong_answer',
    finishedAt: 5,
    request: {
      files: [{ name: 'main.py', content: 'print(input())' }],
      limits: aSubmissionRecord().request.limits,
      tests: [{ stdin: 'secret input', expected: 'secret answer', hidden: true }],
    },
    result: aResult({
      status: 'wrong_answer',
      tests: [{ status: 'wrong_answer', cpuMs: 1, wallMs: 2, weight: 1, stdout: 'leaked?', hidden: true }],
    }),
    ...overrides,
  });
}

interface Harness {
  events: SubmissionEvents;
  outbox: CallbackOutbox;
  sent: { job: WebhookJob; options: DeliverWebhookOptions }[];
  reads: string[];
  outcomes: WebhookOutcome[];
  /** Publishes the `finished` event of `record`, as SubmissionFinisher.finish does. */
  finish(record: SubmissionRecord): void;
  /** Resolves once every delivery under way has settled. */
  settled(): Promise<void>;
}

function harness(
  rows: SubmissionRecord[],
  options: { peek?: SubmissionRecord; judge0?: CallbackRenderer } = {},
): Harness {
  const events = new SubmissionEvents();
  const sent: Harness['sent'] = [];
  const reads: string[] = [];
  const outcomes: WebhookOutcome[] = [];
  const outbox = new CallbackOutbox({
    events,
    store: {
      getSubmission: (id) => {
        reads.push(id);
        return Promise.resolve(rows.find((r) => r.id === id) ?? null);
      },
    },
    peekFinished: (id) => (options.peek?.id === id ? options.peek : undefined),
    renderers: {
      arbiter: arbiterCallback,
      judge0:
        options.judge0 ??
        ((shown) =>
          Promise.resolve({ body: { token: shown.id }, method: 'PUT', maxAttempts: 2, timeoutMs: 300 })),
    },
    secret: 'shh',
    allowlist: ['127.0.0.1'],
    onOutcome: (outcome) => outcomes.push(outcome),
    deliver: (job, deliverOptions) => {
      sent.push({ job, options: deliverOptions });
      return Promise.resolve({ delivered: true, attempts: 1, lastStatus: 200 });
    },
  });
  outbox.start();
  return {
    events,
    outbox,
    sent,
    reads,
    outcomes,
    finish: (record) =>
      events.publish({ type: 'finished', id: record.id, keyId: record.keyId, status: record.status, at: 5 }),
    settled: async () => {
      // Each delivery is a chain of a few awaits; closing with a long grace waits for all of them.
      const left = await outbox.close(60_000);
      assert.equal(left, 0);
    },
  };
}

test("an Arbiter callback is POSTed as the student's view of the submission, hidden output left out", async () => {
  const record = finished({ callback: { url: 'https://hooks.example.com/a', format: 'arbiter' } });
  const h = harness([record]);
  h.finish(record);
  await h.settled();
  assert.equal(h.sent.length, 1);
  const [{ job, options }] = h.sent as [Harness['sent'][number]];
  assert.equal(job.url, 'https://hooks.example.com/a');
  assert.equal(job.method, undefined, 'the default method, POST');
  assert.equal(job.secret, 'shh');
  assert.deepEqual(options, { allowlist: ['127.0.0.1'] });
  const body = job.body as SubmissionView;
  assert.equal(body.id, 'sub-1');
  assert.equal(body.status, 'wrong_answer');
  assert.equal(body.tests[0]!.stdout, undefined);
  assert.doesNotMatch(JSON.stringify(body), /leaked\?|secret/);
  assert.deepEqual(h.outcomes, [{ delivered: true, attempts: 1, lastStatus: 200 }]);
});

test('a Judge0 callback goes through the same pipeline with its own body, method, tries and timeout', async () => {
  const record = finished({ callback: { url: 'https://hooks.example.com/j', format: 'judge0' } });
  const rendered: SubmissionRecord[] = [];
  const h = harness([record], {
    judge0: (shown) => {
      rendered.push(shown);
      return Promise.resolve({ body: { token: shown.id }, method: 'PUT', maxAttempts: 2, timeoutMs: 300 });
    },
  });
  h.finish(record);
  await h.settled();
  assert.equal(h.sent.length, 1);
  const [{ job, options }] = h.sent as [Harness['sent'][number]];
  assert.deepEqual(job, {
    url: 'https://hooks.example.com/j',
    body: { token: 'sub-1' },
    secret: 'shh',
    method: 'PUT',
  });
  assert.deepEqual(options, { allowlist: ['127.0.0.1'], maxAttempts: 2, timeoutMs: 300 });
  // The renderer is handed the student's view, never the stored row.
  assert.equal(rendered[0]!.result!.tests[0]!.stdout, undefined);
  assert.equal(rendered[0]!.request.tests![0]!.stdin, undefined);
});

test('a renderer that cannot carry the body sends nothing', async () => {
  const record = finished({ callback: { url: 'https://hooks.example.com/j', format: 'judge0' } });
  const h = harness([record], { judge0: () => Promise.resolve(null) });
  h.finish(record);
  await h.settled();
  assert.equal(h.sent.length, 0);
});

test('a submission without a callback sends nothing, and one this process just finished is not read back', async () => {
  const plain = finished({ id: 'plain' });
  const h = harness([plain], { peek: plain });
  h.finish(plain);
  await h.settled();
  assert.deepEqual(h.sent, []);
  assert.deepEqual(h.reads, [], 'peekFinished answered');

  const other = finished({ id: 'other' });
  const h2 = harness([other]);
  h2.finish(other);
  await h2.settled();
  assert.deepEqual(h2.sent, []);
  assert.deepEqual(h2.reads, ['other']);
});

test("only this process's own finishes are sent: an event from another node is that node's to send", async () => {
  const record = finished({ callback: { url: 'https://hooks.example.com/a', format: 'arbiter' } });
  const h = harness([record]);
  h.events.deliver({ type: 'finished', id: record.id, keyId: null, status: 'wrong_answer', at: 5 });
  h.events.publish({ type: 'running', id: record.id, keyId: null, status: 'running', at: 4 });
  await h.settled();
  assert.equal(h.sent.length, 0);
  assert.deepEqual(h.reads, []);
});

test('a failed lookup is a warning, not a crash; after close nothing more is sent', async () => {
  const events = new SubmissionEvents();
  const sent: WebhookJob[] = [];
  const outbox = new CallbackOutbox({
    events,
    store: { getSubmission: () => Promise.reject(new Error('store down')) },
    peekFinished: () => undefined,
    renderers: { arbiter: arbiterCallback, judge0: arbiterCallback },
    secret: 'shh',
    allowlist: [],
    deliver: (job) => {
      sent.push(job);
      return Promise.resolve({ delivered: true, attempts: 1 });
    },
  });
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    outbox.start();
    events.publish({ type: 'finished', id: 'x', keyId: null, status: 'accepted', at: 1 });
    assert.equal(await outbox.close(60_000), 0);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      warnings.some((w) => w.includes('callback of x not sent: store down')),
      warnings.join('\n'),
    );
    events.publish({ type: 'finished', id: 'y', keyId: null, status: 'accepted', at: 1 });
    assert.equal(outbox.pending, 0);
    assert.deepEqual(sent, []);
  } finally {
    process.off('warning', onWarning);
  }
});
