import { formatMs, table } from '../format.js';
import type { LoadtestPlan } from './loadtest-options.js';
import type { Recorder } from './recorder.js';

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The figures of a finished load test: what the table prints and --json returns. */
export interface LoadtestSummary {
  server: string;
  mode: LoadtestPlan['mode'];
  students: number;
  plannedDurationMs: number;
  /** From the first submission to the last result, drain included. */
  elapsedMs: number;
  thinkMs: number;
  requests: number | null;
  mix: LoadtestPlan['mix'];
  faultyRatio: number;
  /** Accepted by the server; = the sum of `statuses` + `unfinished`. */
  submissions: number;
  /** Final statuses of the finished ones. */
  statuses: Record<string, number>;
  unfinished: number;
  /** Refused after every retry. */
  refused: { 429: number; 503: number };
  /** Answers with that status, retried ones included. */
  http429: number;
  http503: number;
  errors: number;
  errorMessages: Record<string, number>;
  /**
   * Why the run failed, if it did: errors, any HTTP 429 (a class should never meet one) and
   * submissions left unfinished. Empty: it passed. The command exits 1 when it is not empty.
   */
  failures: string[];
  /** Finished submissions per second of the test. */
  throughputPerSec: number;
  wait: Percentiles;
  run: Percentiles;
  endToEnd: Percentiles;
  peakQueueLength: number;
  queueSamples: number;
  queueSamplesMissed: number;
  correctness: Recorder['correctness'];
}

/** Nearest-rank percentile of sorted numbers; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function percentiles(values: readonly (number | null)[]): Percentiles {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

export function summarise(
  recorder: Recorder,
  plan: LoadtestPlan,
  server: string,
  queue: { peakLength: number; missed: number },
): LoadtestSummary {
  const elapsedMs = Date.now() - recorder.startedAt;
  const finished = recorder.finished;
  return {
    server,
    mode: plan.mode,
    students: plan.students,
    plannedDurationMs: plan.durationMs,
    elapsedMs,
    thinkMs: plan.thinkMs,
    requests: plan.requests,
    mix: plan.mix,
    faultyRatio: plan.faultyRatio,
    submissions: recorder.submitted,
    statuses: Object.fromEntries([...recorder.statuses].sort(([, a], [, b]) => b - a)),
    unfinished: recorder.unfinished,
    refused: { ...recorder.refused },
    http429: recorder.http429,
    http503: recorder.http503,
    errors: recorder.errors,
    errorMessages: Object.fromEntries(recorder.errorMessages),
    failures: [
      ...(recorder.errors > 0 ? [`${recorder.errors} error(s)`] : []),
      ...(recorder.http429 > 0 ? [`${recorder.http429} HTTP 429 answer(s)`] : []),
      ...(recorder.unfinished > 0 ? [`${recorder.unfinished} submission(s) unfinished`] : []),
    ],
    throughputPerSec: elapsedMs > 0 ? Math.round((finished.length / (elapsedMs / 1000)) * 100) / 100 : 0,
    wait: percentiles(finished.map((f) => f.waitMs)),
    run: percentiles(finished.map((f) => f.runMs)),
    endToEnd: percentiles(finished.map((f) => f.endToEndMs)),
    peakQueueLength: queue.peakLength,
    queueSamples: recorder.load.length,
    queueSamplesMissed: queue.missed,
    correctness: { ...recorder.correctness },
  };
}

/** "python3 60% · c 25% · java 15%". */
export function describeMix(mix: LoadtestPlan['mix']): string {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  return mix.map((m) => `${m.language} ${Math.round((m.weight / total) * 100)}%`).join(' · ');
}

/** One sentence saying what was run. */
export function describeRun(summary: LoadtestSummary): string {
  const shape =
    summary.mode === 'classroom'
      ? `${summary.students} students for ${formatMs(summary.plannedDurationMs)} (think ${formatMs(summary.thinkMs)})`
      : `${summary.requests} submissions, ${summary.students} at a time`;
  return `${shape}; ${describeMix(summary.mix)}; ${Math.round(summary.faultyRatio * 100)}% faulty; against ${summary.server}`;
}

const ms = (value: number | null) => (value === null ? '-' : formatMs(value));

/** The summary as the text table `arbiter loadtest` prints. */
export function summaryTable(summary: LoadtestSummary): string {
  const rows: string[][] = [['submissions', String(summary.submissions)]];
  for (const [status, count] of Object.entries(summary.statuses)) rows.push([`  ${status}`, String(count)]);
  if (summary.unfinished > 0) rows.push(['  unfinished', String(summary.unfinished)]);
  rows.push(
    ['refused (429/503)', `${summary.refused[429] + summary.refused[503]}`],
    ['errors', String(summary.errors)],
    ['outcome', summary.failures.length ? `FAIL: ${summary.failures.join(', ')}` : 'PASS'],
    ['HTTP 429 answers', String(summary.http429)],
    ['HTTP 503 answers', String(summary.http503)],
    ['throughput', `${summary.throughputPerSec.toFixed(2)}/s`],
    ['peak queue length', String(summary.peakQueueLength)],
    ['correct accepted', `${summary.correctness.correctAccepted}/${summary.correctness.correct}`],
    ['faulty not accepted', `${summary.correctness.faultyRejected}/${summary.correctness.faulty}`],
    ['elapsed', formatMs(summary.elapsedMs)],
  );
  const timings = [
    ['', 'p50', 'p95', 'p99'],
    ['wait (queueMs)', ms(summary.wait.p50), ms(summary.wait.p95), ms(summary.wait.p99)],
    ['run', ms(summary.run.p50), ms(summary.run.p95), ms(summary.run.p99)],
    ['end-to-end', ms(summary.endToEnd.p50), ms(summary.endToEnd.p95), ms(summary.endToEnd.p99)],
  ];
  const lines = [`arbiter loadtest: ${describeRun(summary)}`, '', table(rows), '', table(timings)];
  const messages = Object.entries(summary.errorMessages);
  if (messages.length > 0) lines.push('', 'errors:', ...messages.map(([m, n]) => `  ${n} × ${m}`));
  return lines.join('\n');
}
