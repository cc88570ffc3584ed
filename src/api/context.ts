import type { FastifyRequest } from 'fastify';
import type { Caller } from '../service/caller.js';
import type { SessionCodec } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook before any route handler runs. */
    caller: Caller | null;
  }
  interface FastifyInstance {
    /** Signs and checks browser sessions (src/api/session.ts). */
    sessions: SessionCodec;
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route is missing the auth hook');
  return request.caller;
}
