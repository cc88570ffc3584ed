// The request body, bounded: in size by who is sending it (registerBodyLimit, a preParsing hook
// that needs the caller, so it runs after the auth hook) and in nesting depth before JSON.parse
// (registerJsonBody, the API's one body parser).
import type { FastifyInstance } from 'fastify';
import { Transform, type TransformCallback } from 'node:stream';
import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import type { Caller } from '../service/caller.js';

/**
 * The API's one request body type: JSON, nested at most maxJsonDepth deep. JSON.parse costs about
 * a microsecond per level of nesting (a 16 MB body of `[[[[…]]]]` held the event loop 5-15 s, /health
 * included; flat JSON of the same size parses in about 0.1 s), so the depth is checked first, by
 * one pass over the text that costs less than the parse itself. Fastify's text/plain parser goes:
 * a browser may send text/plain across sites without asking, and no native route reads text. The
 * compat routes keep what their clients send (Piston's text/plain, Judge0's forms) in their scopes.
 */

const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether `text` nests arrays and objects deeper than `maxDepth`, brackets inside strings not
 * counted. Linear, and stops at the first level too deep; strings are skipped with indexOf, so a
 * large source or stdin costs next to nothing. Text that is not JSON is left to the parser to refuse.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i === -1) return false;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes += 1;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

/** The error for a body nested too deep: a 400 that names the limit and the setting. */
export function tooDeep(maxDepth: number): ArbiterError {
  return new ArbiterError(
    'INVALID_INPUT',
    `the JSON body nests arrays and objects deeper than ${maxDepth} levels (the server's maxJsonDepth)`,
  );
}

/**
 * JSON.parse with the depth check in front, for parsers outside the root scope (Piston reads any
 * content type as JSON). Throws ArbiterError INVALID_INPUT for a body too deep or not JSON.
 */
export function parseJsonText(text: string, maxDepth: number): unknown {
  if (nestsDeeperThan(text, maxDepth)) throw tooDeep(maxDepth);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ArbiterError('INVALID_INPUT', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Replaces Fastify's body parsers at the root: application/json with the depth check in front of
 * Fastify's own parser (which also refuses __proto__ and constructor.prototype keys), and no
 * text/plain. Any other content type is answered "send the body as application/json".
 */
export function registerJsonBody(app: FastifyInstance, config: Pick<ArbiterConfig, 'maxJsonDepth'>): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestsDeeperThan(text, config.maxJsonDepth)) {
      done(tooDeep(config.maxJsonDepth), undefined);
      return;
    }
    parse(request, text, done);
  });
}

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
