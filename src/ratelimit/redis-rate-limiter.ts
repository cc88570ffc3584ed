/**
 * The scale-out rate limiter: token buckets in Redis, shared by every API node.
 *
 * Each check-and-take is one Lua script (TAKE_SCRIPT below), so two nodes spending the same bucket
 * at once can never both take its last token. By default the script reads the Redis server's clock
 * (TIME), so all nodes measure refills on one clock however far their own clocks drift.
 *
 * One arithmetic, two copies. The script repeats token-bucket.ts's take() line for line (Lua and
 * JavaScript numbers are both IEEE doubles, so the same operations give the same bits), because it
 * must decide and store atomically. It returns the state it found and the time it used; this side
 * then calls take() itself on those and builds the decision (remaining, reset, Retry-After) from
 * that, so the figures clients see come from the one tested implementation. If the two ever
 * disagree on allow or deny, consume() rejects with INTERNAL rather than answer inconsistently.
 *
 * Idle buckets vanish: each write sets PEXPIRE to the time the bucket needs to refill completely,
 * when it would answer exactly like a missing (never-seen, full) bucket. A bucket that ends a call
 * full is deleted at once. As with the memory limiter's sweep, forgetting full buckets changes no
 * answer, with two harmless exceptions: a forgotten bucket later used with a raised burst (the
 * adaptive policy recovering) starts full at the new burst, and one used after the clock stepped
 * back behind its last update counts its time from the stepped-back clock. Beyond the memory
 * limiter's behaviour, Redis differs only through `maxIdleMs`: a
 * bucket untouched that long starts over full even if it would still be refilling (only very slow
 * rates or deep debts get there).
 *
 * With a fake `now` (tests), bucket time is the fake clock but expiry is Redis's real clock: a key
 * may expire before the fake clock says the bucket is full if the fake clock runs slower than real
 * time. Tests keep their buckets slow enough, or their fake clock ahead of real time.
 */
import type { Redis } from 'ioredis';
import { ArbiterError } from '../errors.js';
import { redisUnavailable, resolveRedisOptions } from '../redis-options.js';
import { withTimeout } from '../timeout.js';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';
import { take, toRateDecision, type BucketState } from './token-bucket.js';

export interface RedisRateLimiterOptions {
  /** The ioredis client to use. It is left open by close() unless `ownsClient` is set. */
  redis: Redis;
  /** Close `redis` in close(). Default false (the client is the caller's). */
  ownsClient?: boolean;
  /** Prefix of every bucket's key, so deployments and test runs can share a Redis. Default 'arbiter:rl:'. */
  keyPrefix?: string;
  /**
   * The clock, in milliseconds. Default: none, and the script reads the Redis server's TIME so
   * every API node shares one clock. Tests pass a fake one.
   */
  now?: () => number;
  /**
   * Longest a bucket key lives without being touched, in ms; its TTL is otherwise the time it
   * needs to refill fully. Default 86,400,000 (a day). Also keeps PEXPIRE's argument in range.
   */
  maxIdleMs?: number;
  /**
   * How long consume() waits for Redis before rejecting with DEPENDENCY_UNAVAILABLE, in ms.
   * Default 1,000. A client that queues commands while disconnected (ioredis's default) would
   * otherwise hold every request until it reconnects. A script that times out may still run later.
   */
  timeoutMs?: number;
}

export const DEFAULT_REDIS_RATE_LIMITER_OPTIONS = Object.freeze({
  ownsClient: false,
  keyPrefix: 'arbiter:rl:',
  maxIdleMs: 86_400_000,
  timeoutMs: 1_000,
});

/**
 * The atomic check-and-take; the arithmetic of take() in token-bucket.ts, constants included.
 *
 * KEYS[1]  the bucket: a hash { tokens, updatedMs }; absent means full
 * ARGV[1]  ratePerSec (> 0)         ARGV[2]  burst (> 0)         ARGV[3]  cost (>= 0)
 * ARGV[4]  nowMs, or '' to read the Redis server's clock (TIME, to the microsecond)
 * ARGV[5]  maxIdleMs: the longest TTL given to the key
 *
 * Writes the new state with PEXPIRE = time until it is full again (capped at maxIdleMs), or
 * deletes the key when the bucket is full already.
 *
 * Returns { allowed: 1 | 0, previous tokens or '', previous updatedMs or '', nowMs used }; numbers
 * travel as '%.17g' strings, which parse back into the very same doubles (Lua's tostring and
 * Redis's reply conversion would both round them).
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local maxIdle = tonumber(ARGV[5])
local now
if ARGV[4] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
else
  now = tonumber(ARGV[4])
end
local function fmt(x) return string.format('%.17g', x) end

local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updatedMs')
local prevTokens = tonumber(stored[1])
local prevUpdated = tonumber(stored[2])
if prevTokens == nil or prevUpdated == nil then
  prevTokens, prevUpdated = nil, nil
end

local perMs = rate / 1000
local current = burst
if prevTokens ~= nil then
  -- A clock that stepped back counts as no time passing; min() also applies a lowered burst.
  current = math.min(burst, prevTokens + math.max(0, now - prevUpdated) * perMs)
end
local needed = math.min(cost, burst)
local shortfallMs = (needed - current) / perMs
local allowed = shortfallMs <= 1e-4
local tokens = current
if allowed then tokens = current - cost end
local updated = now
if prevUpdated ~= nil then updated = math.max(prevUpdated, now) end

local refillMs = (burst - tokens) / perMs
if refillMs <= 1e-4 then
  redis.call('DEL', KEYS[1])
else
  -- Full at updated + refillMs on the bucket's clock; updated is ahead of now after a step back.
  local ttl = math.ceil(math.min(maxIdle, (updated - now) + refillMs))
  redis.call('HSET', KEYS[1], 'tokens', fmt(tokens), 'updatedMs', fmt(updated))
  redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
end

local allowedFlag = 0
if allowed then allowedFlag = 1 end
local prevTokensOut, prevUpdatedOut = '', ''
if prevTokens ~= nil then
  prevTokensOut, prevUpdatedOut = fmt(prevTokens), fmt(prevUpdated)
end
return { allowedFlag, prevTokensOut, prevUpdatedOut, fmt(now) }
`;

/** The name the script is defined under on the client (ioredis runs it by EVALSHA, EVAL on NOSCRIPT). */
const TAKE_COMMAND = 'arbiterRateLimitTake';

