import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import { cookieValue, SESSION_COOKIE } from './session.js';

/**
 * Which web pages may use this server through a visitor's browser, and when a caller is the machine's
 * own user. A browser sends its cookies nowhere here (keys travel in headers a page cannot set across
 * sites without CORS), so the one ambient authority is the loopback mode's: an anonymous caller of a
 * server bound to 127.0.0.1 is its operator. Two attacks reach it from an ordinary web page:
 *
 * - DNS rebinding: a page at evil.example re-resolves its own name to 127.0.0.1. The browser then
 *   treats the server as evil.example, same origin, and the only trace is the Host header. A server
 *   bound to loopback therefore answers only to loopback names, IP addresses and allowedHosts
 *   (nobody reaches a 127.0.0.1 server under a public name but through a proxy that is configured).
 * - Cross-site requests: a form, a beacon or fetch(no-cors) from another site POSTs text/plain or
 *   form data; the browser never shows the page the answer, but the request runs. Requests that
 *   change state or run code (every method but GET, HEAD and OPTIONS, and WebSocket upgrades) are
 *   refused when the browser says they come from another site (Sec-Fetch-Site), or, from browsers
 *   that do not send it, when their Origin is not this server. Clients that are not browsers send
 *   neither header and are not affected. Reads are not refused: without CORS headers the page cannot
 *   see the answer, and a cross-site caller is never the operator (isLocalOperator).
 *
 * CORS (issue [H]) lets pages on configured origins use the API from a visitor's browser: the
 * compatibility APIs answer any origin by default, as Judge0 does; the native API the origins listed
 * in corsOrigins. Such a page gains no ambient authority: isLocalOperator stays false for every one of
 * them, and a cross-site write is let through (corsWriteAllowed) only when the browser had to ask this
 * server first — a CORS preflight, which src/api/cors.ts answers only for allowed origins — and it
 * carries no session cookie. Forms, beacons and fetch(no-cors) can only send what needs no preflight
 * (text/plain, form bodies, no key header), so they stay refused from every origin.
 */

/** Methods a browser may send across sites without a preflight that also change nothing here. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Headers a proxy adds: a request carrying one did not come from a program on this machine. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'] as const;

/** A Host header: a name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST_HEADER = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/i;

/** The longest Host header worth parsing (a DNS name is at most 253 characters). */
const MAX_HOST_LENGTH = 300;

/** A host as a browser names it: hostname canonical (lower case, IP addresses in their one form). */
export interface ParsedHost {
  /** `example.edu`, `127.0.0.1`, `[::1]`: without port, without a trailing dot. */
  hostname: string;
  /** The hostname and the port when it is not the scheme's default: `127.0.0.1:2358`. */
  host: string;
}

/**
 * Parses a Host header value (`name`, `name:port`, `[v6]:port`), or null when it is not one. The
 * WHATWG URL parser canonicalizes it as browsers do (`127.1` and `0x7f.0.0.1` are 127.0.0.1), after
 * a strict check of its characters, so no user-info or path can smuggle in another host.
 */
export function parseHost(value: string): ParsedHost | null {
  if (value.length > MAX_HOST_LENGTH || !HOST_HEADER.test(value)) return null;
  return canonical(`http://${value}`);
}

/** Parses an Origin header (`scheme://host[:port]`); null for `null` (an opaque origin) and junk. */
export function parseOrigin(value: string): ParsedHost | null {
  if (value.length > MAX_HOST_LENGTH + 20) return null;
  const match = /^(https?):\/\/([^/?#@]+)$/i.exec(value);
  if (!match || !HOST_HEADER.test(match[2]!)) return null;
  return canonical(`${match[1]!.toLowerCase()}://${match[2]!}`);
}

function canonical(url: string): ParsedHost | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // a port above 65535, an IPv6 address that is not one: not a host
  }
  const hostname = parsed.hostname.replace(/\.$/, '');
  return { hostname, host: parsed.port === '' ? hostname : `${hostname}:${parsed.port}` };
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x.y.z, in the canonical form parseHost gives (IPv6 bracketed). */
export function isLoopbackAddress(hostname: string): boolean {
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    hostname === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname)
  );
}

/**
 * A name only this machine answers to: a loopback address, `localhost`, or a name under
 * `.localhost`, which RFC 6761 reserves for loopback and browsers resolve to it without asking DNS
 * (so no rebinding page can own one).
 */
export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || isLoopbackAddress(hostname);
}

/** Whether the address the server listens on (config.host: `127.0.0.1`, `::1`, `localhost`) is loopback. */
export function isLoopbackBind(host: string): boolean {
  // Asked on every request of a server bound to one address: parsed once per address.
  let loopback = loopbackBinds.get(host);
  if (loopback === undefined) {
    const parsed = parseHost(isIP(host) === 6 ? `[${host}]` : host);
    loopback = parsed !== null && isLoopbackName(parsed.hostname);
    if (loopbackBinds.size < 64) loopbackBinds.set(host, loopback);
  }
  return loopback;
}
const loopbackBinds = new Map<string, boolean>();

