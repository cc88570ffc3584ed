import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import type { SubmissionStatus } from '../judge/types.js';
import type { LanguageRegistry } from '../languages/registry.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Store, SubmissionQuery, SubmissionRecord } from '../store/types.js';
import { audienceOf, canSee, isAdmin, submitterOf, visibleSubmission, type Caller } from './caller.js';
import type { SubmissionEvents } from './events.js';
import { resultCacheKey } from './normalize.js';
import { emptyResult, type SubmissionFinisher } from './submission-finisher.js';
import { resolveSubmission, type SubmissionInput } from './submission-request.js';
import { uuid7 } from './uuid7.js';

/** Seconds a client should wait before retrying when the queue is full: about one drain step. */
const QUEUE_FULL_RETRY_SECONDS = 5;
/** Seconds a client should wait before retrying against a server that is shutting down. */
const SHUTDOWN_RETRY_SECONDS = 10;

export interface SubmitOutcome {
  record: SubmissionRecord;
  position: number | null;
}

/** The result cache's counters the metrics and /health/detailed read. */
export interface ServiceCounters {
  cacheHits: number;
  cacheMisses: number;
}

/** Cancels a running submission's sandbox; implemented by the worker pool. */
export interface RunningJobs {
  cancel(id: string): boolean;
}

/**
 * The service's one entry point for submissions, shared by the native, simple and compatibility
 * APIs: admit (the shutdown gate, back-pressure, the queue share), store and queue, look up, list,
 * cancel, wait, every record shaped for its caller. What a submission asks is checked by
 * service/submission-request.ts; how it ends, by service/submission-finisher.ts.
 */
export class SubmissionService {
  readonly counters: ServiceCounters = { cacheHits: 0, cacheMisses: 0 };
  running: RunningJobs = { cancel: () => false };
  #accepting = true;

  constructor(
    readonly config: ArbiterConfig,
    readonly store: Store,
    readonly queue: JobQueue,
    readonly registry: LanguageRegistry,
    readonly events: SubmissionEvents,
    readonly finisher: SubmissionFinisher,
  ) {}

  /** Shutdown: from now on, new work is refused with SHUTTING_DOWN (503, Retry-After). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /**
   * Throws SHUTTING_DOWN once the server is shutting down. Every way in that starts work (a
   * submission of any API, an interactive session) asks here first.
   */
  assertAccepting(): void {
    if (!this.#accepting)
      throw new ArbiterError('SHUTTING_DOWN', 'the server is shutting down', {
        retryAfter: SHUTDOWN_RETRY_SECONDS,
      });
  }

  async submit(input: SubmissionInput, caller: Caller): Promise<SubmitOutcome> {
    this.assertAccepting();
    const { language, version, priority, callback, request } = await resolveSubmission(input, caller, {
      config: this.config,
      registry: this.registry,
      problems: this.store,
    });

    const now = Date.now();
    const cacheKey = input.cache ? resultCacheKey({ language, version, ...request }) : null;
    const cached = cacheKey ? await this.store.getCachedResult(cacheKey) : null;
    if (cacheKey) {
      if (cached) this.counters.cacheHits++;
      else this.counters.cacheMisses++;
    }
    if (!cached && (await this.queue.length()) >= this.config.maxQueueLength) {
      throw new ArbiterError(
        'QUEUE_FULL',
        `the queue is full (${this.config.maxQueueLength} waiting); retry shortly`,
        {
          retryAfter: QUEUE_FULL_RETRY_SECONDS,
        },
      );
    }

    if (!cached) await this.#checkQueueQuota(caller);

    const record = await this.store.createSubmission(
      {
        id: uuid7(now),
        priority,
        keyId: caller.keyId,
        user: input.user ?? null,
        submitter: submitterOf(caller, input.user),
        language,
        version,
        problemId: input.problemId ?? null,
        callback,
        request,
      },
      now,
    );
    if (cached) {
      await this.finisher.finish(record, cached.status, { ...cached, cached: true });
      return { record: this.#shown((await this.store.getSubmission(record.id))!, caller), position: null };
    }
    let position: number;
    try {
      ({ position } = await this.queue.enqueue(record));
    } catch (error) {
      // The client hears 503 and will retry: this copy must not run later behind its back.
      await this.finisher.finish(
        record,
        'internal_error',
        emptyResult('internal_error', 'not queued: the queue was unavailable'),
      );
      throw error;
    }
    this.events.publish({
      type: 'queued',
      id: record.id,
      keyId: record.keyId,
      status: 'queued',
      position,
      at: now,
    });
    return { record, position };
  }

  /**
   * One key may not fill the queue for everyone (two batches of 100 once did): past its share it is
   * refused, the others go on. All anonymous callers share one share; admin keys have none.
   */
  async #checkQueueQuota(caller: Caller): Promise<void> {
    const quota = this.config.maxQueuedPerKey;
    if (isAdmin(caller)) return;
    const waiting = await this.store.countSubmissions({ keyId: caller.keyId, status: 'queued' });
    if (waiting < quota) return;
    const who = caller.keyId ? 'this API key has' : 'anonymous callers have';
    throw new ArbiterError(
      'QUEUE_QUOTA',
      `${who} ${waiting} submissions waiting, the most one key may have (maxQueuedPerKey ${quota}); retry once some have run`,
      { retryAfter: QUEUE_FULL_RETRY_SECONDS },
    );
  }

  /**
   * The submission as this caller may see it (hidden tests shaped by service/caller.ts); 404
   * when it may not see it at all (not 403: ids are not confirmed to strangers).
   */
  async get(id: string, caller: Caller): Promise<SubmissionRecord> {
    const record = await this.find(id, caller);
    if (!record) throw new ArbiterError('SUBMISSION_NOT_FOUND', `no submission with id ${id}`);
    return record;
  }

  /** As get, but null instead of the 404. */
  async find(id: string, caller: Caller): Promise<SubmissionRecord | null> {
    const record = await this.store.getSubmission(id);
    return record && canSee(caller, record.keyId) ? this.#shown(record, caller) : null;
  }

  /** Every record that leaves the service passes here: what this caller may see of it. */
  #shown(record: SubmissionRecord, caller: Caller): SubmissionRecord {
    return visibleSubmission(record, audienceOf(caller));
  }

