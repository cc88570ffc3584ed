import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ArbiterMetrics, observeFinishedJobs, TimingWindow } from './service/metrics.js';
import { openBackends, type Backends } from './backends.js';
import { costByCatalog, RunCostHistory } from './queue/run-cost.js';
import { isScaleOut, type ArbiterConfig } from './config.js';
import { CompileCache } from './judge/compile-cache.js';
import { LanguageRegistry } from './languages/registry.js';
import type { JobQueue } from './queue/job-queue.js';
import { AdaptiveRatePolicy } from './ratelimit/adaptive.js';
import type { RateLimiter } from './ratelimit/rate-limiter.js';
import { SandboxPool } from './sandbox/pool.js';
import { CallbackOutbox, type CallbackRenderers } from './service/callback-outbox.js';
import { SubmissionEvents } from './service/events.js';
import type { Cluster } from './cluster/cluster.js';

import { ArbiterService } from './service/arbiter-service.js';
import { verifierOf } from './packages/verification.js';
import { SubmissionService } from './service/submission-service.js';
import { SubmissionFinisher } from './service/submission-finisher.js';
import { WorkerPool, workerJobsOf } from './service/worker-pool.js';
import type { Store } from './store/types.js';
import { compileWebhookAllowlist } from './webhooks/ssrf-guard.js';
import { PACKAGE_VERSION } from './project-root.js';
import { OUTPUT_ONLY_LANGUAGE } from './service/problem-files.js';

/** How often housekeeping runs: queue-wait timeouts, retention, the adaptive rate factor. */
const HOUSEKEEPING_MS = 1000;
const RETENTION_EVERY_MS = 60_000;
const RECONCILE_EVERY_MS = 10_000;
/** How often the cluster is asked about `finished` events that pub/sub may have lost (scale-out). */
const RECOVER_FINISHES_EVERY_MS = 3_000;
const WEBHOOK_SHUTDOWN_GRACE_MS = 5_000;

/** What the process that starts a Runtime brings to it. */
export interface RuntimeOptions {
  /**
   * The callback bodies of every format, made for this process's languages and settings: the
   * APIs' shapes (api/callback-formats.ts), which the service layer does not import.
   */
  callbackRenderers: (registry: LanguageRegistry, config: ArbiterConfig) => CallbackRenderers;
}

/**
 * Everything one Arbiter process runs, wired together: store, queue, sandbox, workers, events,
 * rate limits, metrics. The routes of src/api see only its façade, `arbiter` (service/arbiter-service.ts);
 * the app's hooks (rate limits, keys, health, metrics) read the rest. `pool` and `workers` are null
 * on a scale-out API node that leaves the programs to worker machines.
 */
export class Runtime {
  readonly startedAt = Date.now();
  readonly timings = new TimingWindow();
  readonly adaptive: AdaptiveRatePolicy;
  readonly metrics: ArbiterMetrics;
  readonly service: SubmissionService;
  /** Records every final status, whoever ends the submission (workers, cancels, the reconciler). */
  readonly finisher: SubmissionFinisher;
  /** The one service the HTTP routes talk to. */
  readonly arbiter: ArbiterService;
  readonly workers: WorkerPool | null;
  readonly compileCache: CompileCache;
  /** Sends every callback, in the shape of the API that accepted the submission. */
  readonly callbacks: CallbackOutbox;
  readonly workerId = randomUUID();
  #queueLength = 0;
  #timers: NodeJS.Timeout[] = [];
  #closing = false;

  private constructor(
    readonly config: ArbiterConfig,
    readonly backends: Backends,
    readonly events: SubmissionEvents,
    readonly pool: SandboxPool | null,
    readonly registry: LanguageRegistry,
    options: RuntimeOptions,
    costHistory: RunCostHistory | null,
  ) {
    this.adaptive = new AdaptiveRatePolicy({
      threshold: config.adaptiveThreshold,
      minFactor: config.adaptiveMinFactor,
    });
    this.compileCache = new CompileCache({
      dir: join(config.dataDir, 'compile-cache'),
      maxBytes: config.compileCacheBytes,
    });
    const { store, queue } = backends;
    this.finisher = new SubmissionFinisher({ config, store, queue, events });
    this.service = new SubmissionService(config, store, queue, registry, events, this.finisher);
    this.metrics = new ArbiterMetrics({
      // The last length housekeeping read: a scrape must not wait on Redis.
      queueLength: () => this.#queueLength,
      running: () => this.workers?.busy ?? 0,
      rateFactor: () => this.adaptive.factor,
      resultCache: () => ({
        hits: this.service.counters.cacheHits,
        misses: this.service.counters.cacheMisses,
      }),
      compileCache: () => this.compileCache.stats(),
      sandbox: () => pool?.stats() ?? { rebuilt: 0, slots: 0 },
      subscribers: () => this.arbiter.subscribers,
    });
    this.workers = pool
      ? new WorkerPool(
          workerJobsOf({ queue, store, events, finisher: this.finisher }),
          { pool, registry, compileCache: this.compileCache },
          {
            concurrency: config.workers,
            maxAttempts: config.maxAttempts,
            keptOutputKb: config.keptOutputKb,
            keptOutputTotalKb: config.keptOutputTotalKb,
            onFinished: observeFinishedJobs(this.metrics, this.timings, costHistory),
          },
        )
      : null;
    if (this.workers) {
      const workers = this.workers;
      this.service.running = workers;
      // A cancel may come from another node; whoever runs the job stops it.
      events.onCancelRequest((id) => workers.cancel(id));
    }
    // Every final state reaches its callback, a cancel or a queue timeout as much as a judged result.
    this.callbacks = new CallbackOutbox({
      events,
      store: backends.store,
      peekFinished: this.finisher.peekFinished,
      renderers: options.callbackRenderers(registry, config),
      secret: config.webhookSecret,
      allowlist: config.webhookAllowlist,
      onOutcome: (outcome) =>
        this.metrics.webhooks.inc({ outcome: outcome.delivered ? 'delivered' : 'failed' }),
    });
    this.callbacks.start();
    this.arbiter = new ArbiterService({
      config,
      registry,
      submissions: this.service,
      finisher: this.finisher,
      events,
      store: backends.store,
      queue: backends.queue,
      cluster: backends.cluster,
      timings: this.timings,
      adaptive: this.adaptive,
      sandbox: pool,
      workers: this.workers,
      startVerification: (problemId, log) => verifierOf(this, log).start(problemId),
    });
  }

