import type { SubmissionRecord } from '../store/types.js';

/**
 * Cost-aware order within a fair round (issue [M]): a job expected to be cheap runs before one
 * expected to be costly, so a class's Python hellos do not queue behind its Java compiles; and no
 * costly job is passed by more than `overtakeLimit` jobs that arrived after it, so nothing starves.
 *
 * The estimate is a class, not a number of milliseconds: `costly` when the submission's language
 * has a compile step, `cheap` otherwise. It is taken from the language catalog at enqueue time,
 * which both modes can do the same way: in scale-out the API node that enqueues has the catalog but
 * neither the workers' compile caches (each worker keeps its own, and which worker takes the job is
 * not known yet) nor their timings. A compile costs tens to thousands of times an interpreter's
 * start (issue [M]: 0.7 s CPU for a Java hello, 2.9 s for Kotlin, against ~15 ms for print(1)), so
 * the class decides the order; a finer estimate would reorder only within a class.
 *
 * The bound works by arrival number: within a priority every job gets the next number `seq`, and a
 * round runs in order of `seq` for cheap jobs and `seq + overtakeLimit` for costly ones (a tie goes
 * to the cheap one). A later job passes a costly one only when it arrived within `overtakeLimit`
 * numbers after it, so at most `overtakeLimit` jobs do; cheap jobs are never passed by later ones.
 * The fair rounds come first: this order is within a round (queue/fair-lanes) or a fair rank
 * (queue/bullmq-queue), never across them.
 */
export type RunCost = 'cheap' | 'costly';

/** The estimate of one queued submission; a pure function of the record, called at enqueue and recovery. */
export type CostOf = (submission: SubmissionRecord) => RunCost;

export interface CostOrderOptions {
  /** How a submission is classed. Default: every job cheap (plain FIFO within a round). */
  costOf?: CostOf;
  /** At most this many later jobs pass a costly one, >= 0 (0: FIFO). Default DEFAULT_OVERTAKE_LIMIT. */
  overtakeLimit?: number;
}

/**
 * 100 later jobs: in a class's burst most of the cheap runs that arrived around a compile go before
 * it, and the compile waits at most 100 quick runs longer than FIFO would make it (about 3 s on two
 * cores at the ~60 ms a Python run takes in a slot).
 */
export const DEFAULT_OVERTAKE_LIMIT = 100;
/** Bounds the limit so `seq + overtakeLimit` stays an exact integer and fits BullMQ's scheme. */
export const MAX_OVERTAKE_LIMIT = 100_000;

export const EVERY_JOB_CHEAP: CostOf = () => 'cheap';

/** The options with defaults, checked once; throws RangeError naming the bad key. */
export function resolveCostOrder(options: CostOrderOptions = {}): Required<CostOrderOptions> {
  const overtakeLimit = options.overtakeLimit ?? DEFAULT_OVERTAKE_LIMIT;
  if (!Number.isSafeInteger(overtakeLimit) || overtakeLimit < 0 || overtakeLimit > MAX_OVERTAKE_LIMIT)
    throw new RangeError(
      `overtakeLimit must be an integer in 0..${MAX_OVERTAKE_LIMIT}, got ${overtakeLimit}`,
    );
  return { costOf: options.costOf ?? EVERY_JOB_CHEAP, overtakeLimit };
}

/** The catalog's class: a language with a compile step is costly. Unknown languages count as costly. */
export function costByCompileStep(compiles: (language: string) => boolean): CostOf {
  return (submission) => (compiles(submission.language) ? 'costly' : 'cheap');
}
