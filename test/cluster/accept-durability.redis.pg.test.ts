// A 202 from a scale-out API node is a promise: the submission is in PostgreSQL (and its job in
// BullMQ) before the answer leaves. Issue [M] writes the submissions that arrive together with one
// multi-row INSERT and one addBulk, so this holds the grouped path to it: an `arbiter serve` without
// workers takes a stream of concurrent submissions and is killed with SIGKILL in the middle of it;
// every submission that was answered 202 must be queued in PostgreSQL with its job in Redis, and a
// new API node must serve it. Needs the machine's Redis and PostgreSQL; fails, naming what is
// missing, without them.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import {
  httpJson,
  mapConcurrent,
  openTestDeployment,
  spawnArbiter,
  type TestDeployment,
} from '../helpers/cluster.js';

/** Requests in flight at once: enough that the API node writes them in groups. */
const CONCURRENCY = 32;
/** The node is killed once this many submissions have been answered 202. */
const KILL_AFTER_ACCEPTED = 400;
/** Never more than this many requests, whatever happens. */
const MAX_REQUESTS = 2_000;

let deployment: TestDeployment | undefined;
after(() => deployment?.teardown());

test('every submission answered 202 survives a kill -9 of the API node in the middle of a burst', async () => {
  deployment = await openTestDeployment('accept-kill9');
  const api = await spawnArbiter('serve', deployment.settings);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const accepted: string[] = [];
  let refused = 0;
  let cutOff = 0;
  let killing: Promise<void> | null = null;
  try {
    await mapConcurrent(
      Array.from({ length: MAX_REQUESTS }, (_, i) => i),
      CONCURRENCY,
      async (i) => {
        if (killing) return;
        try {
          const answer = await httpJson<{ id: string; status: string }>(`${api.url}/api/v1/submissions`, {
            method: 'POST',
            body: { language: 'python3', source: `print(${i})` },
            agent,
          });
          if (answer.status !== 202) {
            refused++;
            return;
          }
          assert.equal(answer.body.status, 'queued');
          accepted.push(answer.body.id);
          if (accepted.length === KILL_AFTER_ACCEPTED) killing = api.kill9();
        } catch {
          cutOff++; // in flight when the node died: no promise was made
        }
      },
    );
    await killing;
  } finally {
    agent.destroy();
  }
  assert.equal(refused, 0, 'nothing refused before the kill');
  assert.ok(accepted.length >= KILL_AFTER_ACCEPTED, `${accepted.length} accepted`);
  assert.ok(cutOff > 0, 'the kill landed while requests were in flight');

  const { store } = deployment.postgres;
  const { redis } = deployment;
  const prefix = deployment.settings.redisPrefix;
  const missing: string[] = [];
  for (const id of accepted) {
    const stored = await store.getSubmission(id);
    if (stored?.status !== 'queued') missing.push(`${id}: ${stored ? stored.status : 'not in PostgreSQL'}`);
    else if ((await redis.exists(`${prefix}:submissions:${id}`)) !== 1)
      missing.push(`${id}: no job in Redis`);
  }
  assert.deepEqual(missing, [], `of ${accepted.length} accepted, these were lost`);

  const again = await spawnArbiter('serve', deployment.settings);
  const seen = await mapConcurrent(accepted, 8, async (id) => {
    const answer = await httpJson<{ status: string }>(`${again.url}/api/v1/submissions/${id}`);
    return `${answer.status} ${answer.body.status}`;
  });
  assert.deepEqual(new Set(seen), new Set(['200 queued']), 'the new node serves every one');
});
