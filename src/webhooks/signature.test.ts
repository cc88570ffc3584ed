import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { WEBHOOK_SIGNATURE_HEADER, signWebhookPayload, verifyWebhookSignature } from './signature.js';

const SECRET = 'whsec_test';
const BODY = '{"id":"abc","status":"accepted"}';
const NOW = 1_800_000_000;

test('the header is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
  const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
  assert.equal(signWebhookPayload(SECRET, BODY, NOW), `t=${NOW},v1=${expected}`);
  assert.equal(WEBHOOK_SIGNATURE_HEADER, 'X-Arbiter-Signature');
});

test('a signature verifies, for a string or the raw bytes', () => {
  const header = signWebhookPayload(SECRET, BODY, NOW);
  assert.equal(verifyWebhookSignature(SECRET, header, BODY, 300, NOW), true);
  assert.equal(verifyWebhookSignature(SECRET, header, Buffer.from(BODY), 300, NOW + 300), true);
  assert.equal(verifyWebhookSignature(SECRET, header, BODY, 300, NOW - 300), true);
});

test('another secret, another body or a changed signature does not verify', () => {
  const header = signWebhookPayload(SECRET, BODY, NOW);
  assert.equal(verifyWebhookSignature('other', header, BODY, 300, NOW), false);
  assert.equal(verifyWebhookSignature(SECRET, header, `${BODY} `, 300, NOW), false);
  const flipped = header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
  assert.equal(verifyWebhookSignature(SECRET, flipped, BODY, 300, NOW), false);
  // The timestamp is signed too: moving it breaks the signature.
  assert.equal(
    verifyWebhookSignature(SECRET, header.replace(`t=${NOW}`, `t=${NOW + 1}`), BODY, 300, NOW),
    false,
  );
});

test('a signature outside the tolerance does not verify (replay)', () => {
  const header = signWebhookPayload(SECRET, BODY, NOW);
  assert.equal(verifyWebhookSignature(SECRET, header, BODY, 300, NOW + 301), false);
  assert.equal(verifyWebhookSignature(SECRET, header, BODY, 300, NOW - 301), false);
  assert.equal(verifyWebhookSignature(SECRET, header, BODY, 1000, NOW + 301), true);
});

test('several v1 values: one match is enough (secret rotation); unknown keys are ignored', () => {
  const good = signWebhookPayload(SECRET, BODY, NOW).split(',v1=')[1];
  const stale = signWebhookPayload('old-secret', BODY, NOW).split(',v1=')[1];
  assert.equal(
    verifyWebhookSignature(SECRET, `t=${NOW},v1=${stale},v1=${good},v2=zzz`, BODY, 300, NOW),
    true,
  );
  assert.equal(verifyWebhookSignature(SECRET, `t=${NOW}, v1=${stale}`, BODY, 300, NOW), false);
});

test('malformed headers are simply invalid', () => {
  const good = signWebhookPayload(SECRET, BODY, NOW);
  const v1 = good.split(',v1=')[1] ?? '';
  for (const header of [
    undefined,
    '',
    'garbage',
    `v1=${v1}`,
    `t=${NOW}`,
    `t=abc,v1=${v1}`,
    `t=${NOW},v1=${v1.slice(2)}`,
    `t=${NOW},t=${NOW},v1=${v1}`,
    `t=-5,v1=${v1}`,
  ]) {
    assert.equal(verifyWebhookSignature(SECRET, header, BODY, 300, NOW), false, String(header));
  }
  assert.equal(verifyWebhookSignature('', good, BODY, 300, NOW), false);
  assert.throws(() => signWebhookPayload('', BODY, NOW), /secret/);
});

test('by default the current clock is used', () => {
  const header = signWebhookPayload(SECRET, BODY);
  const t = Number(/^t=(\d+),/.exec(header)?.[1]);
  assert.ok(Math.abs(t - Date.now() / 1000) < 5);
  assert.equal(verifyWebhookSignature(SECRET, header, BODY), true);
});
