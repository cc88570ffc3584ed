import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import type { KeyDirectory } from '../service/arbiter-service.js';
import type { Caller } from '../service/caller.js';
import type { ApiKeyRecord, KeyRole, Store } from '../store/types.js';
import { factsOf, isLocalOperator } from './origin-policy.js';

/** Keys are shown once at creation and stored only as this hash. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export async function createApiKey(
  store: Store,
  input: { name: string; role: KeyRole; priority?: number; ratePerSec?: number },
  config: Pick<ArbiterConfig, 'priorities' | 'defaultKeyRatePerSec'>,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = `arb_${randomBytes(24).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id: randomUUID(),
    name: input.name,
    role: input.role,
    priority: input.priority ?? config.priorities[input.role],
    ratePerSec: input.ratePerSec ?? config.defaultKeyRatePerSec,
    createdAt: Date.now(),
    revokedAt: null,
  };
  await store.createKey(record, hashKey(key));
  return { key, record };
}

/** The key a request carries: Authorization: Bearer, X-API-Key, or Judge0's X-Auth-Token. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = request.headers['x-api-key'] ?? request.headers['x-auth-token'];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * A browser's WebSocket cannot send an Authorization header; the dashboard sends its key as the
 * subprotocol `arbiter.bearer.<key>` instead (beside `arbiter.v1`, which the server picks and
 * echoes, so the key is never sent back). Keys are base64url, valid in a protocol token.
 */
const KEY_PROTOCOL = /(?:^|,)\s*arbiter\.bearer\.([A-Za-z0-9_-]+)\s*(?:,|$)/;

/**
 * Copies a WebSocket upgrade's subprotocol key into the header presentedKey reads, unless the
 * upgrade carries a key of its own: an onRequest hook, added before the auth hook (app.ts).
 */
export function keyFromWebSocketProtocol(request: FastifyRequest): void {
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return;
  if (request.headers.authorization || request.headers['x-api-key']) return;
  const protocols = request.headers['sec-websocket-protocol'];
  const key = typeof protocols === 'string' ? KEY_PROTOCOL.exec(protocols)?.[1] : undefined;
  if (key) request.headers.authorization = `Bearer ${key}`;
}

/** How long a key lookup is trusted: a revoked key stops working within this. */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 10_000;
const keyCache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

/** A key's record, from a short cache in front of the store (a lookup per request was 10% of a submit). */
async function findKey(keys: KeyDirectory, key: string): Promise<ApiKeyRecord | null> {
  const hash = hashKey(key);
  const now = Date.now();
  const cached = keyCache.get(hash);
  if (cached && cached.until > now) return cached.record;
  const record = await keys.findKeyByHash(hash);
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(hash, { record, until: now + KEY_CACHE_MS });
  return record;
}

/**
 * Resolves who is calling. Without a key, anonymous use must be on; an anonymous caller of a
 * server bound to loopback is the machine's own user and may administer it when the request shows
 * it comes from this machine and from no web page elsewhere (isLocalOperator: a loopback Host, no
 * proxy, no foreign Origin); every other anonymous caller is an ordinary one. A key that is unknown
 * or revoked is refused even when anonymous use is on.
 */
export async function resolveCaller(
  request: FastifyRequest,
  keys: KeyDirectory,
  config: ArbiterConfig,
): Promise<Caller & { ratePerSec: number }> {
  const key = presentedKey(request);
  if (key) {
    const record = await findKey(keys, key);
    if (!record) throw new ArbiterError('UNAUTHORIZED', 'the API key is unknown or revoked');
    return { keyId: record.id, role: record.role, priority: record.priority, ratePerSec: record.ratePerSec };
  }
  if (!config.anonymous) {
    throw new ArbiterError(
      'UNAUTHORIZED',
      'an API key is required: send it as "Authorization: Bearer <key>" (create one with `arbiter keys create`)',
    );
  }
  return {
    keyId: null,
    role: isLocalOperator(factsOf(request), config) ? 'admin' : 'anonymous',
    priority: config.priorities.anonymous,
    ratePerSec: config.defaultKeyRatePerSec,
  };
}

/** The caller the auth hook resolved (resolveCaller); a route it did not run for is a bug. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route is missing the auth hook');
  return request.caller;
}

export function requireAdmin(caller: Caller): void {
  if (caller.role !== 'admin') throw new ArbiterError('FORBIDDEN', 'this needs an admin key');
}