  /**
   * A page of the caller's submissions, newest first: admins see every key's (or one key's, asked
   * by keyId), others their own key's (anonymous callers, the anonymous ones). The cursor is the
   * seq of the last submission of the previous page; null when nothing older remains.
   */
  async list(
    caller: Caller,
    options: { limit: number; cursor?: number; status?: SubmissionStatus; language?: string; keyId?: string },
  ): Promise<{ records: SubmissionRecord[]; nextCursor: number | null }> {
    if (options.keyId !== undefined && !isAdmin(caller) && options.keyId !== caller.keyId)
      throw new ArbiterError('FORBIDDEN', 'only an admin key may list the submissions of another key');
    const query: SubmissionQuery = {
      keyId: isAdmin(caller) ? options.keyId : caller.keyId,
      limit: options.limit,
    };
    if (options.cursor !== undefined) query.beforeSeq = options.cursor;
    if (options.status !== undefined) query.status = options.status;
    if (options.language !== undefined) query.language = options.language;
    const records = await this.store.listSubmissions(query);
    const full = records.length === options.limit;
    return {
      records: records.map((r) => this.#shown(r, caller)),
      nextCursor: full ? records.at(-1)!.seq : null,
    };
  }

  /**
   * A numbered page of the caller's submissions, oldest first unless `newestFirst`, with the total
   * over all pages (Judge0's GET /submissions). Admins see every key's, others their own key's.
   */
  async listNumberedPage(
    caller: Caller,
    options: { offset: number; limit: number; newestFirst?: boolean },
  ): Promise<{ records: SubmissionRecord[]; total: number }> {
    const { newestFirst = false, ...page } = options;
    const filter = { keyId: isAdmin(caller) ? undefined : caller.keyId };
    const [records, total] = await Promise.all([
      this.store.listSubmissions({ ...filter, oldestFirst: !newestFirst, ...page }),
      this.store.countSubmissions(filter),
    ]);
    return { records: records.map((r) => this.#shown(r, caller)), total };
  }

  position(id: string): Promise<number | null> {
    return this.queue.position(id);
  }

  /** Cancels a queued or running submission; a finished one is left as it is. */
  async cancel(id: string, caller: Caller): Promise<SubmissionRecord> {
    const record = await this.get(id, caller);
    if (record.status !== 'queued' && record.status !== 'running') return record;
    if (await this.queue.remove(id)) {
      await this.finisher.finish(record, 'cancelled', emptyResult('cancelled', 'cancelled before it ran'));
    } else if (this.running.cancel(id)) {
      await this.waitForFinal(id, 10_000, caller);
    } else {
      // Running in another process, or claimed a moment ago: record the cancel here (the worker's
      // later finish changes nothing) and ask whoever runs it to stop.
      await this.finisher.finish(record, 'cancelled', emptyResult('cancelled', 'cancelled while running'));
      this.events.requestCancel(id);
    }
    return this.#shown((await this.store.getSubmission(id))!, caller);
  }

  /**
   * Resolves with the submission once final, or as it is when `timeoutMs` passes, as `caller` may
   * see it (the caller must have been allowed to see it: get or submit first).
   */
  waitForFinal(
    id: string,
    timeoutMs: number,
    caller: Caller,
    signal?: AbortSignal,
  ): Promise<SubmissionRecord> {
    return new Promise((resolve, reject) => {
      const wait: { timer?: NodeJS.Timeout; settled: boolean } = { settled: false };
      const done = () => {
        if (wait.settled) return;
        wait.settled = true;
        clearTimeout(wait.timer);
        unsubscribe();
        signal?.removeEventListener('abort', done);
        const final = this.finisher.peekFinished(id);
        if (final) resolve(this.#shown(final, caller));
        else this.store.getSubmission(id).then((record) => resolve(this.#shown(record!, caller)), reject);
      };
      const unsubscribe = this.events.onSubmission(id, (event) => {
        if (event.type === 'finished') done();
      });
      wait.timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      // Looked at after subscribing, so a finish in between is never missed.
      this.store.getSubmission(id).then((now) => {
        if (!now || (now.status !== 'queued' && now.status !== 'running')) done();
      }, reject);
    });
  }
}
