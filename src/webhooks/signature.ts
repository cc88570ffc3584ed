/**
 * Webhook signatures, so a receiver can tell a delivery really came from this Arbiter and was not
 * replayed long after.
 *
 * Every delivery carries the header
 *
 *     X-Arbiter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *
 * where the HMAC is keyed with the webhook secret and computed over the bytes `<t>.<body>`: the
 * timestamp, a dot, then the raw request body exactly as received (verify before parsing JSON).
 * A receiver recomputes the HMAC, compares it in constant time, and rejects a timestamp more than
 * a tolerance (default 300 s) away from its own clock. A header may carry several v1= values (for
 * example while a secret is being rotated); one match is enough. Unknown keys are ignored, so a
 * future v2 can be added alongside.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'X-Arbiter-Signature';

/** The default tolerance between the signature's timestamp and the receiver's clock, in seconds. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The X-Arbiter-Signature value for `body`, signed at `nowSeconds` (default: now). */
export function signWebhookPayload(
  secret: string,
  body: string | Uint8Array,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string {
  if (secret === '') throw new TypeError('a webhook secret must not be empty');
  if (!Number.isSafeInteger(nowSeconds))
    throw new TypeError(`nowSeconds must be an integer, got ${nowSeconds}`);
  return `t=${nowSeconds},v1=${hmacHex(secret, nowSeconds, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` under `secret`, made within `toleranceSeconds`
 * of `nowSeconds` (default: now). Any malformed header is simply invalid.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string | Uint8Array,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (header === undefined || secret === '') return false;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const equals = part.indexOf('=');
    if (equals === -1) continue;
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === 't') {
      if (!/^\d{1,15}$/.test(value) || timestamp !== undefined) return false;
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  // Every candidate is compared (no early exit), each in constant time.
  let valid = false;
  for (const signature of signatures) valid = timingSafeEqual(signature, expected) || valid;
  return valid;
}

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
