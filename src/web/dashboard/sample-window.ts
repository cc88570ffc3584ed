/**
 * Wait and run times of the submissions this page saw finish (pushed over the WebSocket), kept for
 * the last 15 minutes, with their percentiles. GET /api/v1/queue gives only avg and p95; p50 and
 * p99 come from here.
 */
import type { SubmissionEventView } from '../shared/types.js';

/** The window the server's statistics use too (src/service/metrics.ts). */
export const WINDOW_MS = 15 * 60 * 1000;
/** At most this many samples are kept. */
const MAX_SAMPLES = 20_000;

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile, the same method as the server's. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export class SampleWindow {
  #samples: { id: string; at: number; waitMs: number; runMs: number }[] = [];
  #seen = new Set<string>();

  /** Adds a finished submission once, however many times it is pushed. */
  add(id: string, at: number, waitMs: number, runMs: number): void {
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.#samples.push({ id, at, waitMs, runMs });
    if (this.#samples.length > MAX_SAMPLES) {
      this.#samples.splice(0, this.#samples.length - MAX_SAMPLES);
      this.#seen = new Set(this.#samples.map((s) => s.id));
    }
  }

  summary(now: number): { count: number; wait: Percentiles | null; run: Percentiles | null } {
    const from = now - WINDOW_MS;
    if (this.#samples.length > 0 && this.#samples[0]!.at < from) {
      this.#samples = this.#samples.filter((s) => s.at >= from);
      this.#seen = new Set(this.#samples.map((s) => s.id));
    }
    return {
      count: this.#samples.length,
      wait: percentiles(this.#samples.map((s) => s.waitMs)),
      run: percentiles(this.#samples.map((s) => s.runMs)),
    };
  }
}

/** The wait and run times a `finished` event carries, or null for any other event. */
export function finishedSample(
  event: SubmissionEventView,
): { id: string; at: number; waitMs: number; runMs: number } | null {
  const submission = event.submission;
  if (!event.id || event.type !== 'finished' || !submission?.startedAt || !submission.finishedAt) return null;
  const finishedAt = Date.parse(submission.finishedAt);
  return {
    id: event.id,
    at: finishedAt,
    waitMs: submission.queueMs ?? 0,
    runMs: finishedAt - Date.parse(submission.startedAt),
  };
}
