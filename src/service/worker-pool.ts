import type { FinalStatus, JudgeResult } from '../judge/types.js';
import { boundOutput } from '../judge/stage.js';
import { judge, pickJudgeSettings, type JudgeDeps } from '../judge/judge.js';
import { judgeOutputs } from '../judge/output-only.js';
import type { LanguageRegistry } from '../languages/registry.js';
import type { SubmissionRecord } from '../store/types.js';
import { resultCacheKey, sandboxFiles } from './normalize.js';
import { outputFileNames } from './problem-files.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Store } from '../store/types.js';
import type { SubmissionEvents } from './events.js';
import { emptyResult, type SubmissionFinisher } from './submission-finisher.js';
import type { RunningJobs } from './submission-service.js';

/** Pause before claiming again after the queue's back end failed. */
const CLAIM_RETRY_MS = 1_000;

/**
 * Everything the worker pool asks of the rest of the service, and nothing more (workerJobsOf wires
 * it to the queue, the store, the finisher and the event bus).
 */
export interface WorkerJobs {
  /** The next job, marked running in the store; null once `signal` aborts. */
  take(signal: AbortSignal): Promise<SubmissionRecord | null>;
  /** Tells whoever follows the submission that it started running. */
  started(record: SubmissionRecord, at: number): void;
  /**
   * Records the final status once (SubmissionFinisher.finish); false when it was already final.
   * `current`: `record` is the row exactly as it is now, so waiters need not read it back.
   */
  finish(
    record: SubmissionRecord,
    status: FinalStatus,
    result: NonNullable<SubmissionRecord['result']>,
    options?: { current?: boolean },
  ): Promise<boolean>;
  /** Acknowledges the job to the queue: it is not handed out again. */
  release(id: string): Promise<void>;
  /** Keeps a result for later identical submissions that ask for the result cache. */
  cacheResult(key: string, result: NonNullable<SubmissionRecord['result']>, at: number): Promise<void>;
}

/** What a worker pool's jobs are wired to (workerJobsOf). */
export interface WorkerJobsParts {
  queue: Pick<JobQueue, 'claim' | 'complete'>;
  store: Pick<Store, 'putCachedResult'>;
  events: Pick<SubmissionEvents, 'publish'>;
  finisher: Pick<SubmissionFinisher, 'finish'>;
}

/** The worker pool's way into the service: the queue hands out jobs, the finisher ends them. */
export function workerJobsOf({ queue, store, events, finisher }: WorkerJobsParts): WorkerJobs {
  return {
    take: (signal) => queue.claim(signal),
    started: (record, at) =>
      events.publish({ type: 'running', id: record.id, keyId: record.keyId, status: 'running', at }),
    finish: finisher.finish,
    release: (id) => queue.complete(id),
    cacheResult: (key, result, at) => store.putCachedResult(key, result, at),
  };
}

/** When a finished job ended, and how long it waited in the queue and then ran. */
export interface FinishedTiming {
  finishedAt: number;
  waitMs: number;
  runMs: number;
}

export interface WorkerPoolOptions {
  /** Loops claiming jobs; normally the sandbox pool's size. */
  concurrency: number;
  /** Starts of one job after which it is given up as internal_error (config maxAttempts). */
  maxAttempts: number;
  /** Output kept per stream and per submission, in KiB (config keptOutputKb, keptOutputTotalKb). */
  keptOutputKb: number;
  keptOutputTotalKb: number;
  /**
   * Called once for each job whose result this pool recorded, before its result is cached: the one
   * hook for "a job finished" (observeFinishedJobs: the metrics and the timing window).
   */
  onFinished?: (record: SubmissionRecord, result: JudgeResult, timing: FinishedTiming) => void;
}

/**
 * In-process workers: each loop claims the next submission, judges it, and records the result.
 * Cancelling a running job aborts its sandbox run at once; whoever creates the pool routes cancels
 * to it (see Runtime), the pool does not wire itself into the service.
 */
export class WorkerPool implements RunningJobs {
  readonly #running = new Map<string, AbortController>();
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  #draining = false;
  /** Set when shutdown's grace period ran out: results of jobs still running are not recorded. */
  #abandoned = false;

  constructor(
    readonly jobs: WorkerJobs,
    readonly deps: JudgeDeps & { registry: LanguageRegistry },
    readonly options: WorkerPoolOptions,
  ) {}

  start(): void {
    for (let i = 0; i < this.options.concurrency; i++) this.#loops.push(this.#loop());
  }

  get busy(): number {
    return this.#running.size;
  }

