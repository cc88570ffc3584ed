// Cancelling a running program and webhooks, against a real `arbiter serve` (real sandbox: root,
// bubblewrap, toolchains). Webhook receivers are node:http servers on 127.0.0.1; nothing else is called.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import {
  assertErrorBody,
  cleanup,
  metrics,
  metricValue,
  pollUntil,
  request,
  startServer,
  submit,
  submitAndWait,
  waitFinal,
  waitRunning,
  type SubmissionView,
  type TestServer,
} from './helpers.js';

const SECRET = 'webhook-test-secret-7f3a';

let server: TestServer;
/** No allowlist, and a queue that is always full: a callbackUrl the guard wrongly let through could
 *  never become a job, so no request ever leaves for 10.0.0.1 or 169.254.169.254 (503 instead). */
let guarded: TestServer;
/** The same with the allowlist of `server`. */
let allowlistedFull: TestServer;
const receivers: Server[] = [];

before(async () => {
  [server, guarded, allowlistedFull] = await Promise.all([
    startServer({ workers: 2, webhookAllowlist: ['127.0.0.1'], webhookSecret: SECRET }),
    startServer({ workers: 1, webhookSecret: SECRET, maxQueueLength: 0 }),
    startServer({ workers: 1, webhookSecret: SECRET, maxQueueLength: 0, webhookAllowlist: ['127.0.0.1'] }),
  ]);
});

after(async () => {
  await Promise.all(receivers.map((r) => new Promise((resolve) => r.close(resolve))));
  await cleanup();
});

interface Delivery {
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 answering with `statuses` in turn (the last one from then on). */
async function receiver(statuses: number[] = [200]): Promise<{ url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({
        at: Date.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = statuses[Math.min(deliveries.length - 1, statuses.length - 1)]!;
      res.end('ok');
    });
  });
  receivers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook?course=7`, deliveries };
}

async function deliveredCount(): Promise<number> {
  return (
    metricValue(await metrics(server), 'arbiter_webhook_deliveries_total', { outcome: 'delivered' }) ?? 0
  );
}

test('DELETE of a running infinite loop kills it at once, long before its CPU limit', async () => {
  const id = await submit(server, {
    language: 'python3',
    source: 'while True:\n    pass\n',
    limits: { cpuMs: 20_000, wallMs: 40_000 },
  });
  await waitRunning(server, id);
  const started = Date.now();
  const response = await request<SubmissionView>(server, 'DELETE', `/api/v1/submissions/${id}`, {
    timeoutMs: 15_000,
  });
  const tookMs = Date.now() - started;
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.status, 'cancelled', response.text);
  assert.ok(tookMs < 2000, `cancelling took ${tookMs} ms`);
  const stored = await waitFinal(server, id);
  assert.equal(stored.status, 'cancelled');
  assert.ok(Date.parse(stored.finishedAt!) - started < 2000, JSON.stringify(stored));
  // The worker is free again: both slots take new work at once.
  const [a, b] = await Promise.all([
    submitAndWait(server, { language: 'python3', source: 'print("a")' }),
    submitAndWait(server, { language: 'python3', source: 'print("b")' }),
  ]);
  assert.equal(a.run?.stdout, 'a\n');
  assert.equal(b.run?.stdout, 'b\n');
});

test('a callbackUrl receives the result, signed with X-Arbiter-Signature', async () => {
  const hook = await receiver([200]);
  const before = await deliveredCount();
  const id = await submit(server, { language: 'python3', source: 'print("hooked")', callbackUrl: hook.url });
  await pollUntil(
    async () => hook.deliveries.length,
    (n) => n >= 1,
    { timeoutMs: 15_000, what: 'the webhook' },
  );
  const [delivery] = hook.deliveries;
  assert.equal(delivery!.method, 'POST');
  assert.equal(delivery!.url, '/hook?course=7');
  assert.match(String(delivery!.headers['content-type']), /application\/json/);
  const signature = delivery!.headers['x-arbiter-signature'];
  assert.equal(typeof signature, 'string');
  assert.ok(
    verifyWebhookSignature(SECRET, signature as string, delivery!.body),
    `bad signature ${signature}`,
  );
  assert.equal(verifyWebhookSignature('another-secret', signature as string, delivery!.body), false);
  assert.equal(
    verifyWebhookSignature(SECRET, signature as string, delivery!.body.replace('hooked', 'hacked')),
    false,
  );
  const body = JSON.parse(delivery!.body) as SubmissionView;
  assert.equal(body.id, id);
  assert.equal(body.status, 'accepted');
  assert.equal(body.run?.stdout, 'hooked\n');
  assert.deepEqual(body, await waitFinal(server, id));
  await pollUntil(deliveredCount, (n) => n === before + 1, { what: 'the delivery to be counted' });
  assert.equal(hook.deliveries.length, 1);
});

test('a receiver answering 500 twice, then 200, gets 3 deliveries with backoff', async () => {
  const hook = await receiver([500, 500, 200]);
  const before = await deliveredCount();
  const id = await submit(server, { language: 'python3', source: 'print("retry")', callbackUrl: hook.url });
  // Backoff with full jitter from a 1 s base: at most 1 s, then 2 s between attempts.
  await pollUntil(deliveredCount, (n) => n === before + 1, {
    timeoutMs: 20_000,
    what: 'the delivery to succeed',
  });
  assert.equal(hook.deliveries.length, 3, hook.deliveries.map((d) => d.at).join(','));
  for (const delivery of hook.deliveries) {
    assert.ok(
      verifyWebhookSignature(SECRET, delivery.headers['x-arbiter-signature'] as string, delivery.body),
    );
    assert.equal((JSON.parse(delivery.body) as SubmissionView).id, id);
  }
  const [first, second, third] = hook.deliveries.map((d) => d.at) as [number, number, number];
  assert.ok(first <= second && second <= third);
  // The jitter ceilings add up to 3 s; the rest is slack for a busy machine.
  assert.ok(third - first < 5000, `retries took ${third - first} ms`);
});

test('a callbackUrl to loopback without the allowlist, to 10.0.0.1 or to 169.254.169.254 is refused at submit time', async () => {
  for (const callbackUrl of [
    'http://127.0.0.1:9/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
  ]) {
    const response = await request(guarded, 'POST', '/api/v1/submissions', {
      body: { language: 'python3', source: 'print(1)', callbackUrl },
    });
    assertErrorBody(response, { status: 400, code: 'ARB_ERR_WEBHOOK_TARGET_REFUSED' });
  }
  // The allowlist lets only what it names through: 127.0.0.1 passes the guard (and meets the full
  // queue), 10.0.0.1 is still refused.
  const passes = await request(allowlistedFull, 'POST', '/api/v1/submissions', {
    body: { language: 'python3', source: 'print(1)', callbackUrl: 'http://127.0.0.1:9/hook' },
  });
  assertErrorBody(passes, { status: 503, code: 'ARB_ERR_QUEUE_FULL' });
  const outside = await request(allowlistedFull, 'POST', '/api/v1/submissions', {
    body: { language: 'python3', source: 'print(1)', callbackUrl: 'http://10.0.0.1/hook' },
  });
  assertErrorBody(outside, { status: 400, code: 'ARB_ERR_WEBHOOK_TARGET_REFUSED' });
});
