// The rate limiter contract: every back end (memory today, Redis for scale-out) passes these same
// assertions. A back end is given as a factory taking a fake clock, so no test waits in real time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RateLimiter } from '../../src/ratelimit/rate-limiter.js';

export type RateLimiterFactory = (now: () => number) => Promise<RateLimiter>;

export function rateLimiterContract(name: string, make: RateLimiterFactory): void {
  describe(`rate limiter contract: ${name}`, () => {
    const clock = () => {
      const state = { ms: 1_700_000_000_000 };
      return { state, now: () => state.ms };
    };
    const unique = () => `contract:${name}:${Math.random().toString(36).slice(2)}`;

    test('a fresh key has a full burst, then is refused with Retry-After', async () => {
      const { now } = clock();
      const limiter = await make(now);
      try {
        const key = unique();
        const limit = { ratePerSec: 2, burst: 4 };
        const decisions = [];
        for (let i = 0; i < 5; i++) decisions.push(await limiter.consume(key, limit));
        assert.deepEqual(
          decisions.map((d) => d.allowed),
          [true, true, true, true, false],
        );
        assert.deepEqual(
          decisions.map((d) => d.remaining),
          [3, 2, 1, 0, 0],
        );
        assert.equal(decisions[4]!.limit, 4);
        assert.equal(decisions[4]!.retryAfterSeconds, 1, 'half a second to the next token, rounded up');
        assert.equal(decisions[3]!.resetSeconds, 2, 'four tokens at two per second');
      } finally {
        await limiter.close();
      }
    });

    test('tokens come back with time, never beyond the burst', async () => {
      const { state, now } = clock();
      const limiter = await make(now);
      try {
        const key = unique();
        const limit = { ratePerSec: 10, burst: 20 };
        for (let i = 0; i < 20; i++) assert.ok((await limiter.consume(key, limit)).allowed);
        assert.equal((await limiter.consume(key, limit)).allowed, false);
        state.ms += 500; // five tokens
        const after = await limiter.consume(key, limit);
        assert.equal(after.allowed, true);
        assert.equal(after.remaining, 4);
        state.ms += 60_000;
        assert.equal((await limiter.consume(key, limit)).remaining, 19, 'capped at the burst');
      } finally {
        await limiter.close();
      }
    });

    test('keys are independent', async () => {
      const { now } = clock();
      const limiter = await make(now);
      try {
        const [a, b] = [unique(), unique()];
        const limit = { ratePerSec: 1, burst: 1 };
        assert.ok((await limiter.consume(a, limit)).allowed);
        assert.equal((await limiter.consume(a, limit)).allowed, false);
        assert.ok((await limiter.consume(b, limit)).allowed, 'another key has its own bucket');
      } finally {
        await limiter.close();
      }
    });

    test('a lowered burst (the adaptive policy) applies at once', async () => {
      const { now } = clock();
      const limiter = await make(now);
      try {
        const key = unique();
        assert.equal((await limiter.consume(key, { ratePerSec: 10, burst: 20 })).remaining, 19);
        const squeezed = await limiter.consume(key, { ratePerSec: 1, burst: 2 });
        assert.equal(squeezed.allowed, true);
        assert.equal(squeezed.remaining, 1);
        assert.equal(squeezed.limit, 2);
      } finally {
        await limiter.close();
      }
    });

    test('a closed limiter refuses to answer', async () => {
      const { now } = clock();
      const limiter = await make(now);
      await limiter.close();
      await assert.rejects(limiter.consume(unique(), { ratePerSec: 1, burst: 2 }), /closed/);
    });
  });
}