const isIpLiteral = (hostname: string): boolean => isIP(hostname.replace(/^\[|\]$/g, '')) !== 0;

/** `hostname` is an allowedHosts entry, or under one that starts with a dot. */
function isAllowedName(hostname: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) => {
    const name = entry.toLowerCase().replace(/\.$/, '');
    if (!name.startsWith('.')) return hostname === name;
    return hostname === name.slice(1) || hostname.endsWith(name);
  });
}

/** The CORS settings; absent ones allow no origin (the policy's unit tests leave them out). */
type CorsConfig = Partial<Pick<ArbiterConfig, 'corsOrigins' | 'compatCorsOrigins'>>;
type PolicyConfig = Pick<ArbiterConfig, 'host' | 'allowedHosts'> & CorsConfig;

/** The parts of a request the policy reads; every one is attacker-controlled. */
export interface RequestFacts {
  method: string;
  headers: IncomingHttpHeaders;
  /** The host the request was sent to per a trusted proxy (X-Forwarded-Host), when trustProxy allows. */
  forwardedHost?: string;
  /** The request's path, without the query: which API it calls decides which origins CORS allows. */
  path?: string;
}

/**
 * Why the request's Host is refused, or null when it is answered. Checked on a loopback bind, and on
 * any bind once allowedHosts lists names: loopback names, IP addresses (a rebinding page needs a DNS
 * name) and allowedHosts pass. A request without Host (HTTP/1.0) comes from no browser and passes.
 */
export function hostRefusal(facts: RequestFacts, config: PolicyConfig): string | null {
  const loopback = isLoopbackBind(config.host);
  if (!loopback && config.allowedHosts.length === 0) return null;
  const header = facts.headers.host;
  if (header === undefined) return null;
  const host = parseHost(header);
  if (host && (isLoopbackName(host.hostname) || isIpLiteral(host.hostname))) return null;
  if (host && isAllowedName(host.hostname, config.allowedHosts)) return null;
  const shown = host ? `"${host.host}"` : 'that is not a host name';
  return loopback
    ? `this server is bound to ${config.host} and answers only to loopback names and IP addresses; a request for Host ${shown} is what a DNS-rebinding web page sends. Behind a reverse proxy, add its name to allowedHosts (ARBITER_ALLOWED_HOSTS).`
    : `Host ${shown} is not one of this server's names (allowedHosts); add it there if clients use it.`;
}

/** Whether `origin` is this server as the request addressed it (or one of its allowedHosts names). */
function isOwnOrigin(origin: ParsedHost, facts: RequestFacts, config: PolicyConfig): boolean {
  for (const value of [facts.headers.host, facts.forwardedHost]) {
    if (value !== undefined && parseHost(value)?.host === origin.host) return true;
  }
  return isAllowedName(origin.hostname, config.allowedHosts);
}

const isUpgrade = (facts: RequestFacts): boolean => facts.headers.upgrade !== undefined;

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/** Judge0's and Piston's paths: the APIs whose browser clients (the Judge0 IDE) call from anywhere. */
const COMPAT_PATHS =
  /^\/(submissions|languages|statuses|about|version|isolate|license|system_info|config_info|workers|statistics|authenticate|authorize)(\/|$)|^\/api\/v2(\/|$)/;
/** The native API's paths (the web pages, /docs and /metrics are not an API a page calls). */
const NATIVE_PATHS = /^\/api\/v1(\/|$)|^\/(run|health)$|^\/health\/|^\/queue(\/|$)/;

export const isCompatPath = (path: string): boolean => COMPAT_PATHS.test(path);
export const isApiPath = (path: string): boolean => COMPAT_PATHS.test(path) || NATIVE_PATHS.test(path);

/** `scheme://host[:port]`, canonical, of an Origin header or a corsOrigins entry; null when not one. */
function originKey(value: string): string | null {
  const parsed = parseOrigin(value);
  return parsed ? `${value.slice(0, value.indexOf(':')).toLowerCase()}://${parsed.host}` : null;
}

/**
 * What Access-Control-Allow-Origin says to a page from `origin` calling `path`: `*` when every origin
 * may, the origin itself when it is listed, null when it may not (and for an opaque origin, `null`,
 * which sandboxed frames and referrer-less forms send: it names no site an operator could allow).
 */
export function corsAllowedOrigin(origin: string, path: string, config: CorsConfig): string | null {
  if (!isApiPath(path)) return null;
  const entries = [
    ...(config.corsOrigins ?? []),
    ...(isCompatPath(path) ? (config.compatCorsOrigins ?? []) : []),
  ];
  const key = originKey(origin);
  if (key === null || entries.length === 0) return null;
  if (entries.includes('*')) return '*';
  return entries.some((entry) => originKey(entry) === key) ? key : null;
}

/** Content types a page may send across origins without a preflight (the Fetch standard's list). */
const SIMPLE_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);
/** Headers that carry a key: a page can send one across origins only after a preflight. */
const KEY_HEADERS = ['authorization', 'x-api-key', 'x-auth-token', 'x-auth-user'] as const;

