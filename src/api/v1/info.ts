import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';

/** Queue statistics as the service's users asked for them: totals, timings, per language. */
export async function queueStats(runtime: Runtime) {
  const totals = {
    queued: 0,
    running: 0,
    processed: 0,
    accepted: 0,
    failed: 0,
    cancelled: 0,
    timedOut: runtime.service.counters.timedOut,
  };
  const byLanguage: Record<string, Record<string, number>> = {};
  for (const { status, language, count } of await runtime.store.countByStatus()) {
    (byLanguage[language] ??= {})[status] = count;
    if (status === 'queued') totals.queued += count;
    else if (status === 'running') totals.running += count;
    else {
      totals.processed += count;
      if (status === 'accepted') totals.accepted += count;
      else if (status === 'cancelled') totals.cancelled += count;
      else totals.failed += count;
    }
  }
  const timings = runtime.timings.summary();
  return {
    length: await runtime.queue.length(),
    running: runtime.workers?.busy ?? totals.running,
    workers: runtime.config.workers,
    maxLength: runtime.config.maxQueueLength,
    rateLimitFactor: runtime.adaptive.factor,
    totals,
    last15Minutes: { ...timings, byLanguage: undefined },
    byLanguage: Object.fromEntries(
      Object.entries(byLanguage).map(([language, statuses]) => [
        language,
        { statuses, timings: timings.byLanguage[language] ?? null },
      ]),
    ),
  };
}

export function registerInfoRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get(
    '/api/v1/languages',
    { schema: { summary: 'Installed languages with versions', tags: ['info'] } },
    async () => ({
      languages: (await runtime.registry.describe()).filter((l) => l.installed),
    }),
  );

  app.get('/api/v1/queue', { schema: { summary: 'Queue statistics', tags: ['info'] } }, async () =>
    queueStats(runtime),
  );
}
