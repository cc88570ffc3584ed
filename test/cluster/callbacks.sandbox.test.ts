// Callbacks in a cluster come from the process that records the final state: here the worker
// machine that judged the submission, which serves neither the native nor the Judge0 API. Both a
// native callbackUrl (POST, Arbiter's view) and a Judge0 callback_url (PUT, Judge0's submission)
// must arrive, signed, from the one callback outbox. One API node without programs and one worker,
// against the machine's Redis and PostgreSQL. Needs root, bubblewrap and the toolchains; fails,
// naming what is missing, without them.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import {
  httpJson,
  openTestDeployment,
  pollUntil,
  spawnArbiter,
  type ArbiterProcess,
  type TestDeployment,
} from '../helpers/cluster.js';

const SECRET = 'cluster-callback-secret';
/** Generous: a worker's first job on a busy, shared machine. */
const ARRIVES_WITHIN_MS = 90_000;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let deployment: TestDeployment;
let api: ArbiterProcess;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

before(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  deployment = await openTestDeployment('callbacks', {
    webhookSecret: SECRET,
    webhookAllowlist: ['127.0.0.1'],
  });
  api = await spawnArbiter('serve', deployment.settings);
  await spawnArbiter('worker', deployment.settings, { workers: 1, args: ['--metrics-port', '0'] });
});

after(async () => {
  await deployment?.teardown();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function arrivalAt(path: string): Promise<Received> {
  await pollUntil(
    async () => received.filter((r) => r.url === path).length,
    (n) => n >= 1,
    { timeoutMs: ARRIVES_WITHIN_MS, what: `the callback to ${path}` },
  );
  return received.find((r) => r.url === path)!;
}

test("a Judge0 callback_url is PUT in Judge0's shape, signed, by the worker that judged it", async () => {
  const created = await httpJson<{ token: string }>(`${api.url}/submissions`, {
    method: 'POST',
    body: { source_code: 'print("judge0 hook")', language_id: 71, callback_url: `${receiverUrl}/judge0` },
  });
  assert.equal(created.status, 201, created.text);
  const callback = await arrivalAt('/judge0');
  assert.equal(callback.method, 'PUT');
  assert.ok(verifyWebhookSignature(SECRET, String(callback.headers['x-arbiter-signature']), callback.body));
  const body = JSON.parse(callback.body) as {
    token: string;
    stdout: string;
    status: unknown;
  };
  assert.equal(body.token, created.body.token);
  assert.equal(Buffer.from(body.stdout, 'base64').toString(), 'judge0 hook\n');
  assert.deepEqual(body.status, { id: 3, description: 'Accepted' });
  // GET shows the callback_url as sent, though the echo no longer keeps it.
  const shown = await httpJson<{ callback_url: string }>(
    `${api.url}/submissions/${created.body.token}?fields=callback_url`,
  );
  assert.equal(shown.body.callback_url, `${receiverUrl}/judge0`);
});

test("a native callbackUrl is POSTed as Arbiter's submission view through the same outbox", async () => {
  const created = await httpJson<{ id: string }>(`${api.url}/api/v1/submissions`, {
    method: 'POST',
    body: { language: 'python3', source: 'print("native hook")', callbackUrl: `${receiverUrl}/native` },
  });
  assert.equal(created.status, 202, created.text);
  const callback = await arrivalAt('/native');
  assert.equal(callback.method, 'POST');
  assert.ok(verifyWebhookSignature(SECRET, String(callback.headers['x-arbiter-signature']), callback.body));
  const body = JSON.parse(callback.body) as { id: string; status: string; run?: { stdout: string } };
  assert.equal(body.id, created.body.id);
  assert.equal(body.status, 'accepted');
  assert.equal(body.run?.stdout, 'native hook\n');
  assert.equal(received.filter((r) => r.url === '/native').length, 1, 'sent once, not by every node');
});
