/**
 * Judge0's GET /statistics, answered from Arbiter's own numbers in the shape Judge0 CE's info
 * controller gives (read in its source; nothing of it copied):
 *
 *   { created_at, cached_until,
 *     submissions: { total, today, last_30_days: { "YYYY-MM-DD": count, … } },
 *     languages: [ { language: { id, name }, count } ],   most first
 *     statuses:  [ { status: { id, name }, count } ],      most first
 *     database:  { size_pretty, size_in_bytes } }
 *
 * Where the numbers come from, and how they differ (docs/compat.md, "Statistics"):
 * - total, languages and statuses: one aggregate query over the submissions the store holds (it keeps
 *   them for resultTtlMs). A language is counted under the id GET /languages lists for it; a runtime
 *   error under 11 (NZEC), since the aggregate does not keep the signal.
 * - today and last_30_days: the submissions this API process saw created, per UTC day, since it
 *   started (the store has no count by day); the 30 days before today, newest first, as Judge0.
 * - database: null sizes; the store does not report one.
 * Like Judge0 the answer is cached for 10 minutes; invalidate_cache=true recomputes it for an admin.
 */
import type { SubmissionStatus } from '../../../judge/types.js';
import type { SubmissionEvents } from '../../../service/events.js';
import type { StatusCount } from '../../../store/types.js';
import type { Judge0Language } from './languages.js';
import { STATUS, judge0Status } from './statuses.js';

/** How long an answer is reused, as Judge0's 10 minutes. */
export const STATISTICS_CACHE_MS = 10 * 60_000;
/** Days listed before today. */
const DAYS = 30;
const DAY_MS = 24 * 60 * 60_000;

/** Arbiter's final and waiting statuses as Judge0 status ids (runtime errors as NZEC: see above). */
const STATUS_IDS: Record<SubmissionStatus, number> = {
  queued: STATUS.IN_QUEUE,
  running: STATUS.PROCESSING,
  accepted: STATUS.ACCEPTED,
  wrong_answer: STATUS.WRONG_ANSWER,
  time_limit_exceeded: STATUS.TIME_LIMIT_EXCEEDED,
  compilation_error: STATUS.COMPILATION_ERROR,
  runtime_error: STATUS.NZEC,
  memory_limit_exceeded: STATUS.OTHER,
  output_limit_exceeded: STATUS.SIGXFSZ,
  cancelled: STATUS.INTERNAL_ERROR,
  internal_error: STATUS.INTERNAL_ERROR,
};

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Submissions created per UTC day, as this process saw them; at most DAYS + 1 days are kept. */
export class DailyCreations {
  readonly #counts = new Map<string, number>();

  /** Counts every `queued` event (each submission's first); returns the unsubscribe function. */
  follow(events: SubmissionEvents): () => void {
    return events.onAll((event) => {
      if (event.type === 'queued') this.add(event.at);
    });
  }

  add(at: number): void {
    const day = dayOf(at);
    this.#counts.set(day, (this.#counts.get(day) ?? 0) + 1);
    if (this.#counts.size > DAYS + 1) {
      const oldest = [...this.#counts.keys()].sort()[0]!;
      this.#counts.delete(oldest);
    }
  }

  /** Today's count and the DAYS days before it, newest first (days with none are 0). */
  summary(now: number): { today: number; lastDays: Record<string, number> } {
    const lastDays: Record<string, number> = {};
    for (let i = 1; i <= DAYS; i++) {
      const day = dayOf(now - i * DAY_MS);
      lastDays[day] = this.#counts.get(day) ?? 0;
    }
    return { today: this.#counts.get(dayOf(now)) ?? 0, lastDays };
  }
}

/** Counts by key, most first (ties by key, so the order is stable). */
function ranked<K extends string | number>(counts: Map<K, number>): [K, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The answer of GET /statistics from the store's counts and the day tally. */
export function statisticsBody(
  counts: readonly StatusCount[],
  days: ReturnType<DailyCreations['summary']>,
  languages: readonly Judge0Language[],
  now: number,
) {
  const byLanguage = new Map<string, number>();
  const byStatus = new Map<number, number>();
  let total = 0;
  for (const { status, language, count } of counts) {
    total += count;
    byLanguage.set(language, (byLanguage.get(language) ?? 0) + count);
    const id = STATUS_IDS[status] ?? STATUS.INTERNAL_ERROR;
    byStatus.set(id, (byStatus.get(id) ?? 0) + count);
  }
  const listed = (languageId: string) =>
    languages.find((l) => l.listed && !l.multiFile && l.definition.id === languageId);
  return {
    created_at: new Date(now).toISOString(),
    cached_until: new Date(now + STATISTICS_CACHE_MS).toISOString(),
    submissions: { total, today: days.today, last_30_days: days.lastDays },
    languages: ranked(byLanguage).map(([languageId, count]) => {
      const language = listed(languageId);
      return { language: { id: language?.id ?? null, name: language?.name ?? languageId }, count };
    }),
    statuses: ranked(byStatus).map(([id, count]) => ({
      status: { id, name: judge0Status(id).description },
      count,
    })),
    database: { size_pretty: null, size_in_bytes: null },
  };
}
