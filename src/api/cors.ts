/**
 * CORS: which pages on other origins may read this server's answers in a visitor's browser, and the
 * preflights their browsers send first. Which origins, and which writes get through at all, is the
 * origin policy's to decide (src/api/origin-policy.ts, corsAllowedOrigin and crossSiteRefusal); this
 * file answers preflights and adds the response headers.
 *
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method) to an API path is answered
 *   here, 204, before the rate limits and the key lookup (a browser sends no key with it). An origin
 *   that may not call that path gets the 204 without Access-Control-Allow-Origin, so its browser
 *   refuses to send the request.
 * - Every answer to an allowed origin carries Access-Control-Allow-Origin and exposes Retry-After,
 *   X-RateLimit-* and X-Request-Id, errors included, so a page can back off as a program does.
 * - Except listings of submissions asked without a key: an anonymous caller sees every anonymous
 *   submission, and on a loopback server those are the operator's own. The listing is still
 *   answered, but without the header, so the page cannot read it (a page that has a key sees its key's).
 * - Access-Control-Allow-Credentials is never sent: no page gets to use a visitor's session cookie.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ArbiterConfig } from '../config.js';
import { corsAllowedOrigin, isApiPath } from './origin-policy.js';

/**
 * Headers a page may read from an answer besides the CORS-safelisted ones (X-Next-Offset and
 * Content-Disposition: a gradebook export's next page and file name).
 */
const EXPOSED_HEADERS =
  'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id, X-Next-Offset, Content-Disposition';
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Request headers a preflight may ask for: at most this many, each a header-name token. */
const MAX_REQUESTED_HEADERS = 32;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Routes (as registered) that list submissions: the anonymous pool, not one caller's own. */
const POOL_LISTINGS = new Set(['/api/v1/submissions', '/submissions']);

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const pathOf = (url: string): string => url.split('?')[0]!;

/** The headers a preflight asked for that are header names at all, lower case: any may be sent. */
export function allowedRequestHeaders(asked: string | undefined): string {
  if (asked === undefined) return '';
  return asked
    .slice(0, 4096)
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => HEADER_NAME.test(name))
    .slice(0, MAX_REQUESTED_HEADERS)
    .join(', ');
}

/** An answer the page may not read: a listing of submissions asked without a key. */
function hiddenFromPage(request: FastifyRequest, statusCode: number): boolean {
  const route = request.routeOptions.url;
  const keyless = request.caller === null || request.caller.keyId === null;
  const read = request.method === 'GET' || request.method === 'HEAD';
  return read && statusCode < 400 && keyless && route !== undefined && POOL_LISTINGS.has(route);
}

function addVary(existing: unknown, value: string): string {
  const text = typeof existing === 'string' ? existing : Array.isArray(existing) ? existing.join(', ') : '';
  return text === '' ? value : text.toLowerCase().includes(value.toLowerCase()) ? text : `${text}, ${value}`;
}

/** Answers preflights (an onRequest hook: register it right after the origin policy's) and adds headers. */
export function registerCors(
  app: FastifyInstance,
  config: Pick<ArbiterConfig, 'corsOrigins' | 'compatCorsOrigins'>,
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS') return;
    const origin = single(request.headers.origin);
    const method = single(request.headers['access-control-request-method']);
    const path = pathOf(request.url);
    if (origin === undefined || method === undefined || !isApiPath(path)) return;
    void reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    const allowed = corsAllowedOrigin(origin, path, config);
    if (allowed !== null) {
      void reply
        .header('access-control-allow-origin', allowed)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
      const headers = allowedRequestHeaders(single(request.headers['access-control-request-headers']));
      if (headers !== '') void reply.header('access-control-allow-headers', headers);
    }
    await reply.code(204).send();
    return reply;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const path = pathOf(request.url);
    if (!isApiPath(path) || reply.hasHeader('access-control-allow-origin')) return payload;
    void reply.header('vary', addVary(reply.getHeader('vary'), 'Origin'));
    const origin = single(request.headers.origin);
    if (origin === undefined) return payload;
    const allowed = corsAllowedOrigin(origin, path, config);
    if (allowed === null || hiddenFromPage(request, reply.statusCode)) return payload;
    void reply
      .header('access-control-allow-origin', allowed)
      .header('access-control-expose-headers', EXPOSED_HEADERS);
    return payload;
  });
}
