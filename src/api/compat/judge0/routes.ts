/**
 * Judge0 CE's API at its own paths (/submissions, /languages, /statuses, …), so Judge0 clients work
 * unchanged against Arbiter. The routes live in their own Fastify scope: it answers errors in Judge0's
 * shapes and also reads form-encoded bodies, as Judge0 does, without changing the rest of the app.
 */
import type { FastifyInstance } from 'fastify';
import { sendJudge0Error } from './errors.js';
import { registerInfoRoutes } from './info-routes.js';
import { judge0Settings } from './settings.js';
import { DailyCreations } from './statistics.js';
import { registerSubmissionRoutes } from './submission-routes.js';

export async function registerJudge0Routes(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  const settings = judge0Settings(arbiter.config);
  const creations = new DailyCreations();
  const stopCounting = creations.follow(arbiter.events);
  app.addHook('onClose', async () => {
    stopCounting();
  });

  await app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => sendJudge0Error(request, reply, error));
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    registerSubmissionRoutes(scope, settings);
    registerInfoRoutes(scope, settings, creations);
  });
}