/**
 * Whether a browser had to ask this server (a CORS preflight) before sending the request: its method
 * is not GET, HEAD or POST, or its body is not one a form could send, or it carries a key header.
 * Forms, beacons and fetch(no-cors) never qualify, in any browser, with or without Sec-Fetch-*.
 */
export function isPreflighted(facts: RequestFacts): boolean {
  if (!['GET', 'HEAD', 'POST'].includes(facts.method)) return true;
  const type = single(facts.headers['content-type']);
  if (type !== undefined && !SIMPLE_CONTENT_TYPES.has(type.split(';')[0]!.trim().toLowerCase())) return true;
  return KEY_HEADERS.some((name) => facts.headers[name] !== undefined);
}

/**
 * A cross-site write that may go on: an Origin CORS allows for this path, a preflight the browser
 * made and this server answered for that origin, and no session cookie (Arbiter never sends
 * Access-Control-Allow-Credentials, so a browser sends none; one that arrives is refused rather than
 * trusted). WebSocket upgrades have no preflight and are never let through.
 */
function corsWriteAllowed(facts: RequestFacts, config: PolicyConfig): boolean {
  const origin = single(facts.headers.origin);
  if (origin === undefined || facts.path === undefined || isUpgrade(facts)) return false;
  if (corsAllowedOrigin(origin, facts.path, config) === null || !isPreflighted(facts)) return false;
  const cookies = single(facts.headers.cookie);
  return cookieValue(cookies, SESSION_COOKIE) === undefined;
}

/**
 * Why a browser's cross-site request is refused, or null when it may go on. Safe methods pass (but
 * not WebSocket upgrades: a page may open a socket to any server and read what it sends). A write
 * CORS allows passes (corsWriteAllowed). Then the browser's own word, Sec-Fetch-Site, decides when
 * it is there; else the Origin does: absent (not a browser), or this server.
 */
export function crossSiteRefusal(facts: RequestFacts, config: PolicyConfig): string | null {
  if (SAFE_METHODS.has(facts.method) && !isUpgrade(facts)) return null;
  if (corsWriteAllowed(facts, config)) return null;
  const what = isUpgrade(facts) ? 'open a WebSocket to this server' : `send ${facts.method} requests here`;
  const site = single(facts.headers['sec-fetch-site']);
  const originHeader = single(facts.headers.origin);
  // An origin CORS allows, refused all the same: say what a page from it may send instead.
  const allowed =
    originHeader !== undefined &&
    facts.path !== undefined &&
    corsAllowedOrigin(originHeader, facts.path, config) !== null;
  const hint = allowed
    ? isUpgrade(facts)
      ? ' (CORS does not cover WebSockets)'
      : ': a page on an allowed origin sends JSON (Content-Type: application/json) or a key header, without the session cookie'
    : '';
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return null;
    return `a page from another site (Sec-Fetch-Site: ${site.slice(0, 20)}) may not ${what}${hint}; programs and this server's own pages may`;
  }
  if (originHeader === undefined) return null;
  const origin = parseOrigin(originHeader);
  if (origin && isOwnOrigin(origin, facts, config)) return null;
  const shown = origin ? origin.host : 'an opaque origin (null)';
  return `a page from ${shown} may not ${what}${hint}; programs and this server's own pages may. Behind a reverse proxy, add its name to allowedHosts.`;
}

/**
 * Whether the caller is the machine's own user, who administers a loopback-bound server without a
 * key: the server is bound to loopback, the request names a loopback host, came through no proxy,
 * and no page from elsewhere sent it (no cross-site Sec-Fetch-Site, no Origin but this server's as
 * the request addressed it).
 */
export function isLocalOperator(facts: RequestFacts, config: Pick<ArbiterConfig, 'host'>): boolean {
  if (!isLoopbackBind(config.host)) return false;
  const header = facts.headers.host;
  const host = header === undefined ? null : parseHost(header);
  if (!host || !isLoopbackName(host.hostname)) return false;
  if (FORWARDING_HEADERS.some((name) => facts.headers[name] !== undefined)) return false;
  const site = single(facts.headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const originHeader = single(facts.headers.origin);
  if (originHeader === undefined) return true;
  return parseOrigin(originHeader)?.host === host.host;
}

/** The facts of a Fastify request. request.host is X-Forwarded-Host only when trustProxy trusts the peer. */
export function factsOf(request: {
  method: string;
  headers: IncomingHttpHeaders;
  host: string;
  url: string;
}): RequestFacts {
  const forwarded = request.host !== '' && request.host !== request.headers.host ? request.host : undefined;
  return {
    method: request.method,
    headers: request.headers,
    forwardedHost: forwarded,
    path: request.url.split('?')[0],
  };
}

/**
 * Adds the policy as the first onRequest hook: before the rate limits and the key lookup, so a
 * refused request costs nothing, and before any route, probes and pages included.
 */
export function registerOriginPolicy(app: FastifyInstance, config: PolicyConfig): void {
  app.addHook('onRequest', async (request) => {
    const facts = factsOf(request);
    const refusal = hostRefusal(facts, config) ?? crossSiteRefusal(facts, config);
    if (refusal !== null) throw new ArbiterError('FORBIDDEN', refusal);
  });
}
