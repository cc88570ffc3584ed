import type { FastifyReply, FastifyRequest } from 'fastify';
import { ArbiterError } from '../errors.js';
import type { RateDecision } from '../ratelimit/rate-limiter.js';
import type { Runtime } from '../runtime.js';
import type { Caller } from '../service/caller.js';
import { withRetryAfter } from './error-format.js';

/**
 * Two token buckets per request, the client's IP and its key (anonymous callers: the IP only),
 * each refilled at its rate times the adaptive factor, burst twice the rate. The tighter decision
 * sets the X-RateLimit-* headers, which every answer carries.
 */
export async function applyRateLimits(
  runtime: Runtime,
  request: FastifyRequest,
  reply: FastifyReply,
  identify: () => Promise<{ keyId: string | null; ratePerSec: number }>,
): Promise<void> {
  const bucket = (rate: number) => runtime.adaptive.apply({ ratePerSec: rate, burst: rate * 2 });
  const decisions: [string, RateDecision][] = [
    ['ip', await runtime.rateLimiter.consume(`ip:${request.ip}`, bucket(runtime.config.ipRatePerSec))],
  ];
  const setHeaders = () => {
    const refused = decisions.find(([, d]) => !d.allowed);
    const [scope, shown] = refused ?? decisions.reduce((a, b) => (b[1].remaining < a[1].remaining ? b : a));
    void reply.header('X-RateLimit-Limit', String(shown.limit));
    void reply.header('X-RateLimit-Remaining', String(shown.remaining));
    void reply.header('X-RateLimit-Reset', String(shown.resetSeconds));
    if (!refused) return;
    runtime.metrics.rateLimited.inc({ scope });
    const who = scope === 'ip' ? 'this address' : 'this API key';
    throw withRetryAfter(
      new ArbiterError(
        'RATE_LIMITED',
        `too many requests from ${who}; retry in ${shown.retryAfterSeconds} s`,
      ),
      shown.retryAfterSeconds,
    );
  };
  if (!decisions[0]![1].allowed) setHeaders();
  let caller: { keyId: string | null; ratePerSec: number };
  try {
    caller = await identify();
  } catch (error) {
    setHeaders();
    throw error;
  }
  if (caller.keyId)
    decisions.push([
      'key',
      await runtime.rateLimiter.consume(`key:${caller.keyId}`, bucket(caller.ratePerSec)),
    ]);
  setHeaders();
}

/**
 * Charges `extra` more tokens to the buckets a request was charged one from, for a request that
 * does the work of many (a Judge0 batch creates one submission per entry, and once cost one token
 * for up to 20 jobs). Refused: RATE_LIMITED for the whole request, nothing done.
 */
export async function chargeMore(
  runtime: Runtime,
  request: FastifyRequest,
  caller: Caller & { ratePerSec?: number },
  extra: number,
): Promise<void> {
  if (extra <= 0) return;
  const bucket = (rate: number) => runtime.adaptive.apply({ ratePerSec: rate, burst: rate * 2 });
  const charges: [string, string, number][] = [['ip', `ip:${request.ip}`, runtime.config.ipRatePerSec]];
  if (caller.keyId && caller.ratePerSec !== undefined)
    charges.push(['key', `key:${caller.keyId}`, caller.ratePerSec]);
  for (const [scope, key, rate] of charges) {
    const limit = bucket(rate);
    const decision = await runtime.rateLimiter.consume(key, limit, extra);
    if (decision.allowed) continue;
    runtime.metrics.rateLimited.inc({ scope });
    const who = scope === 'ip' ? 'this address' : 'this API key';
    throw withRetryAfter(
      new ArbiterError(
        'RATE_LIMITED',
        `a batch costs one request per submission: ${extra + 1} is more than ${who} may send now (at most ${limit.burst} at once); retry in ${decision.retryAfterSeconds} s or send smaller batches`,
      ),
      decision.retryAfterSeconds,
    );
  }
}
