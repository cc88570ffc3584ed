import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import { parseChecker, PROBLEM_CHECKER_BOUNDS } from '../judge/checkers.js';
import { resolveCompileLimits, resolveRunLimits } from '../judge/limits-policy.js';
import type { FinalStatus, SubmissionStatus, TestCase } from '../judge/types.js';
import type { LanguageRegistry } from '../languages/registry.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { RunLimits } from '../sandbox/limits.js';
import {
  CALLBACK_FORMATS,
  type CallbackFormat,
  type ProblemRecord,
  type Store,
  type SubmissionCallback,
  type SubmissionQuery,
  type SubmissionRecord,
} from '../store/types.js';
import { checkWebhookTarget } from '../webhooks/ssrf-guard.js';
import { audienceOf, canSee, isAdmin, submitterOf, visibleSubmission, type Caller } from './caller.js';
import { uuid7 } from './uuid7.js';
import type { SubmissionEvents } from './events.js';
import { normalizeFiles, resultCacheKey, validateTests, type FileInput } from './normalize.js';
import { bindProblemFiles, OUTPUT_ONLY_LANGUAGE, outputFiles } from './problem-files.js';

/** Seconds a client should wait before retrying when the queue is full: about one drain step. */
const QUEUE_FULL_RETRY_SECONDS = 5;
/** The longest callback URL any API accepts (Judge0's callback_url allows 2,048). */
const MAX_CALLBACK_URL_CHARS = 2048;
/** Seconds a client should wait before retrying against a server that is shutting down. */
const SHUTDOWN_RETRY_SECONDS = 10;

/** What a client sends to create a submission (DESIGN.md, POST /api/v1/submissions). */
export interface SubmissionInput {
  language: string;
  /** Who the submission is for, in the caller's own terms (a site's student id); see submitterOf. */
  user?: string;
  version?: string;
  source?: string;
  files?: FileInput[];
  stdin?: string;
  args?: string[];
  limits?: Partial<RunLimits>;
  tests?: TestCase[];
  problemId?: string;
  checker?: unknown;
  stopOnFirstFailure?: boolean;
  priority?: number;
  callbackUrl?: string;
  /** The shape the callback is sent in: a compatibility API answers in its own. Default 'arbiter'. */
  callbackFormat?: CallbackFormat;
  cache?: boolean;
  /** Limits for the compile; unset ones come from the server's compile defaults. */
  compileLimits?: Partial<RunLimits>;
  /** Extra compiler flags (Judge0's compiler_options), appended to the compile command. */
  compilerOptions?: string[];
  /** stderr into stdout (Judge0's redirect_stderr_to_stdout). */
  mergeStderr?: boolean;
  /** Kept with the request for a compatibility API to answer in its own terms; the judge never reads it. */
  compat?: Record<string, unknown>;
}

export interface SubmitOutcome {
  record: SubmissionRecord;
  position: number | null;
}

/** Counters the metrics and stats endpoints read. */
export interface ServiceCounters {
  cacheHits: number;
  cacheMisses: number;
  timedOut: number;
}

/** Cancels a running submission's sandbox; implemented by the worker pool. */
export interface RunningJobs {
  cancel(id: string): boolean;
}

/**
 * The service's one entry point for submissions, shared by the native, simple and compatibility
 * APIs: validate and store, queue, cancel, look up, wait.
 */
export class SubmissionService {
  readonly counters: ServiceCounters = { cacheHits: 0, cacheMisses: 0, timedOut: 0 };
  running: RunningJobs = { cancel: () => false };
  /** Final rows of this process's own finishes, held only while their event is delivered. */
  readonly #justFinished = new Map<string, SubmissionRecord>();
  #accepting = true;

