/** GET /api/v1/queue's per-language figures, summed the ways the dashboard lists them. */
import type { QueueStats, TimingSummary } from '../shared/types.js';

/** Submissions per status over every language, most first (ties in the order first seen). */
export function countsByStatus(queue: QueueStats): [status: string, count: number][] {
  const counts = new Map<string, number>();
  for (const { statuses } of Object.values(queue.byLanguage))
    for (const [status, count] of Object.entries(statuses))
      counts.set(status, (counts.get(status) ?? 0) + count);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

export interface LanguageRow {
  language: string;
  total: number;
  accepted: number;
  /** Finished with any verdict but accepted. */
  other: number;
  timings: TimingSummary | null;
}

/** A row per language, the busiest first. */
export function languageRows(queue: QueueStats): LanguageRow[] {
  return Object.entries(queue.byLanguage)
    .map(([language, { statuses, timings }]) => {
      const total = Object.values(statuses).reduce((a, b) => a + b, 0);
      const accepted = statuses.accepted ?? 0;
      const pending = (statuses.queued ?? 0) + (statuses.running ?? 0);
      return { language, total, accepted, other: total - accepted - pending, timings };
    })
    .sort((a, b) => b.total - a.total);
}
