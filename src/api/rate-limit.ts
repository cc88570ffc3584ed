import type { FastifyReply, FastifyRequest } from 'fastify';
import { ArbiterError } from '../errors.js';
import type { ArbiterConfig } from '../config.js';
import type { AdaptiveRatePolicy } from '../ratelimit/adaptive.js';
import type { RateDecision, RateLimit, RateLimiter } from '../ratelimit/rate-limiter.js';
import type { ArbiterMetrics } from '../service/metrics.js';
import type { Caller } from '../service/caller.js';
import { callerOf } from './auth.js';
import { withRetryAfter } from './error-format.js';
import { SESSION_MINTING, sessionOf, setSessionCookie, type SessionCodec } from './session.js';

/*
 * Who pays for a request, and with which tokens (docs/operations.md, "Rate limits").
 *
 * - Following (GET, HEAD, OPTIONS: polling a submission, its event stream, a WebSocket of events,
 *   listings) pays only from its address's read bucket, `ipReadRatePerSec`, which the adaptive
 *   factor never lowers: a waiting client is never the one refused.
 * - Work (every other method, and the WebSocket upgrades that start a program) pays from its
 *   identity's bucket: its API key's (at the key's own rate), else its browser session's, else its
 *   address's. A caller without a key then pays, only when its own bucket allowed it, once from its
 *   address's ceiling, `ipRatePerSec`. So a class behind one NAT shares a ceiling sized for a class,
 *   each student has a bucket of their own, and a script that hammers from the same address empties
 *   its own bucket, not the class's: its refused requests cost the address nothing. A key does not
 *   pay the address ceiling: keys are issued by an operator, and the key's rate is its bound (a
 *   site's backend sends a whole class from one address).
 * - A key's submission that names a `user` also pays from that user's bucket, `keyUserRatePerSec`,
 *   once its body is read (chargeSubmissions): one student of a site cannot use up the site's key.
 * Every work bucket falls with the adaptive factor as the queue fills. Each bucket holds twice its
 * rate. The tightest decision sets the X-RateLimit-* headers that every answer carries.
 */

/**
 * What the charges spend from and report to: the settings, the back end's buckets, the adaptive
 * factor and the 429 counter. The app builds it from its parts and decorates it as `rateLimits`.
 */
export interface RateLimitContext {
  readonly config: Pick<
    ArbiterConfig,
    'defaultKeyRatePerSec' | 'ipRatePerSec' | 'ipReadRatePerSec' | 'keyUserRatePerSec'
  >;
  readonly rateLimiter: Pick<RateLimiter, 'consume'>;
  readonly adaptive: Pick<AdaptiveRatePolicy, 'apply'>;
  readonly metrics: Pick<ArbiterMetrics, 'rateLimited'>;
}

/** WebSocket upgrades that start a program: they pay as work, not as following. */
const WORK_UPGRADES = new Set(['/api/v1/interactive', '/api/v2/connect']);

const FOLLOWING_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A work bucket of `rate` a second, burst twice that, both times the adaptive factor. */
const adaptiveBucket = (rates: RateLimitContext, rate: number): RateLimit =>
  rates.adaptive.apply({ ratePerSec: rate, burst: rate * 2 });

/** Whether a request only reads or follows (see above). */
export function isFollowing(method: string, path: string): boolean {
  return FOLLOWING_METHODS.has(method) && !WORK_UPGRADES.has(path);
}

type Scope = 'read' | 'ip' | 'key' | 'user' | 'session' | 'anonymous';

/** The identity that pays for a caller's work: its key, its browser session, or its address. */
function identityOf(
  rates: RateLimitContext,
  request: FastifyRequest,
  caller: Caller & { ratePerSec?: number },
  sessions: SessionCodec,
): { scope: Scope; bucket: string; ratePerSec: number } {
  if (caller.keyId)
    return {
      scope: 'key',
      bucket: `key:${caller.keyId}`,
      ratePerSec: caller.ratePerSec ?? rates.config.defaultKeyRatePerSec,
    };
  const session = sessionOf(request, sessions);
  if (session)
    return {
      scope: 'session',
      bucket: `session:${session}`,
      ratePerSec: rates.config.defaultKeyRatePerSec,
    };
  return {
    scope: 'anonymous',
    bucket: `anon:${request.ip}`,
    ratePerSec: rates.config.defaultKeyRatePerSec,
  };
}

const WHO: Record<Scope, string> = {
  read: 'this address',
  ip: 'this address (shared by everyone behind it)',
  key: 'this API key',
  user: 'this user of the API key',
  session: 'this browser session',
  anonymous: 'this address without a key or session',
};

function refusal(scope: Scope, decision: RateDecision, cost: number): ArbiterError {
  const what =
    cost > 1
      ? `a batch costs one request per submission: ${cost} is more than ${WHO[scope]} may send now (at most ${decision.limit} at once); retry in ${decision.retryAfterSeconds} s or send smaller batches`
      : `too many requests from ${WHO[scope]}; retry in ${decision.retryAfterSeconds} s`;
  return withRetryAfter(new ArbiterError('RATE_LIMITED', what), decision.retryAfterSeconds);
}

/**
 * Charges one request (see above). `identify` resolves the caller; a request whose key is unknown
 * pays from its address's ceiling before it is refused, so guessing keys costs like anything else.
 * Returns the identity a keyless caller's work was charged to (its session's or address's bucket),
 * which the queue shares out fairly between (service/caller submitterOf); undefined for a key's work
 * and for following, which are not queued under such an identity.
 */
