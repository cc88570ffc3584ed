/**
 * Judge0's error answers: `{"error": "..."}` with the HTTP status (`{"field": ["..."]}` with 422 for
 * invalid submissions). Every route under this folder answers in these shapes, including the
 * auth and rate-limit refusals raised before a route runs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../../../errors.js';
import { toArbiterError } from '../../error-format.js';
import type { FieldErrors } from './request.js';

/** An answer a route decided on: thrown, then sent as it is by the handler below. */
export class Judge0Reply extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown> | FieldErrors,
  ) {
    super(`judge0 reply ${statusCode}`);
    this.name = 'Judge0Reply';
  }
}

export const judge0Error = (statusCode: number, error: string): Judge0Reply =>
  new Judge0Reply(statusCode, { error });

/** Judge0's words where it has its own; otherwise the Arbiter message. */
const MESSAGES: Partial<Record<string, string>> = {
  [ErrorCodes.QUEUE_FULL.code]: 'queue is full',
};

export function sendJudge0Error(request: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  if (thrown instanceof Judge0Reply) return reply.code(thrown.statusCode).send(thrown.body);
  const { error, retryAfter, internal } = toArbiterError(thrown);
  if (internal) request.log.error({ err: thrown }, 'request failed');
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  return reply.code(error.status).send({ error: MESSAGES[error.code] ?? error.message });
}
