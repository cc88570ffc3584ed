import type { FastifyInstance } from 'fastify';
import { isFinal, toView } from '../service/submission-view.js';
import { callerOf } from './auth.js';
import { idParams } from './schemas.js';

/** Routes for small clients: one call runs a program and answers with the result. */
export async function registerSimpleRoutes(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  const service = arbiter.submissions;

  app.post<{ Body: { language: string; code: string; stdin?: string } }>(
    '/run',
    {
      schema: {
        summary: 'Run code and wait for the result',
        tags: ['simple'],
        body: {
          type: 'object',
          required: ['language', 'code'],
          additionalProperties: false,
          properties: {
            language: { type: 'string' },
            code: { type: 'string', minLength: 1 },
            stdin: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const { record } = await service.submit(
        { language: request.body.language, source: request.body.code, stdin: request.body.stdin },
        callerOf(request),
      );
      const done = await service.waitForFinal(record.id, arbiter.config.maxWaitMs, callerOf(request));
      const final = isFinal(done.status);
      return reply.code(final ? 200 : 202).send(toView(done, final ? null : await service.position(done.id)));
    },
  );

  app.get(
    '/queue/status',
    { schema: { summary: 'Queue statistics (same as /api/v1/queue)', tags: ['simple'] } },
    async () => arbiter.queueStats(),
  );

  app.get<{ Params: { id: string } }>(
    '/queue/job/:id',
    { schema: { summary: 'A submission by id', tags: ['simple'], params: idParams } },
    async (request) => {
      const record = await service.get(request.params.id, callerOf(request));
      return toView(record, await service.position(record.id));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/queue/job/:id',
    { schema: { summary: 'Cancel a submission', tags: ['simple'], params: idParams } },
    async (request) => toView(await service.cancel(request.params.id, callerOf(request)), null),
  );
}
