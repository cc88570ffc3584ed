import type { ProgramKind } from './programs.js';

/** One finished submission, as the summary and the report need it. */
export interface FinishedSample {
  /** Seconds since the start of the test, when the result arrived. */
  atSec: number;
  language: string;
  kind: ProgramKind;
  status: string;
  /** Time in the queue, from the server (queueMs); null when it never started. */
  waitMs: number | null;
  /** Time in a worker (startedAt to finishedAt), from the server; null when it never ran. */
  runMs: number | null;
  /** From sending the submission to having its result, measured by the load tester. */
  endToEndMs: number;
}

/** What happened in one second of the test. */
export interface SecondCounts {
  sent: number;
  finished: number;
  refused: number;
  errors: number;
  http429: number;
  http503: number;
}

export interface LoadSample {
  atSec: number;
  /** Submissions sent and not yet finished. */
  inFlight: number;
  /** From GET /api/v1/queue; null when the sample failed. */
  queueLength: number | null;
  running: number | null;
}

/**
 * Everything a load test observes, counted as it happens. Every submission the server accepted
 * ends exactly once: finished (with its status) or unfinished (the test ended or lost it first),
 * so submissions = the sum of the statuses + unfinished.
 */
export class Recorder {
  readonly startedAt = Date.now();
  /** Submissions the server accepted (it gave an id). */
  submitted = 0;
  /** Attempts that are over, whatever the outcome (refused, failed, finished, lost): for progress. */
  attemptsOver = 0;
  readonly statuses = new Map<string, number>();
  /** Accepted by the server, never seen final: the test ended first, or the wait failed. */
  unfinished = 0;
  /** Refused after every retry: 429 (rate limited) or 503 (queue full). */
  readonly refused = { 429: 0, 503: 0 };
  /** Every 429 / 503 answer seen, retried ones included. */
  http429 = 0;
  http503 = 0;
  /** Failures of the load tester's own requests: network, timeouts, unexpected API errors. */
  errors = 0;
  /** A few error messages with their counts, for the summary. */
  readonly errorMessages = new Map<string, number>();
  readonly finished: FinishedSample[] = [];
  readonly seconds: SecondCounts[] = [];
  readonly load: LoadSample[] = [];
  /** Correct programs, and how many of them were accepted; faulty ones, and how many were not. */
  readonly correctness = { correct: 0, correctAccepted: 0, faulty: 0, faultyRejected: 0 };

  /** Seconds since the start. */
  elapsedSec(now = Date.now()): number {
    return (now - this.startedAt) / 1000;
  }

  get inFlight(): number {
    return this.submitted - this.finished.length - this.unfinished;
  }

  #second(now = Date.now()): SecondCounts {
    const index = Math.floor(this.elapsedSec(now));
    while (this.seconds.length <= index)
      this.seconds.push({ sent: 0, finished: 0, refused: 0, errors: 0, http429: 0, http503: 0 });
    return this.seconds[index]!;
  }

  httpStatus(status: number): void {
    if (status === 429) {
      this.http429++;
      this.#second().http429++;
    } else if (status === 503) {
      this.http503++;
      this.#second().http503++;
    }
  }

  sent(): void {
    this.submitted++;
    this.#second().sent++;
  }

  result(sample: Omit<FinishedSample, 'atSec'>): void {
    this.finished.push({ ...sample, atSec: this.elapsedSec() });
    this.statuses.set(sample.status, (this.statuses.get(sample.status) ?? 0) + 1);
    this.#second().finished++;
    if (sample.kind === 'correct') {
      this.correctness.correct++;
      if (sample.status === 'accepted') this.correctness.correctAccepted++;
    } else {
      this.correctness.faulty++;
      if (sample.status !== 'accepted') this.correctness.faultyRejected++;
    }
  }

  lost(): void {
    this.unfinished++;
  }

  refusedWith(status: 429 | 503): void {
    this.refused[status]++;
    this.#second().refused++;
  }

  error(message: string): void {
    this.errors++;
    this.#second().errors++;
    if (this.errorMessages.size < 20 || this.errorMessages.has(message))
      this.errorMessages.set(message, (this.errorMessages.get(message) ?? 0) + 1);
  }

  sampleLoad(queue: { length: number; running: number } | null): void {
    this.load.push({
      atSec: this.elapsedSec(),
      inFlight: this.inFlight,
      queueLength: queue?.length ?? null,
      running: queue?.running ?? null,
    });
  }
}
