import type { FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import type { Backends } from '../backends.js';
import type { Cluster } from '../cluster/cluster.js';
import type { CompileCache } from '../judge/compile-cache.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { AdaptiveRatePolicy } from '../ratelimit/adaptive.js';
import type { ArbiterMetrics } from '../service/metrics.js';

/**
 * What the probes read besides the façade (`app.arbiter`: settings, languages, sandbox, result
 * cache, subscribers), each part narrowed to what a probe asks of it. The app builds it from the
 * Runtime.
 */
export interface HealthSources {
  readonly version: string;
  readonly startedAt: number;
  /** True once shutdown began: /health answers 503 so a balancer stops sending work. */
  closing(): boolean;
  readonly backends: Pick<Backends, 'dependencies' | 'mode' | 'storeKind' | 'recovered'>;
  readonly queue: Pick<JobQueue, 'length'>;
  readonly cluster: Pick<Cluster, 'workers'>;
  /** Jobs this process's workers are running now; 0 without workers. */
  busy(): number;
  readonly adaptive: Pick<AdaptiveRatePolicy, 'factor'>;
  readonly compileCache: Pick<CompileCache, 'stats'>;
  readonly metrics: Pick<ArbiterMetrics, 'registry'>;
}

/** /health answers from memory only; /health/detailed looks at every part; /metrics is Prometheus. */
export function registerHealthRoutes(app: FastifyInstance, health: HealthSources): void {
  const { arbiter } = app;
  app.get(
    '/health',
    { schema: { summary: 'Liveness: fast, touches nothing', tags: ['health'] } },
    async (_request, reply) => {
      const status = health.closing() ? 'shutting_down' : 'ok';
      return reply
        .code(health.closing() ? 503 : 200)
        .send({ status, uptimeSeconds: Math.round((Date.now() - health.startedAt) / 1000) });
    },
  );

  app.get(
    '/health/detailed',
    { schema: { summary: 'Queue, store, sandbox, workers and languages', tags: ['health'] } },
    async (_request, reply) => {
      let dependencies: Record<string, { ok: boolean; error?: string }>;
      try {
        dependencies = await health.backends.dependencies();
      } catch (error) {
        dependencies = { store: { ok: false, error: (error as Error).message } };
      }
      const sandbox = arbiter.sandbox?.stats() ?? null;
      const languages = await arbiter.languages.describe();
      const installed = languages.filter((l) => l.installed);
      // Scale-out: every live worker machine of the cluster; embedded: this process.
      const workers = (await health.cluster.workers().catch(() => [])) ?? [
        {
          host: hostname(),
          pid: process.pid,
          concurrency: arbiter.config.workers,
          running: health.busy(),
          state: 'up',
        },
      ];
      // An API node without a sandbox is healthy if somebody runs the programs.
      const runsSomewhere = (sandbox?.slots ?? 0) > 0 || workers.length > 0;
      const ok = Object.values(dependencies).every((d) => d.ok) && runsSomewhere && !health.closing();
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'degraded',
        version: health.version,
        mode: health.backends.mode,
        uptimeSeconds: Math.round((Date.now() - health.startedAt) / 1000),
        queue: {
          length: await health.queue.length().catch(() => null),
          maxLength: arbiter.config.maxQueueLength,
          recoveredAtStart: health.backends.recovered,
        },
        store: {
          kind: health.backends.storeKind,
          ...(dependencies[health.backends.storeKind] ?? dependencies.store ?? { ok: false }),
        },
        dependencies,
        sandbox: sandbox
          ? { ...sandbox, ok: sandbox.slots > 0 }
          : { ok: false, slots: 0, note: 'this node runs no programs' },
        workers,
        rateLimit: { factor: health.adaptive.factor, ipRatePerSec: arbiter.config.ipRatePerSec },
        caches: {
          compile: health.compileCache.stats(),
          result: {
            hits: arbiter.submissions.counters.cacheHits,
            misses: arbiter.submissions.counters.cacheMisses,
          },
        },
        push: { subscribers: arbiter.subscribers },
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
      const text = await health.metrics.registry.metrics();
      return reply.type(health.metrics.registry.contentType).send(text);
    },
  );
}
