import type { Cluster } from '../cluster/cluster.js';
import type { ArbiterConfig } from '../config.js';
import type { LanguageRegistry } from '../languages/registry.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { AdaptiveRatePolicy } from '../ratelimit/adaptive.js';
import type { SandboxPool } from '../sandbox/pool.js';
import type { StatusCount, Store } from '../store/types.js';
import type { SubmissionEvents } from './events.js';
import type { TimingWindow } from './metrics.js';
import type { SubmissionFinisher } from './submission-finisher.js';
import type { SubmissionService } from './submission-service.js';

/**
 * The problem catalogue as the problem, package and gradebook routes use it: problems and their
 * rows, nothing of submissions, keys or the queue.
 */
export type ProblemCatalog = Pick<
  Store,
  'getProblem' | 'putProblem' | 'listProblems' | 'deleteProblem' | 'gradebook' | 'deleteProblemSubmissions'
>;

/** API keys as the auth hook looks them up (api/auth.ts): by the hash of the key, nothing else. */
export type KeyDirectory = Pick<Store, 'findKeyByHash'>;

/** Where a verification that failed in Arbiter itself is reported (the server's logger). */
export interface VerificationLog {
  error(details: object, message: string): void;
}

/** Starts checking a problem's reference solutions (src/packages/verification.ts). */
export type StartVerification = (problemId: string, log: VerificationLog) => void;

/** What the façade is built from; Runtime wires it (src/runtime.ts). */
export interface ArbiterServiceParts {
  config: ArbiterConfig;
  registry: LanguageRegistry;
  submissions: SubmissionService;
  /** Read for the count of queue timeouts. */
  finisher: Pick<SubmissionFinisher, 'timedOut'>;
  events: SubmissionEvents;
  store: Store;
  queue: JobQueue;
  cluster: Cluster;
  timings: TimingWindow;
  adaptive: AdaptiveRatePolicy;
  /** This process's warm slots, or null on an API node that leaves the programs to worker machines. */
  sandbox: SandboxPool | null;
  /** This process's workers (how many jobs they are running now); null when it has none. */
  workers: { readonly busy: number } | null;
  startVerification: StartVerification;
}

/**
 * The one service the HTTP layer talks to (decorated onto Fastify as `app.arbiter`, src/api/context.ts).
 * Visibility, back-pressure and shutdown live in `submissions`; the native, Judge0 and Piston routes
 * only translate shapes in and out of it and never reach the store or the queue themselves.
 */
export class ArbiterService {
  /** Open SSE streams and WebSocket connections following submissions (a metric and /health/detailed). */
  subscribers = 0;
  readonly config: ArbiterConfig;
  readonly languages: LanguageRegistry;
  /** Submit, look up, list, cancel, wait: every record it returns is shaped for its caller. */
  readonly submissions: SubmissionService;
  /** Submission events, for pushes; what a caller may follow is decided by service/caller.ts. */
  readonly events: SubmissionEvents;
  /** Problems and gradebooks. */
  readonly problems: ProblemCatalog;
  /** API keys, looked up by hash. */
  readonly keys: KeyDirectory;
  readonly #parts: ArbiterServiceParts;

  constructor(parts: ArbiterServiceParts) {
    this.#parts = parts;
    this.config = parts.config;
    this.languages = parts.registry;
    this.submissions = parts.submissions;
    this.events = parts.events;
    this.problems = parts.store;
    this.keys = parts.store;
  }

  /** The sandbox for an interactive session, or null when this node runs no programs. */
  get sandbox(): SandboxPool | null {
    return this.#parts.sandbox;
  }

  /** Starts verifying a problem's reference solutions in the background. */
  startVerification(problemId: string, log: VerificationLog): void {
    this.#parts.startVerification(problemId, log);
  }

  /** Stored submissions counted by status and language. */
  countByStatus(): Promise<StatusCount[]> {
    return this.#parts.store.countByStatus();
  }

  /** Whether the API key with this hash (api/auth.ts hashKey) is an admin's. */
  async isAdminKey(keyHash: string): Promise<boolean> {
    return (await this.keys.findKeyByHash(keyHash))?.role === 'admin';
  }

  /**
   * Capacity to run programs: the cluster's live worker machines in scale-out, this process
   * embedded. `available` counts slots, `working` the jobs running in them.
   */
  async capacity(): Promise<{ queued: number; available: number; working: number }> {
    const { cluster, config, queue, workers } = this.#parts;
    const machines = await cluster.workers();
    return {
      queued: await queue.length(),
      available: machines ? machines.reduce((n, w) => n + w.concurrency, 0) : config.workers,
      working: machines ? machines.reduce((n, w) => n + w.running, 0) : (workers?.busy ?? 0),
    };
  }

  /** Queue statistics as the service's users asked for them: totals, timings, per language. */
  async queueStats() {
    const { store, queue, config, timings: window, adaptive, workers } = this.#parts;
    const totals = {
      queued: 0,
      running: 0,
      processed: 0,
      accepted: 0,
      failed: 0,
      cancelled: 0,
      timedOut: this.#parts.finisher.timedOut,
    };
    const byLanguage: Record<string, Record<string, number>> = {};
    for (const { status, language, count } of await store.countByStatus()) {
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
    const timings = window.summary();
    return {
      length: await queue.length(),
      // Jobs this process runs when it has workers; otherwise the store's count of running rows.
      running: workers?.busy ?? totals.running,
      workers: config.workers,
      maxLength: config.maxQueueLength,
      rateLimitFactor: adaptive.factor,
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
}

/** GET /api/v1/queue's answer (and /queue/status's). */
export type QueueStats = Awaited<ReturnType<ArbiterService['queueStats']>>;