  constructor(
    readonly config: ArbiterConfig,
    readonly store: Store,
    readonly queue: JobQueue,
    readonly registry: LanguageRegistry,
    readonly events: SubmissionEvents,
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
    // An output-only problem's submission sends outputs, not a program: no language runs.
    const outputOnly = input.language === OUTPUT_ONLY_LANGUAGE;
    // The installed version the request selects (`version`: exact, prefix or semver range).
    const language = outputOnly ? null : await this.registry.resolve(input.language, input.version);
    const version = language ? await this.registry.version(language) : null;
    let files = language ? normalizeFiles(language, input.source, input.files) : [];
    let bound: ReturnType<typeof bindProblemFiles> | null = null;

    const { defaultLimits, maxLimits } = this.config;
    let tests = input.tests ? validateTests(input.tests) : undefined;
    let checkerInput = input.checker;
    let problem: ProblemRecord | null = null;
    if (input.problemId !== undefined) {
      problem = await this.store.getProblem(input.problemId);
      if (!problem) throw new ArbiterError('PROBLEM_NOT_FOUND', `no problem with id ${input.problemId}`);
      // The problem's tests, checker and limits bind: a student may not judge by rules of their own.
      if (input.tests) throw new ArbiterError('INVALID_INPUT', 'give either tests or problemId, not both');
      if (input.checker !== undefined)
        throw new ArbiterError(
          'INVALID_INPUT',
          "a problem's submission is judged by the problem's checker; leave out checker",
        );
      // Reference solutions not (yet) verified: only admins may submit, until an admin opens it.
      if (
        problem.verification &&
        problem.verification.state !== 'passed' &&
        !problem.open &&
        !isAdmin(caller)
      ) {
        throw new ArbiterError(
          'PROBLEM_NOT_VERIFIED',
          `problem ${problem.id} is not open yet: its reference solutions are ${problem.verification.state === 'failed' ? 'not all getting their expected verdicts' : 'being verified'}`,
        );
      }
      tests = problem.tests;
      checkerInput = problem.checker;
      if ((problem.type === 'output-only') !== outputOnly)
        throw new ArbiterError(
          'INVALID_INPUT',
          outputOnly
            ? `problem ${problem.id} takes a program; language "${OUTPUT_ONLY_LANGUAGE}" is for output-only problems`
            : `problem ${problem.id} is output-only: submit its outputs with language "${OUTPUT_ONLY_LANGUAGE}" and one file per test`,
        );
      if (language) {
        bound = bindProblemFiles(problem, language, files);
        files = bound.files;
      } else files = outputFiles(problem.tests, input.source, input.files);
    } else if (outputOnly) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `language "${OUTPUT_ONLY_LANGUAGE}" submits outputs to an output-only problem: give its problemId`,
      );
    }
    const checker =
      checkerInput === undefined
        ? undefined
        : parseChecker(checkerInput, problem ? PROBLEM_CHECKER_BOUNDS : undefined);
    const checkerLanguage = checker?.type === 'custom' ? this.registry.getInstalled(checker.language) : null;

    const problemLimits = problem?.limits ?? (problem ? {} : undefined);
    const limits = resolveRunLimits({
      requested: input.limits,
      problem: problemLimits,
      defaults: defaultLimits,
      language: language ?? checkerLanguage ?? {},
      max: maxLimits,
    });

    if (input.priority !== undefined && (!Number.isInteger(input.priority) || input.priority < 0)) {
      throw new ArbiterError('INVALID_INPUT', 'priority must be a whole number >= 0');
    }
    // A request may lower its priority, never raise it above its key's.
    const priority = Math.min(input.priority ?? caller.priority, caller.priority);
    const callback = await this.#callbackOf(input);

    const request: SubmissionRecord['request'] = { files, limits };
    if (input.stdin !== undefined) request.stdin = input.stdin;
    if (input.args !== undefined) request.args = input.args;
    if (tests !== undefined) request.tests = tests;
    if (problem?.groups) request.groups = problem.groups;
    if (checker !== undefined) request.checker = checker;
    if (checkerLanguage) {
      request.checkerLimits = resolveRunLimits({
        problem: problemLimits,
        defaults: defaultLimits,
        language: checkerLanguage,
        max: maxLimits,
      });
    }
    if (problem?.interactor) {
      // Like a checker, the interactor is the problem's program: the problem's limits, never the student's.
      request.interactor = problem.interactor;
      request.interactorLimits = resolveRunLimits({
        problem: problemLimits,
        defaults: defaultLimits,
        language: this.registry.getInstalled(problem.interactor.language),
        max: maxLimits,
      });
    }
    if (problem?.feedback) request.feedback = problem.feedback;
    if (bound?.problemFiles) request.problemFiles = bound.problemFiles;
    if (bound?.grader) request.grader = bound.grader;
    if (outputOnly) request.outputOnly = true;
    if (input.stopOnFirstFailure !== undefined) request.stopOnFirstFailure = input.stopOnFirstFailure;
    if (input.cache) request.cache = true;
    if (language?.compile)
      request.compileLimits = resolveCompileLimits(input.compileLimits, language, maxLimits);
    if (input.compilerOptions?.length) request.compilerOptions = input.compilerOptions;
    if (input.mergeStderr) request.mergeStderr = true;
    if (input.compat !== undefined) request.compat = input.compat;

    const now = Date.now();
    const cacheKey = input.cache
      ? resultCacheKey({ language: language?.id ?? OUTPUT_ONLY_LANGUAGE, version, ...request })
      : null;
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
        language: language?.id ?? OUTPUT_ONLY_LANGUAGE,
        version,
        problemId: input.problemId ?? null,
        callback,
        request,
      },
      now,
    );
    if (cached) {
      await this.finish(record, cached.status, { ...cached, cached: true });
      return { record: this.#shown((await this.store.getSubmission(record.id))!, caller), position: null };
    }
    let position: number;
    try {
      ({ position } = await this.queue.enqueue(record));
    } catch (error) {
      // The client hears 503 and will retry: this copy must not run later behind its back.
      await this.finish(
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

  /** The request's callback, its target checked by the SSRF guard now (and again at every attempt). */
  async #callbackOf(input: SubmissionInput): Promise<SubmissionCallback | null> {
    const format = input.callbackFormat ?? 'arbiter';
    if (!CALLBACK_FORMATS.includes(format))
      throw new ArbiterError('INVALID_INPUT', `callbackFormat must be one of ${CALLBACK_FORMATS.join(', ')}`);
    if (input.callbackUrl === undefined) return null;
    if (typeof input.callbackUrl !== 'string' || input.callbackUrl.length > MAX_CALLBACK_URL_CHARS)
      throw new ArbiterError(
        'INVALID_INPUT',
        `callbackUrl must be a URL of at most ${MAX_CALLBACK_URL_CHARS} characters`,
      );
    await checkWebhookTarget(input.callbackUrl, { allowlist: this.config.webhookAllowlist });
    return { url: input.callbackUrl, format };
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

  /** Records a final status once; later calls for the same submission change nothing. */
  async finish(
    record: SubmissionRecord,
    status: FinalStatus,
    result: NonNullable<SubmissionRecord['result']>,
    options: { current?: boolean } = {},
  ): Promise<boolean> {
    const now = Date.now();
    const done = await this.store.finishSubmission(record.id, status, result, now);
    if (!done) return false;
    // A caller holding the row as it is now (the worker that claimed it) knows the final row
    // exactly: waiters in this process take it from here instead of reading it back.
    if (options.current) this.#justFinished.set(record.id, { ...record, status, result, finishedAt: now });
    try {
      this.events.publish({ type: 'finished', id: record.id, keyId: record.keyId, status, at: now });
    } finally {
      this.#justFinished.delete(record.id);
    }
    return true;
  }

  /**
   * The final row of a finish this process is delivering right now (its `finished` event is being
   * published), when the finishing worker knew it; undefined otherwise. Listeners use it to skip a
   * read-back.
   */
  peekFinished(id: string): SubmissionRecord | undefined {
    return this.#justFinished.get(id);
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
      await this.finish(record, 'cancelled', emptyResult('cancelled', 'cancelled before it ran'));
    } else if (this.running.cancel(id)) {
      await this.waitForFinal(id, 10_000, caller);
    } else {
      // Running in another process, or claimed a moment ago: record the cancel here (the worker's
      // later finish changes nothing) and ask whoever runs it to stop.
      await this.finish(record, 'cancelled', emptyResult('cancelled', 'cancelled while running'));
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
        const final = this.peekFinished(id);
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

  /** Cancels submissions that waited longer than the queue timeout. Returns how many. */
  async expireWaiting(now = Date.now()): Promise<number> {
    let expired = 0;
    for (const { id, createdAt } of await this.queue.oldest(1000)) {
      if (now - createdAt < this.config.queueTimeoutMs) break;
      const record = await this.store.getSubmission(id);
      if (record && (await this.queue.remove(id))) {
        const seconds = Math.round(this.config.queueTimeoutMs / 1000);
        await this.finish(
          record,
          'cancelled',
          emptyResult('cancelled', `waited longer than ${seconds} s in the queue`),
        );
        this.counters.timedOut++;
        expired++;
      }
    }
    return expired;
  }
}

export function emptyResult(status: FinalStatus, message: string): NonNullable<SubmissionRecord['result']> {
  return { status, tests: [], score: null, maxScore: null, compileCached: false, message };
}
