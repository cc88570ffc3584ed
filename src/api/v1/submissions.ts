import type { FastifyInstance } from 'fastify';
import type { SubmissionInput } from '../../service/submission-request.js';
import { isFinal, toSummary, toView } from '../../service/submission-view.js';
import { SUBMISSION_STATUSES, type SubmissionStatus } from '../../judge/types.js';
import { callerOf } from '../auth.js';
import { toArbiterError } from '../error-format.js';
import { idParams, submissionBodySchema } from '../schemas.js';
import { streamSubmissionEvents } from '../push.js';
import { chargeSubmissions } from '../rate-limit.js';

/** Submissions per listing page: by default, and at most. */
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The native submission routes, a plugin over the service façade (`app.arbiter`). */
export async function registerSubmissionRoutes(app: FastifyInstance): Promise<void> {
  const { arbiter, rateLimits } = app;
  const service = arbiter.submissions;

  // The service refuses work while shutting down and when the queue is full, with Retry-After.
  const submit = (input: SubmissionInput, caller: ReturnType<typeof callerOf>) =>
    service.submit(input, caller);

  app.get<{
    Querystring: {
      limit: number;
      cursor?: string;
      status?: SubmissionStatus;
      language?: string;
      keyId?: string;
    };
  }>(
    '/api/v1/submissions',
    {
      schema: {
        summary: "The caller's submissions, newest first, a page at a time (admins: every key's)",
        description:
          'Summaries without sources or outputs. Pass nextCursor back as cursor for the next page; ' +
          'it is null on the last one. keyId (admins only) narrows to one key.',
        tags: ['submissions'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE },
            cursor: { type: 'string', pattern: '^[0-9]{1,15}$' },
            status: { type: 'string', enum: [...SUBMISSION_STATUSES] },
            language: { type: 'string', minLength: 1, maxLength: 64 },
            keyId: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
      },
    },
    async (request) => {
      const { cursor, ...rest } = request.query;
      const page = await service.list(callerOf(request), {
        ...rest,
        ...(cursor === undefined ? {} : { cursor: Number(cursor) }),
      });
      return {
        submissions: page.records.map(toSummary),
        nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
      };
    },
  );

  app.post<{ Body: SubmissionInput; Querystring: { wait?: boolean } }>(
    '/api/v1/submissions',
    {
      schema: {
        summary: 'Submit a program to run or judge',
        description:
          '202 with the id and queue position; with ?wait=true, 200 with the result once done (bounded by the server maximum wait, after which 202).',
        tags: ['submissions'],
        body: submissionBodySchema,
        querystring: { type: 'object', properties: { wait: { type: 'boolean' } } },
      },
      preHandler: chargeSubmissions(rateLimits, (body: SubmissionInput) => [body.user]),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { record, position } = await submit(request.body, caller);
      if (request.query.wait) {
        const done = await service.waitForFinal(record.id, arbiter.config.maxWaitMs, callerOf(request));
        const final = isFinal(done.status);
        return reply
          .code(final ? 200 : 202)
          .send(toView(done, final ? null : await service.position(record.id)));
      }
      if (record.status !== 'queued') return reply.code(200).send(toView(record, null));
      return reply.code(202).send({ id: record.id, status: 'queued', position });
    },
  );

  app.post<{ Body: { submissions: SubmissionInput[] } }>(
    '/api/v1/submissions/batch',
    {
      schema: {
        summary: 'Submit up to 100 programs at once',
        description: 'Each item is answered on its own: {id, status, position} or an error object.',
        tags: ['submissions'],
        body: {
          type: 'object',
          required: ['submissions'],
          additionalProperties: false,
          properties: {
            submissions: { type: 'array', items: submissionBodySchema, minItems: 1, maxItems: 100 },
          },
        },
      },
      // A batch does the work of one request per submission, and pays for it.
      preHandler: chargeSubmissions(rateLimits, (body: { submissions: SubmissionInput[] }) =>
        body.submissions.map((input) => input.user),
      ),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const results = [];
      for (const input of request.body.submissions) {
        try {
          const { record, position } = await submit(input, caller);
          results.push({ id: record.id, status: record.status, position });
        } catch (error) {
          const { error: e } = toArbiterError(error);
          results.push({ error: e.code, message: e.message, status: e.status });
        }
      }
      return reply.code(202).send({ submissions: results });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/submissions/:id',
    {
      schema: {
        summary: 'A submission and, once finished, its result',
        description:
          'A visible test that a built-in checker judged wrong_answer carries `diff` (components/schemas/OutputDiff).',
        tags: ['submissions'],
        params: idParams,
      },
    },
    async (request) => {
      const record = await service.get(request.params.id, callerOf(request));
      return toView(record, await service.position(record.id));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/submissions/:id',
    {
      schema: {
        summary: 'Cancel a queued or running submission',
        description: 'A running program is killed at once. A finished submission is returned unchanged.',
        tags: ['submissions'],
        params: idParams,
      },
    },
    async (request) => toView(await service.cancel(request.params.id, callerOf(request)), null),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/submissions/:id/events',
    {
      schema: {
        summary: 'Server-sent events for one submission',
        description:
          'Sends the current state at once, then queued/running/finished events; closes after finished.',
        tags: ['push'],
        params: idParams,
      },
    },
    async (request, reply) => {
      const record = await service.get(request.params.id, callerOf(request));
      streamSubmissionEvents(arbiter, request, reply, record);
    },
  );
}