  get store(): Store {
    return this.backends.store;
  }

  get queue(): JobQueue {
    return this.backends.queue;
  }

  get rateLimiter(): RateLimiter {
    return this.backends.rateLimiter;
  }

  get cluster(): Cluster {
    return this.backends.cluster;
  }

  get recovered(): { requeued: number; queued: number } {
    return this.backends.recovered;
  }

  /**
   * Opens the back ends (embedded: SQLite, recovering the queue; scale-out: PostgreSQL, BullMQ,
   * Redis), warms the sandbox when this process runs programs, and starts the workers.
   */
  static async start(config: ArbiterConfig, options: RuntimeOptions): Promise<Runtime> {
    compileWebhookAllowlist(config.webhookAllowlist); // a typo fails the start, not a user's submit
    const registry = new LanguageRegistry();
    const events = new SubmissionEvents();
    // A slow compile is the costly part of a class's burst: those jobs yield to quick runs, boundedly.
    const byCatalog = costByCatalog(registry.definitions, [OUTPUT_ONLY_LANGUAGE]);
    // Embedded workers share this process, so their judge times refine the catalog's class.
    const costHistory = isScaleOut(config) ? null : new RunCostHistory();
    const backends = await openBackends(config, events, {
      ...(costHistory ? costHistory.order(byCatalog) : { costOf: byCatalog }),
      overtakeLimit: config.overtakeLimit,
    });
    let pool: SandboxPool | null = null;
    if (config.runsPrograms) {
      try {
        pool = await SandboxPool.create({
          concurrency: config.workers,
          readOnlyDirs: registry.readOnlyDirs(),
          maxLimits: config.maxLimits,
        });
      } catch (error) {
        await backends.close();
        throw error;
      }
    }
    const runtime = new Runtime(config, backends, events, pool, registry, options, costHistory);
    runtime.workers?.start();
    if (pool) {
      await backends.cluster.join({
        id: runtime.workerId,
        host: hostname(),
        pid: process.pid,
        concurrency: config.workers,
        languages: registry.definitions.filter((d) => registry.isInstalled(d)).map((d) => d.id),
        version: PACKAGE_VERSION,
        startedAt: runtime.startedAt,
      });
    }
    // Ask every toolchain its version now, so the first GET /languages does not wait for them all.
    void registry.describe();
    runtime.#startHousekeeping();
    return runtime;
  }

  #startHousekeeping(): void {
    let lastRetention = 0;
    let lastReconcile = 0;
    let lastRecovery = 0;
    const tick = async () => {
      this.#queueLength = await this.queue.length();
      this.adaptive.update(this.#queueLength, Math.max(1, this.config.maxQueueLength));
      if (this.workers) void this.cluster.reportLoad(this.workers.busy);
      await this.finisher.expireWaiting();
      const now = Date.now();
      if (now - lastRetention >= RETENTION_EVERY_MS) {
        lastRetention = now;
        const { resultTtlMs, problemResultTtlMs } = this.config;
        await this.store.deleteFinishedBefore({
          runs: now - resultTtlMs,
          problems: problemResultTtlMs > 0 ? now - problemResultTtlMs : null,
        });
      }
      if (now - lastReconcile >= RECONCILE_EVERY_MS) {
        lastReconcile = now;
        await this.reconcile();
      }
      if (now - lastRecovery >= RECOVER_FINISHES_EVERY_MS) {
        lastRecovery = now;
        this.metrics.eventsRecovered.inc(await this.cluster.recoverLostFinishes());
      }
    };
    let running = false;
    const timer = setInterval(() => {
      if (running) return; // a slow tick (a dependency down) is not stacked on
      running = true;
      void tick()
        .catch((error) => process.emitWarning(`housekeeping failed: ${(error as Error).message}`))
        .finally(() => (running = false));
    }, HOUSEKEEPING_MS);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Runs the reconciler now (tests, and `arbiter` after Redis comes back). Returns how many it re-queued. */
  reconcile(): Promise<number> {
    return this.cluster.reconcile(this.finisher.finish);
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Graceful stop: no new jobs start; running ones get the grace period; queued ones stay queued. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.service.stopAccepting();
    for (const timer of this.#timers) clearInterval(timer);
    await this.cluster.markDraining();
    await this.workers?.drain(this.config.shutdownGraceMs);
    await this.pool?.close();
    // Deliveries still retrying get a short grace; a webhook must not hold a shutdown for minutes.
    await this.callbacks.close(WEBHOOK_SHUTDOWN_GRACE_MS);
    await this.rateLimiter.close();
    await this.backends.close();
  }
}
