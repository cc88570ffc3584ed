/**
 * The dashboard's poll of /api/v1/queue, /health/detailed and /metrics: every 2 s, and soon after
 * a pushed event. When keys are on, the queue call needs an admin key; a refusal asks for one.
 */
import { ApiError, describeError, errorFrom, getJson, request } from '../shared/api.js';
import type { HealthDetailed, QueueStats } from '../shared/types.js';
import { parsePrometheusText, type MetricSample } from './prometheus-text.js';
import type { PollAnswers } from './snapshot.js';

/** How often the figures are fetched. */
export const POLL_INTERVAL_MS = 2000;
/** A pushed event triggers a fetch this soon, so numbers move as jobs finish, not 2 s later. */
const PUSH_REFRESH_DELAY_MS = 150;

export interface FiguresPollerOptions {
  /** Each poll's answers; `reachable` when any call was answered. */
  onAnswers: (answers: PollAnswers, reachable: boolean) => void;
  /** A call was refused for want of a key: why. */
  onNeedsKey: (reason: string) => void;
}

async function fetchHealth(): Promise<HealthDetailed> {
  // A degraded server answers 503 with the same body: that is data, not a failure.
  const response = await request('/health/detailed');
  if (!response.ok && response.status !== 503) throw await errorFrom(response);
  return (await response.json()) as HealthDetailed;
}

async function fetchMetrics(): Promise<MetricSample[]> {
  const response = await request('/metrics', { headers: { accept: 'text/plain' } });
  if (!response.ok) throw await errorFrom(response);
  return parsePrometheusText(await response.text());
}

export class FiguresPoller {
  readonly #options: FiguresPollerOptions;
  #queueRefused = false;
  #polling = false;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: FiguresPollerOptions) {
    this.#options = options;
  }

  /** Polls now, then every POLL_INTERVAL_MS. */
  start(): void {
    void this.poll();
    setInterval(() => void this.poll(), POLL_INTERVAL_MS);
  }

  /** A key was saved or forgotten: the refused queue call may be tried again. */
  forgetRefusal(): void {
    this.#queueRefused = false;
  }

  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const [queueResult, healthResult, metricsResult] = await Promise.allSettled([
        this.#queueRefused
          ? Promise.reject(new ApiError(401, 'waiting for a key'))
          : getJson<QueueStats>('/api/v1/queue'),
        fetchHealth(),
        fetchMetrics(),
      ]);
      const queue = queueResult.status === 'fulfilled' ? queueResult.value : null;
      const health = healthResult.status === 'fulfilled' ? healthResult.value : null;
      const metrics = metricsResult.status === 'fulfilled' ? metricsResult.value : null;
      // Until a key is saved, a refused queue call is not repeated (the open probes still are).
      for (const result of [queueResult, healthResult, metricsResult]) {
        if (result.status !== 'rejected' || !(result.reason instanceof ApiError) || !result.reason.needsKey)
          continue;
        if (result === queueResult && this.#queueRefused) continue;
        if (result === queueResult) this.#queueRefused = true;
        this.#options.onNeedsKey(describeError(result.reason));
      }
      const reachable = queue !== null || health !== null || metrics !== null;
      this.#options.onAnswers({ queue, health, metrics }, reachable);
    } finally {
      this.#polling = false;
    }
  }

  /** Polls shortly, once however many events ask for it meanwhile. */
  refreshSoon(): void {
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.poll();
    }, PUSH_REFRESH_DELAY_MS);
  }
}
