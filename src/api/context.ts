import type { ArbiterService } from '../service/arbiter-service.js';
import type { Caller } from '../service/caller.js';
import type { RateLimitContext } from './rate-limit.js';
import type { SessionCodec } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook before any route handler runs. */
    caller: Caller | null;
  }
  interface FastifyInstance {
    /** Signs and checks browser sessions (src/api/session.ts). */
    sessions: SessionCodec;
    /**
     * The service façade (service/arbiter-service.ts): the one thing route plugins take from the
     * app. It owns visibility, back-pressure and shutdown; routes translate shapes in and out.
     */
    arbiter: ArbiterService;
    /** What the rate-limit charges of a route's preHandler spend from (api/rate-limit.ts). */
    rateLimits: RateLimitContext;
  }
}