type TakeCommand = (
  key: string,
  ratePerSec: string,
  burst: string,
  cost: string,
  nowMs: string,
  maxIdleMs: string,
) => Promise<unknown>;

export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #keyPrefix: string;
  readonly #now: (() => number) | undefined;
  readonly #maxIdleMs: number;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(options: RedisRateLimiterOptions) {
    const settings = resolveRedisOptions(DEFAULT_REDIS_RATE_LIMITER_OPTIONS, options);
    if (!Number.isInteger(settings.maxIdleMs) || settings.maxIdleMs < 1) {
      throw new ArbiterError('INVALID_INPUT', `maxIdleMs must be an integer >= 1, got ${settings.maxIdleMs}`);
    }
    if (!Number.isFinite(settings.timeoutMs) || settings.timeoutMs <= 0) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `timeoutMs must be a finite number > 0, got ${String(settings.timeoutMs)}`,
      );
    }
    this.#redis = options.redis;
    this.#ownsClient = settings.ownsClient;
    this.#keyPrefix = settings.keyPrefix;
    this.#now = options.now;
    this.#maxIdleMs = settings.maxIdleMs;
    this.#timeoutMs = settings.timeoutMs;
    // Idempotent, and the name is ours: defining it on a shared client disturbs no one.
    this.#redis.defineCommand(TAKE_COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async consume(key: string, limit: RateLimit, cost = 1): Promise<RateDecision> {
    if (this.#closed) throw new ArbiterError('RATE_LIMITER_CLOSED', 'the rate limiter is closed');
    const nowMs = this.#now?.();
    // take() checks its arguments; trying it on a fresh bucket refuses bad ones before Redis is
    // asked, with the same messages as the memory limiter.
    take(undefined, nowMs ?? 0, limit.ratePerSec, limit.burst, cost);
    const reply = await this.#runTake(this.#keyPrefix + key, [
      String(limit.ratePerSec),
      String(limit.burst),
      String(cost),
      nowMs === undefined ? '' : String(nowMs),
      String(this.#maxIdleMs),
    ]);
    const result = take(reply.previous, reply.nowMs, limit.ratePerSec, limit.burst, cost);
    if (result.allowed !== reply.allowed) {
      throw new ArbiterError(
        'INTERNAL',
        `the Redis rate-limit script ${reply.allowed ? 'allowed' : 'refused'} what take() ` +
          `${result.allowed ? 'allows' : 'refuses'} (previous ${JSON.stringify(reply.previous)}, ` +
          `now ${reply.nowMs}, limit ${JSON.stringify(limit)}, cost ${cost})`,
      );
    }
    return toRateDecision(result, limit.burst);
  }

  /** Later consume() calls reject with RATE_LIMITER_CLOSED; the client is closed only if owned. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsClient) return;
    if (this.#redis.status !== 'ready') {
      this.#redis.disconnect();
      return;
    }
    try {
      await this.#redis.quit();
    } catch {
      // QUIT failed (the connection broke meanwhile): drop the connection without it.
      this.#redis.disconnect();
    }
  }

  async #runTake(
    key: string,
    args: [string, string, string, string, string],
  ): Promise<{ allowed: boolean; previous: BucketState | undefined; nowMs: number }> {
    const command = (this.#redis as unknown as Record<string, TakeCommand>)[TAKE_COMMAND]!;
    let reply: unknown;
    try {
      reply = await withTimeout(
        command.call(this.#redis, key, ...args),
        this.#timeoutMs,
        () =>
          new ArbiterError(
            'DEPENDENCY_UNAVAILABLE',
            `Redis is unavailable: no answer within ${this.#timeoutMs} ms`,
          ),
      );
    } catch (error) {
      throw redisUnavailable(error);
    }
    return parseReply(reply);
  }
}

function parseReply(reply: unknown): { allowed: boolean; previous: BucketState | undefined; nowMs: number } {
  const malformed = () =>
    new ArbiterError('INTERNAL', `the Redis rate-limit script answered ${JSON.stringify(reply)}`);
  if (!Array.isArray(reply) || reply.length !== 4) throw malformed();
  const [allowed, tokens, updatedMs, nowMs] = reply as unknown[];
  if ((allowed !== 0 && allowed !== 1) || typeof tokens !== 'string' || typeof updatedMs !== 'string') {
    throw malformed();
  }
  const now = Number(nowMs);
  if (typeof nowMs !== 'string' || !Number.isFinite(now)) throw malformed();
  let previous: BucketState | undefined;
  if (tokens !== '' || updatedMs !== '') {
    previous = { tokens: Number(tokens), updatedMs: Number(updatedMs) };
    if (!Number.isFinite(previous.tokens) || !Number.isFinite(previous.updatedMs)) throw malformed();
  }
  return { allowed: allowed === 1, previous, nowMs: now };
}
