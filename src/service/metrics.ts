import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunCostHistory } from '../queue/run-cost.js';
import type { WorkerPoolOptions } from './worker-pool.js';
import type { TimingSummary } from '../contract.js';
import type { SubmissionStatus } from '../judge/types.js';

/** Buckets for wait and run times, in seconds: a classroom cares about 0.1 s to a minute. */
const TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface MetricsSources {
  queueLength: () => number | Promise<number>;
  running: () => number;
  rateFactor: () => number;
  resultCache: () => { hits: number; misses: number };
  compileCache: () => { hits: number; misses: number };
  sandbox: () => { rebuilt: number; slots: number };
  subscribers: () => number;
}

/** Every Prometheus metric of one process, in a registry of its own (tests start many). */
export class ArbiterMetrics {
  readonly registry = new Registry();
  readonly jobsFinished: Counter<'status' | 'language'>;
  readonly waitSeconds: Histogram<'language'>;
  readonly runSeconds: Histogram<'language'>;
  readonly httpRequests: Counter<'method' | 'route' | 'code'>;
  readonly httpDuration: Histogram<'route'>;
  readonly rateLimited: Counter<'scope'>;
  readonly webhooks: Counter<'outcome'>;
  readonly eventsRecovered: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    gauge('arbiter_queue_length', 'Submissions waiting in the queue.', sources.queueLength);
    gauge('arbiter_jobs_running', 'Submissions being judged now.', sources.running);
    gauge(
      'arbiter_ratelimit_factor',
      'Adaptive factor applied to every rate limit (1 = full rate).',
      sources.rateFactor,
    );
    /** A cache's counters, as arbiter_<cache>_hits and arbiter_<cache>_misses. */
    const cacheGauges = (
      cache: string,
      read: () => { hits: number; misses: number },
      help: { hits: string; misses: string },
    ) => {
      gauge(`arbiter_${cache}_hits`, help.hits, () => read().hits);
      gauge(`arbiter_${cache}_misses`, help.misses, () => read().misses);
    };
    cacheGauges('result_cache', sources.resultCache, {
      hits: 'Submissions answered from the result cache.',
      misses: 'Cacheable submissions that missed the result cache.',
    });
    cacheGauges('compile_cache', sources.compileCache, {
      hits: 'Compiles skipped thanks to the compile cache.',
      misses: 'Compiles that missed the compile cache.',
    });
    gauge(
      'arbiter_sandbox_failures',
      'Sandbox slots replaced after a failure or an unclean reset.',
      () => sources.sandbox().rebuilt,
    );
    gauge('arbiter_sandbox_slots', 'Warm sandbox slots ready or busy.', () => sources.sandbox().slots);
    gauge('arbiter_push_subscribers', 'SSE and WebSocket subscriptions held open.', sources.subscribers);
    this.jobsFinished = new Counter({
      name: 'arbiter_jobs_finished_total',
      help: 'Submissions finished, by final status.',
      labelNames: ['status', 'language'],
      registers,
    });
    this.waitSeconds = new Histogram({
      name: 'arbiter_job_wait_seconds',
      help: 'Time from submit to start.',
      labelNames: ['language'],
      buckets: TIME_BUCKETS,
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'arbiter_job_run_seconds',
      help: 'Time from start to result.',
      labelNames: ['language'],
      buckets: TIME_BUCKETS,
      registers,
    });
    this.httpRequests = new Counter({
      name: 'arbiter_http_requests_total',
      help: 'HTTP requests by route and status code.',
      labelNames: ['method', 'route', 'code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'arbiter_http_request_duration_seconds',
      help: 'HTTP request duration.',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'arbiter_ratelimit_rejections_total',
      help: 'Requests refused with 429, by bucket.',
      labelNames: ['scope'],
      registers,
    });
    this.webhooks = new Counter({
      name: 'arbiter_webhook_deliveries_total',
      help: 'Webhook deliveries by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.eventsRecovered = new Counter({
      name: 'arbiter_events_recovered_total',
      help: 'Finished events that pub/sub lost, delivered to their listeners from the store instead.',
      registers,
    });
  }
}

/**
 * A worker pool's onFinished, its one hook for a finished job: counted, its wait and run timed for
 * Prometheus and for the timing window, and (embedded, where the workers share the queue's process)
 * its judge time given to the run-cost history.
 */
export function observeFinishedJobs(
  metrics: Pick<ArbiterMetrics, 'jobsFinished' | 'waitSeconds' | 'runSeconds'>,
  timings: Pick<TimingWindow, 'record'>,
  costHistory: Pick<RunCostHistory, 'observe'> | null,
): NonNullable<WorkerPoolOptions['onFinished']> {
  return (record, result, timing) => {
    timings.record({
      at: timing.finishedAt,
      waitMs: timing.waitMs,
      runMs: timing.runMs,
      status: result.status,
      language: record.language,
    });
    metrics.jobsFinished.inc({ status: result.status, language: record.language });
    metrics.waitSeconds.observe({ language: record.language }, timing.waitMs / 1000);
    metrics.runSeconds.observe({ language: record.language }, timing.runMs / 1000);
    // A cancel or an internal error says nothing of what the language costs to judge.
    if (result.status !== 'cancelled' && result.status !== 'internal_error')
      costHistory?.observe(record, timing.runMs);
  };
}

/*
 * The 15-minute window of finished jobs' timings that GET /api/v1/queue and the dashboard show,
 * beside the Prometheus metrics above: both are what the service measures of the jobs it finishes.
 */

/** Timing samples older than this leave the averages (the dashboard shows the last 15 minutes). */
const WINDOW_MS = 15 * 60 * 1000;
/** At most this many samples are kept, whatever the window. */
const MAX_SAMPLES = 20_000;

interface Sample {
  at: number;
  waitMs: number;
  runMs: number;
  status: SubmissionStatus;
  language: string;
}

export type { TimingSummary } from '../contract.js';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarise(samples: { waitMs: number; runMs: number }[]): TimingSummary {
  const waits = samples.map((s) => s.waitMs).sort((a, b) => a - b);
  const runs = samples.map((s) => s.runMs).sort((a, b) => a - b);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    count: samples.length,
    avgWaitMs: round(avg(waits)),
    p95WaitMs: round(percentile(waits, 95)),
    avgRunMs: round(avg(runs)),
    p95RunMs: round(percentile(runs, 95)),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Wait and run times of recently finished submissions, overall and per language. */
export class TimingWindow {
  #samples: Sample[] = [];

  record(sample: Sample): void {
    this.#samples.push(sample);
    if (this.#samples.length > MAX_SAMPLES) this.#samples.splice(0, this.#samples.length - MAX_SAMPLES);
  }

  #recent(now: number): Sample[] {
    const from = now - WINDOW_MS;
    let start = 0;
    while (start < this.#samples.length && this.#samples[start]!.at < from) start++;
    if (start > 0) this.#samples = this.#samples.slice(start);
    return this.#samples;
  }

  summary(now = Date.now()): TimingSummary & { byLanguage: Record<string, TimingSummary> } {
    const recent = this.#recent(now);
    const byLanguage: Record<string, TimingSummary> = {};
    const groups = new Map<string, Sample[]>();
    for (const s of recent) groups.set(s.language, [...(groups.get(s.language) ?? []), s]);
    for (const [language, samples] of groups) byLanguage[language] = summarise(samples);
    return { ...summarise(recent), byLanguage };
  }
}
