import type { FastifyInstance } from 'fastify';

/** Languages and queue statistics, a plugin over the service façade (`app.arbiter`). */
export async function registerInfoRoutes(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  app.get(
    '/api/v1/languages',
    { schema: { summary: 'Installed languages with versions', tags: ['info'] } },
    async () => ({
      languages: (await arbiter.languages.describe()).filter((l) => l.installed),
    }),
  );

  app.get('/api/v1/queue', { schema: { summary: 'Queue statistics', tags: ['info'] } }, async () =>
    arbiter.queueStats(),
  );
}
