// A `finished` event that Redis pub/sub never delivered: the worker wrote its result to PostgreSQL
// and died before its PUBLISH (here the result is written straight into the deployment's schema and
// nothing is published, which is exactly what the API node sees in that case). The API node's
// listeners must still hear of the finish: an SSE stream ends with its `finished` event, a WebSocket
// subscription gets it once, a `?wait=true` request answers with the result. One `arbiter serve`
// without workers (nothing runs the programs, so nothing else could finish them) against the
// machine's Redis and PostgreSQL; it fails, naming what is missing, when either is absent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { SubmissionRecord } from '../../src/store/types.js';
import {
  SseSubscriber,
  httpJson,
  openTestDeployment,
  pollUntil,
  sleep,
  spawnArbiter,
  type ArbiterProcess,
  type TestDeployment,
} from '../helpers/cluster.js';

/** The sweep runs every 3 s for ids listened to for 3 s or more: well within this. */
const RECOVERED_WITHIN_MS = 20_000;

let deployment: TestDeployment;
let api: ArbiterProcess;

before(async () => {
  deployment = await openTestDeployment('lost-finish');
  api = await spawnArbiter('serve', deployment.settings);
});

after(() => deployment?.teardown());

async function submitQueued(): Promise<string> {
  const answer = await httpJson<{ id: string; status: string }>(`${api.url}/api/v1/submissions`, {
    method: 'POST',
    body: { language: 'python3', source: 'print(1)' },
  });
  assert.equal(answer.status, 202, answer.text);
  assert.equal(answer.body.status, 'queued');
  return answer.body.id;
}

/** What a worker does before it publishes: the final row, with its result. */
async function finishWithoutPublishing(id: string, stdout: string): Promise<void> {
  const result: NonNullable<SubmissionRecord['result']> = {
    status: 'accepted',
    tests: [],
    score: null,
    maxScore: null,
    compileCached: false,
    run: {
      status: 'accepted',
      stdout,
      stderr: '',
      exitCode: 0,
      signal: null,
      cpuMs: 5,
      wallMs: 9,
      memoryKb: 3000,
    },
  } as NonNullable<SubmissionRecord['result']>;
  assert.equal(await deployment.postgres.store.finishSubmission(id, 'accepted', result, Date.now()), true);
}

test('an SSE stream and a WebSocket subscription hear of a finish whose event was lost, once', async () => {
  const id = await submitQueued();
  const sse = new SseSubscriber(`${api.url}/api/v1/submissions/${id}/events`);
  const messages: { type?: string; id?: string; submission?: { status: string } }[] = [];
  const socket = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/v1/ws`);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => resolve());
    });
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as (typeof messages)[number]));
    socket.send(JSON.stringify({ subscribe: [id] }));
    await pollUntil(
      async () => ({ sse: sse.events.length, ws: messages.length }),
      (n) => n.sse >= 1 && n.ws >= 1,
      { timeoutMs: 10_000, what: 'the status snapshots' },
    );
    assert.equal(sse.events[0]!.event, 'status');
    assert.equal(sse.events[0]!.data.status, 'queued');
    assert.deepEqual(messages[0]?.type, 'status');

    await finishWithoutPublishing(id, 'from the store\n');
    const ended = await Promise.race([
      sse.ended,
      sleep(RECOVERED_WITHIN_MS).then(() => ({ error: new Error('still open') })),
    ]);
    assert.equal(ended.error, undefined, `the SSE stream ended: ${JSON.stringify(sse.events)}`);
    const names = sse.events.map((e) => e.event);
    assert.deepEqual(names, ['status', 'finished'], JSON.stringify(sse.events));
    const finished = sse.events[1]!.data as { status: string; submission?: { run?: { stdout: string } } };
    assert.equal(finished.status, 'accepted');
    assert.equal(finished.submission?.run?.stdout, 'from the store\n', 'the result read from the store');

    await pollUntil(
      async () => messages.filter((m) => m.type === 'finished' && m.id === id).length,
      (n) => n >= 1,
      { timeoutMs: RECOVERED_WITHIN_MS, what: 'the finished event on the WebSocket' },
    );
    // Two more sweeps: still one finished event for this subscription.
    await sleep(7_000);
    assert.equal(messages.filter((m) => m.type === 'finished').length, 1, JSON.stringify(messages));

    const metrics = await httpJson(`${api.url}/metrics`);
    const recovered = /^arbiter_events_recovered_total (\d+)$/m.exec(metrics.text);
    assert.ok(recovered && Number(recovered[1]) >= 1, `the recovery is counted: ${recovered?.[0]}`);
  } finally {
    sse.close();
    socket.terminate();
  }
});

test('a ?wait=true request answers with the result of a finish whose event was lost', async () => {
  const queuedBefore = new Set((await deployment.postgres.store.listQueued()).map((r) => r.id));
  const waiting = httpJson<{ id: string; status: string; run?: { stdout: string } }>(
    `${api.url}/api/v1/submissions?wait=true`,
    { method: 'POST', body: { language: 'python3', source: 'print(2)' }, timeoutMs: 60_000 },
  );
  const id = await pollUntil(
    async () => (await deployment.postgres.store.listQueued()).find((r) => !queuedBefore.has(r.id))?.id,
    (found) => found !== undefined,
    { timeoutMs: 10_000, what: 'the waiting submission in the store' },
  );
  await finishWithoutPublishing(id!, 'waited for\n');
  const answer = await waiting;
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.id, id);
  assert.equal(answer.body.status, 'accepted');
  assert.equal(answer.body.run?.stdout, 'waited for\n');
  assert.ok(answer.ms < RECOVERED_WITHIN_MS + 5_000, `answered after ${answer.ms} ms`);
});
