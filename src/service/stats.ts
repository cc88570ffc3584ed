import type { TimingSummary } from '../contract.js';
import type { SubmissionStatus } from '../judge/types.js';

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