  cancel(id: string): boolean {
    const controller = this.#running.get(id);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  async #giveUp(record: SubmissionRecord, maxAttempts: number): Promise<void> {
    const message = `gave up after ${maxAttempts} attempts: the submission's worker stopped each time before it finished (see the server log)`;
    try {
      await this.jobs.finish(record, 'internal_error', emptyResult('internal_error', message));
    } catch (error) {
      process.emitWarning(`recording the end of ${record.id} failed: ${(error as Error).message}`);
    }
    await this.jobs.release(record.id).catch(() => undefined);
  }

  async #loop(): Promise<void> {
    while (!this.#draining) {
      let record: SubmissionRecord | null;
      try {
        record = await this.jobs.take(this.#stop.signal);
      } catch (error) {
        // The queue's back end is down (503 for clients): wait a moment and ask again.
        process.emitWarning(`claiming a job failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS).unref());
        continue;
      }
      if (!record) return;
      await this.#process(record);
    }
  }

  async #process(record: SubmissionRecord): Promise<void> {
    const { maxAttempts } = this.options;
    if (record.attempts > maxAttempts) {
      // Each earlier start ended with its worker gone (a crash, a kill): a job that takes its worker
      // down would otherwise do it again after every restart.
      await this.#giveUp(record, maxAttempts);
      return;
    }
    const controller = new AbortController();
    this.#running.set(record.id, controller);
    const startedAt = Date.now();
    this.jobs.started(record, startedAt);
    let result: NonNullable<SubmissionRecord['result']>;
    try {
      const { request } = record;
      const judged = request.outputOnly
        ? await this.#judgeOutputs(record, controller.signal)
        : await judge(this.deps, {
            ...pickJudgeSettings(request),
            language: this.deps.registry.getInstalled(record.language),
            version: record.version ?? 'unknown',
            files: sandboxFiles(request.files),
            problemFiles: request.problemFiles && sandboxFiles(request.problemFiles),
            signal: controller.signal,
          });
      const { keptOutputKb, keptOutputTotalKb } = this.options;
      result = boundOutput(judged, {
        streamBytes: keptOutputKb * 1024,
        totalBytes: keptOutputTotalKb * 1024,
      });
    } catch (error) {
      const status: FinalStatus = controller.signal.aborted ? 'cancelled' : 'internal_error';
      result = emptyResult(
        status,
        controller.signal.aborted ? 'cancelled while running' : (error as Error).message,
      );
    } finally {
      this.#running.delete(record.id);
    }
    if (this.#abandoned) return; // left as running in the store and unacknowledged: it runs again later
    if (controller.signal.aborted && result.status !== 'cancelled')
      result = { ...result, status: 'cancelled' };
    const finishedAt = Date.now();
    let recorded = false;
    try {
      // `record` is the row as markRunning left it: this worker is the only writer since.
      recorded = await this.jobs.finish(record, result.status, result, { current: true });
    } catch (error) {
      // The store is down. The job stays running there; completing it in the queue lets the
      // reconciler run it again once the store is back, and a result is still written only once.
      // (A result the store refuses for its own sake comes back, runs again, and meets maxAttempts.)
      process.emitWarning(`recording the result of ${record.id} failed: ${(error as Error).message}`);
    }
    await this.jobs.release(record.id).catch(() => undefined);
    if (recorded) {
      this.options.onFinished?.(record, result, {
        finishedAt,
        waitMs: startedAt - record.createdAt,
        runMs: finishedAt - startedAt,
      });
      if (record.request.cache && result.status !== 'internal_error' && result.status !== 'cancelled') {
        const key = resultCacheKey({ language: record.language, version: record.version, ...record.request });
        await this.jobs.cacheResult(key, result, finishedAt);
      }
    }
  }

  /** An output-only submission: its files are the outputs, each matched to its test by name. */
  #judgeOutputs(record: SubmissionRecord, signal: AbortSignal): Promise<JudgeResult> {
    const { request } = record;
    const tests = request.tests ?? [];
    const names = outputFileNames(tests);
    const byName = new Map(sandboxFiles(request.files).map((f) => [f.name, Buffer.from(f.content)]));
    return judgeOutputs(this.deps, {
      outputs: names.map((name) => byName.get(name)),
      outputNames: names,
      limits: request.limits,
      tests,
      groups: request.groups,
      checker: request.checker,
      checkerLimits: request.checkerLimits,
      signal,
    });
  }

  /**
   * Stops claiming and waits up to `graceMs` for running jobs. Jobs still running then are stopped
   * without a result, so the store still holds them as running and the next start re-queues them.
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    this.#stop.abort();
    const all = Promise.all(this.#loops);
    let timedOut = false;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        timedOut = true;
        resolve();
      }, graceMs).unref(),
    );
    await Promise.race([all, timer]);
    if (timedOut) {
      this.#abandoned = true;
      for (const controller of this.#running.values()) controller.abort();
    }
  }
}
