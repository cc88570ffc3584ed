import type { FastifyInstance } from 'fastify';
import { Transform, type TransformCallback } from 'node:stream';
import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import type { Caller } from '../service/caller.js';

/**
 * How large a body each caller may send. bodyLimitBytes (Fastify's own limit) is the server's
 * ceiling, for admins' problem uploads; everyone else gets userBodyLimitBytes, checked once the
 * caller is known (the auth hook ran) and before the body is read: a declared Content-Length over it
 * is refused at once, a chunked body is cut as it passes the limit. A student's 16 MB body never
 * sits in memory, nor costs the parse.
 */

type LimitConfig = Pick<ArbiterConfig, 'bodyLimitBytes' | 'userBodyLimitBytes'>;

/** The largest body `caller` may send; null (no caller: open paths) gets the server's ceiling. */
export function bodyLimitFor(caller: Caller | null, config: LimitConfig): number {
  if (caller === null || caller.role === 'admin') return config.bodyLimitBytes;
  return Math.min(config.userBodyLimitBytes, config.bodyLimitBytes);
}

function tooLarge(limit: number): ArbiterError {
  return new ArbiterError(
    'PAYLOAD_TOO_LARGE',
    `the request body is larger than this server accepts from a caller without an admin key (${limit} bytes, userBodyLimitBytes)`,
  );
}

/** Passes bytes on until `limit`, then fails with 413. Carries the count rawBody checks. */
class CappedBody extends Transform {
  receivedEncodedLength = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    if (this.receivedEncodedLength > this.limit) callback(tooLarge(this.limit));
    else callback(null, chunk);
  }
}

export function registerBodyLimit(app: FastifyInstance, config: LimitConfig): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const limit = bodyLimitFor(request.caller, config);
    if (limit >= config.bodyLimitBytes) return payload;
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      // Up to the server's ceiling Node reads the rest and drops it, so the client, still sending,
      // surely gets the 413 (closing on unread data sends a reset that can lose it). Above the
      // ceiling the connection is closed, as Fastify does.
      if (declared > config.bodyLimitBytes) void reply.header('connection', 'close');
      throw tooLarge(limit);
    }
    // Node stops a body at its Content-Length, so only a chunked one needs counting.
    if (!Number.isNaN(declared)) return payload;
    const capped = new CappedBody(limit);
    payload.on('error', (error) => capped.destroy(error));
    return payload.pipe(capped);
  });
}
