// The ordering promise of the event stream: the snapshot comes first and pushes keep their order,
// even when the store is slow and events arrive while the snapshot is still being read. The real
// store and service behind this are exercised by the API and cluster suites; here the store is a
// slow stand-in so the race happens every time instead of now and then.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import type { ArbiterService } from '../service/arbiter-service.js';
import { SubmissionEvents } from '../service/events.js';
import type { SubmissionRecord } from '../store/types.js';
import { aSubmissionRecord } from '../../test/helpers/submission.js';
import './context.js';
import { streamSubmissionEvents } from './push.js';

const queued: SubmissionRecord = aSubmissionRecord({ id: 'sub-1', priority: 0 });

const finishedRecord: SubmissionRecord = { ...queued, status: 'accepted', attempts: 1, finishedAt: 5 };

const events = new SubmissionEvents();
let snapshotDelayMs = 0;
let reads = 0;
const arbiter = {
  events,
  subscribers: 0,
  submissions: {
    position: async () => null,
    // The first read (the snapshot) is slow; later reads (the finished payload) are quick.
    async find() {
      const delay = reads++ === 0 ? snapshotDelayMs : 0;
      await new Promise((resolve) => setTimeout(resolve, delay));
      return reads > 1 ? finishedRecord : { ...queued, status: 'running' as const };
    },
  },
} as unknown as ArbiterService;

const app = Fastify();
app.get('/events', (request, reply) => {
  request.caller = { keyId: null, role: 'admin', priority: 10 }; // what the auth hook sets
  streamSubmissionEvents(arbiter, request, reply, queued);
  // Fire while the snapshot read is still pending.
  setImmediate(() => {
    events.publish({ type: 'running', id: queued.id, keyId: null, status: 'running', at: 1 });
    events.publish({ type: 'finished', id: queued.id, keyId: null, status: 'accepted', at: 2 });
  });
});
after(() => app.close());

test('the snapshot is the first event even when pushes arrive while it is read; then they follow in order', async () => {
  snapshotDelayMs = 100;
  reads = 0;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const text = await (await fetch(`${address}/events`)).text();
  const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(names, ['status', 'running', 'finished'], text);
  assert.match(text, /"status":"running"/);
  assert.equal(arbiter.subscribers, 0, 'the subscriber count returns to zero once the stream closes');
});