export async function applyRateLimits(
  rates: RateLimitContext,
  request: FastifyRequest,
  reply: FastifyReply,
  identify: () => Promise<Caller & { ratePerSec?: number }>,
): Promise<string | undefined> {
  const { config } = rates;
  const { sessions } = request.server;
  const decisions: [Scope, RateDecision][] = [];
  const charge = async (scope: Scope, bucket: string, limit: RateLimit): Promise<boolean> => {
    const decision = await rates.rateLimiter.consume(bucket, limit);
    decisions.push([scope, decision]);
    return decision.allowed;
  };
  const setHeaders = () => {
    const refused = decisions.find(([, d]) => !d.allowed);
    const [scope, shown] = refused ?? decisions.reduce((a, b) => (b[1].remaining < a[1].remaining ? b : a));
    void reply.header('X-RateLimit-Limit', String(shown.limit));
    void reply.header('X-RateLimit-Remaining', String(shown.remaining));
    void reply.header('X-RateLimit-Reset', String(shown.resetSeconds));
    if (!refused) return;
    rates.metrics.rateLimited.inc({ scope });
    throw refusal(scope, shown, 1);
  };

  const path = request.url.split('?')[0]!;
  if (isFollowing(request.method, path)) {
    const rate = config.ipReadRatePerSec;
    const allowed = await charge('read', `read:${request.ip}`, { ratePerSec: rate, burst: rate * 2 });
    if (allowed) await identify();
    setHeaders();
    return undefined;
  }
  let caller: Caller & { ratePerSec?: number };
  try {
    caller = await identify();
  } catch (error) {
    await charge('ip', `ip:${request.ip}`, adaptiveBucket(rates, config.ipRatePerSec));
    setHeaders();
    throw error;
  }
  const identity = identityOf(rates, request, caller, sessions);
  if (
    (await charge(identity.scope, identity.bucket, adaptiveBucket(rates, identity.ratePerSec))) &&
    !caller.keyId
  )
    await charge('ip', `ip:${request.ip}`, adaptiveBucket(rates, config.ipRatePerSec));
  setHeaders();
  return caller.keyId ? undefined : identity.bucket;
}

/**
 * Charges `extra` more tokens to the buckets a request of work was charged one from, for a request
 * that does the work of many (a Judge0 batch creates one submission per entry, and once cost one
 * token for up to 20 jobs). Refused: RATE_LIMITED for the whole request, nothing done.
 */
export async function chargeMore(
  rates: RateLimitContext,
  request: FastifyRequest,
  caller: Caller & { ratePerSec?: number },
  extra: number,
): Promise<void> {
  if (extra <= 0) return;
  const { sessions } = request.server;
  const identity = identityOf(rates, request, caller, sessions);
  const charges: [Scope, string, number][] = [[identity.scope, identity.bucket, identity.ratePerSec]];
  if (!caller.keyId) charges.push(['ip', `ip:${request.ip}`, rates.config.ipRatePerSec]);
  for (const [scope, bucket, rate] of charges) await spend(rates, scope, bucket, rate, extra, extra + 1);
}

/**
 * Charges each user a key's request names (a batch may name several, some more than once) one
 * token per submission from that user's bucket. Callers without a key pay nothing here: their
 * identity is their session or address, whatever user they name. Refused: RATE_LIMITED for the
 * whole request, nothing done.
 */
export async function chargeUsers(
  rates: RateLimitContext,
  caller: Caller,
  users: readonly (string | undefined)[],
): Promise<void> {
  if (!caller.keyId) return;
  const perUser = new Map<string, number>();
  for (const user of users) if (user !== undefined) perUser.set(user, (perUser.get(user) ?? 0) + 1);
  for (const [user, count] of perUser)
    await spend(rates, 'user', `user:${caller.keyId}/${user}`, rates.config.keyUserRatePerSec, count);
}

/**
 * The preHandler of every route that creates native submissions, one or a batch (after the body is
 * validated): a batch pays one more request per further submission (chargeMore), then each user
 * named pays (chargeUsers). `usersOf` lists the user each submission names, one entry a submission.
 */
export function chargeSubmissions<Body>(
  rates: RateLimitContext,
  usersOf: (body: Body) => readonly (string | undefined)[],
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const caller = callerOf(request);
    // The route's schema has validated the body before any preHandler runs.
    const users = usersOf(request.body as Body);
    await chargeMore(rates, request, caller, users.length - 1);
    await chargeUsers(rates, caller, users);
  };
}

/** Takes `cost` tokens from a work bucket, or refuses the request (`submissions` it would create). */
async function spend(
  rates: RateLimitContext,
  scope: Scope,
  bucket: string,
  rate: number,
  cost: number,
  submissions = cost,
): Promise<void> {
  const decision = await rates.rateLimiter.consume(bucket, adaptiveBucket(rates, rate), cost);
  if (decision.allowed) return;
  rates.metrics.rateLimited.inc({ scope });
  throw refusal(scope, decision, submissions);
}

/**
 * Gives a browser that loads the editor page without a session a new one, while its address may
 * still get new sessions (SESSION_MINTING); past that it stays its address.
 */
export async function mintSession(
  rates: RateLimitContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { sessions } = request.server;
  if (sessionOf(request, sessions)) return;
  const decision = await rates.rateLimiter.consume(`mint:${request.ip}`, SESSION_MINTING);
  if (decision.allowed) setSessionCookie(reply, sessions.mint().value);
}
