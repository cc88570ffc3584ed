import type { FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import type { Runtime } from '../runtime.js';

/** /health answers from memory only; /health/detailed looks at every part; /metrics is Prometheus. */
export function registerHealthRoutes(app: FastifyInstance, runtime: Runtime, version: string): void {
  app.get(
    '/health',
    { schema: { summary: 'Liveness: fast, touches nothing', tags: ['health'] } },
    async (_request, reply) => {
      const status = runtime.closing ? 'shutting_down' : 'ok';
      return reply
        .code(runtime.closing ? 503 : 200)
        .send({ status, uptimeSeconds: Math.round((Date.now() - runtime.startedAt) / 1000) });
    },
  );

  app.get(
    '/health/detailed',
    { schema: { summary: 'Queue, store, sandbox, workers and languages', tags: ['health'] } },
    async (_request, reply) => {
      let dependencies: Record<string, { ok: boolean; error?: string }>;
      try {
        dependencies = await runtime.backends.dependencies();
      } catch (error) {
        dependencies = { store: { ok: false, error: (error as Error).message } };
      }
      const sandbox = runtime.pool?.stats() ?? null;
      const languages = await runtime.registry.describe();
      const installed = languages.filter((l) => l.installed);
      // Scale-out: every live worker machine of the cluster; embedded: this process.
      const workers = (await runtime.cluster.workers().catch(() => [])) ?? [
        {
          host: hostname(),
          pid: process.pid,
          concurrency: runtime.config.workers,
          running: runtime.workers?.busy ?? 0,
          state: 'up',
        },
      ];
      // An API node without a sandbox is healthy if somebody runs the programs.
      const runsSomewhere = (sandbox?.slots ?? 0) > 0 || workers.length > 0;
      const ok = Object.values(dependencies).every((d) => d.ok) && runsSomewhere && !runtime.closing;
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'degraded',
        version,
        mode: runtime.backends.mode,
        uptimeSeconds: Math.round((Date.now() - runtime.startedAt) / 1000),
        queue: {
          length: await runtime.queue.length().catch(() => null),
          maxLength: runtime.config.maxQueueLength,
          recoveredAtStart: runtime.recovered,
        },
        store: {
          kind: runtime.backends.storeKind,
          ...(dependencies[runtime.backends.storeKind] ?? dependencies.store ?? { ok: false }),
        },
        dependencies,
        sandbox: sandbox
          ? { ...sandbox, ok: sandbox.slots > 0 }
          : { ok: false, slots: 0, note: 'this node runs no programs' },
        workers,
        rateLimit: { factor: runtime.adaptive.factor, ipRatePerSec: runtime.config.ipRatePerSec },
        caches: {
          compile: runtime.compileCache.stats(),
          result: { hits: runtime.service.counters.cacheHits, misses: runtime.service.counters.cacheMisses },
        },
        push: { subscribers: runtime.arbiter.subscribers },
        languages: {
          installed: installed.length,
          known: languages.length,
          missing: languages.filter((l) => !l.installed).map((l) => l.id),
        },
      });
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['health'] } },
    async (_request, reply) => {
      const text = await runtime.metrics.registry.metrics();
      return reply.type(runtime.metrics.registry.contentType).send(text);
    },
  );
}
