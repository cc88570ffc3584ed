// Browser sessions: who a caller without a key is, finer than its address. A class of 200 behind
// one school NAT shares one address; each student's browser gets its own session when it loads the
// editor page, and the rate limits count each session as its own identity (src/api/rate-limit.ts).
// A session is a random id and an HMAC of it in a cookie: nothing is stored, any API node holding
// the same sessionSecret can check it, and a client cannot make one up.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'arbiter_session';

/** Bytes of randomness in a session id, and of the HMAC kept beside it. */
const ID_BYTES = 16;
const MAC_BYTES = 16;
/** A session lives as long as a school day and its homework: a new page load renews nothing. */
const SESSION_MAX_AGE_SECONDS = 24 * 60 * 60;

/**
 * New sessions one address may get: a class of 200 loads the editor within a minute or two; a
 * script that loads the page to get a fresh identity for each request gets 5 a second at most,
 * and past that it is its address again.
 */
export const SESSION_MINTING = { ratePerSec: 5, burst: 250 } as const;

export class SessionCodec {
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'utf8');
  }

  #mac(id: string): Buffer {
    return createHmac('sha256', this.#secret).update(id).digest().subarray(0, MAC_BYTES);
  }

  /** A new session's cookie value: id.mac, both base64url. */
  mint(): { id: string; value: string } {
    const id = randomBytes(ID_BYTES).toString('base64url');
    return { id, value: `${id}.${this.#mac(id).toString('base64url')}` };
  }

  /** The session id of a cookie value, or null when it was not made with this secret. */
  verify(value: string): string | null {
    const dot = value.indexOf('.');
    if (dot <= 0 || value.length > 100) return null;
    const id = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = this.#mac(id);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
  }
}

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The request's session id, when it carries a valid session cookie. */
export function sessionOf(request: FastifyRequest, codec: SessionCodec): string | null {
  const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
  return value === undefined ? null : codec.verify(value);
}

/**
 * Sets a new session cookie. HttpOnly (page scripts never read it; fetch sends it), SameSite=Strict
 * (a request another site's page starts does not carry it), the whole server as its path.
 */
export function setSessionCookie(reply: FastifyReply, value: string): void {
  void reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${SESSION_MAX_AGE_SECONDS}; HttpOnly; SameSite=Strict`,
  );
}
