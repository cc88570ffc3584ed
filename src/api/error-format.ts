import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../contract.js';
import { ArbiterError, ErrorCodes } from '../errors.js';

/** The one error body every route answers with: the contract's (src/contract.ts). */
export type { ErrorBody } from '../contract.js';

/** Maps anything thrown in a handler to an ArbiterError; unknown faults become a 500 with no detail leaked. */
export function toArbiterError(error: unknown): {
  error: ArbiterError;
  retryAfter?: number;
  internal: boolean;
} {
  if (error instanceof ArbiterError) {
    const retryAfter = error.retryAfter;
    return { error, retryAfter, internal: error.status >= 500 && error.code !== ErrorCodes.QUEUE_FULL.code };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const detail = fastifyError.validation
      .map((v) =>
        `${v.instancePath ? v.instancePath.slice(1).replaceAll('/', '.') : (fastifyError.validationContext ?? 'body')} ${v.message ?? ''}`.trim(),
      )
      .join('; ');
    return {
      error: new ArbiterError(
        'VALIDATION_FAILED',
        `invalid ${fastifyError.validationContext ?? 'request'}: ${detail}`,
      ),
      internal: false,
    };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_BAD_URL':
      return {
        error: new ArbiterError('INVALID_INPUT', 'the URL is malformed (a broken %-escape?)'),
        internal: false,
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
    case 'FST_ERR_PARAM_TOO_LONG':
      return { error: new ArbiterError('INVALID_INPUT', 'a path parameter is too long'), internal: false };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        error: new ArbiterError('PAYLOAD_TOO_LARGE', 'the request body is larger than this server accepts'),
        internal: false,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        error: new ArbiterError('INVALID_INPUT', 'send the body as application/json'),
        internal: false,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { error: new ArbiterError('INVALID_INPUT', 'the JSON body is empty'), internal: false };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    default:
      if (fastifyError instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        return {
          error: new ArbiterError('INVALID_INPUT', `the body is not valid JSON: ${fastifyError.message}`),
          internal: false,
        };
      }
      if (
        typeof fastifyError.statusCode === 'number' &&
        fastifyError.statusCode >= 400 &&
        fastifyError.statusCode < 500
      ) {
        return { error: new ArbiterError('INVALID_INPUT', fastifyError.message), internal: false };
      }
      return {
        error: new ArbiterError(
          'INTERNAL',
          'internal error; the server log has the details under this request id',
        ),
        internal: true,
      };
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const { error, retryAfter, internal } = toArbiterError(thrown);
  if (internal) request.log.error({ err: thrown }, 'request failed');
  const body: ErrorBody = {
    error: error.code,
    message: error.message,
    status: error.status,
    timestamp: new Date().toISOString(),
    path: request.url,
    requestId: String(request.id),
  };
  // Also here, not only in the onRequest hook: errors raised before routing never reach that hook.
  void reply.header('x-request-id', String(request.id));
  if (retryAfter !== undefined) {
    body.retryAfter = retryAfter;
    void reply.header('Retry-After', String(retryAfter));
  }
  return reply.code(error.status).type('application/json').send(body);
}

/** An ArbiterError that tells the client when to come back. */
export function withRetryAfter(error: ArbiterError, seconds: number): ArbiterError {
  error.retryAfter = Math.max(1, Math.ceil(seconds));
  return error;
}
