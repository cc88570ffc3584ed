import type { SubmissionRecord } from '../store/types.js';

/**
 * Cost-aware order within a fair round (issue [M]): a job expected to be cheap runs before one
 * expected to be costly, so a class's Python hellos do not queue behind its Java compiles; and no
 * costly job is passed by more than `overtakeLimit` jobs that arrived after it, so nothing starves.
 *
 * The estimate is a class, not a number of milliseconds. By default (costByCatalog) it is the
 * language catalog's at enqueue time: `costly` when the language has a slow compile step (Java,
 * Kotlin, Rust, C++), `cheap` otherwise (an interpreter, C's quick compile, an output-only
 * problem's files). Scale-out uses only that: the API node that enqueues has the catalog but
 * neither the workers' compile caches (each worker keeps its own, and which worker takes the job is
 * not known yet) nor their timings. A compile costs tens to thousands of times an interpreter's
 * start (issue [M]: 0.7 s CPU for a Java hello, 2.9 s for Kotlin, against ~15 ms for print(1)).
 * The embedded mode, whose workers are in the same process, also learns (RunCostHistory): once a
 * language has been judged a few times, the median of its recent judges decides, so a Python
 * problem with many tests counts as costly.
 *
 * The bound works by arrival number: within a priority every job gets the next number `seq`, and a
 * round runs in order of `seq` for cheap jobs and `seq + overtakeLimit` for costly ones (a tie goes
 * to the cheap one). A later job passes a costly one only when it arrived within `overtakeLimit`
 * numbers after it, so at most `overtakeLimit` jobs do; cheap jobs are never passed by later ones.
 * The fair rounds come first: this order is within a round (queue/fair-lanes) or a fair rank
 * (queue/bullmq-order), never across them.
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
 * 200 later jobs: in a class's burst every quick run that arrives around a compile goes before it
 * (a class of 200 submitting at once), and the compile waits at most 200 quick runs longer than
 * FIFO would make it: about 6 s on two cores at the ~60 ms a Python run takes in a slot. (In a
 * model of the bench's classroom burst, 100 left the median result at 41% of the makespan, 200 at
 * 34%, and more gained nothing.)
 */
export const DEFAULT_OVERTAKE_LIMIT = 200;
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

/**
 * The class each language of the catalog starts with: its `queueCost` where it names one (C's quick
 * compile is cheap), else costly with a compile step and cheap without. `cheapLanguages` are
 * languages outside the catalog that run nothing costly (an output-only problem's `output`: its
 * files are compared, nothing compiles). Any other unknown language counts as costly (a newer node
 * enqueued it), so it never passes others.
 */
export function costByCatalog(
  definitions: readonly { id: string; compile?: readonly string[]; queueCost?: RunCost }[],
  cheapLanguages: readonly string[] = [],
): CostOf {
  const classes = new Map<string, RunCost>(cheapLanguages.map((id) => [id, 'cheap']));
  for (const { id, compile, queueCost } of definitions)
    classes.set(id, queueCost ?? (compile ? 'costly' : 'cheap'));
  return (submission) => classes.get(submission.language) ?? 'costly';
}

/** Judges remembered for a median (the most recent ones), of a language and of an exercise. */
const HISTORY_RUNS = 31;
/** Judges of a language seen before its median is trusted over the catalog's class. */
const LANGUAGE_MIN_RUNS = 5;
/**
 * Judges of an exercise seen before its median is trusted over its language's: two, since the jobs
 * of one exercise (one program's task under one set of limits) cost alike, and a class sends it
 * many times at once: its first judges are worth learning from before most of it has run.
 */
const EXERCISE_MIN_RUNS = 2;
/** Exercises remembered, the least recently judged forgotten first: a bound on memory. */
const MAX_EXERCISES = 1_000;
/**
 * A language whose recent judges took a median above this is costly, in ms: between what a quick
 * run takes in a slot (Python's print(1) ~50 ms, a C hello's compile and run ~100-200 ms) and a
 * JVM compile (~1 s and more).
 */
export const COSTLY_JUDGE_MS = 500;

/**
 * What a job is an instance of, for its cost: its language and its problem, or for a run without
 * a problem the limits it runs under (a class's ad-hoc exercise: the limits its page sends). A
 * class's infinite loops (Python stopped at its CPU limit) look like every other Python job to the
 * language's median; their exercise's median shows them costly once two were judged.
 */
export function exerciseOf(submission: SubmissionRecord): string {
  const task = submission.problemId ?? `limits ${JSON.stringify(submission.request.limits)}`;
  return `${submission.language} ${task}`;
}

/** Recent judge times of some kind of job, and the class their median gives once trusted. */
class JudgeTimes {
  readonly #runs: number[] = [];
  cost: RunCost | null = null;

  constructor(readonly minRuns: number) {}

  add(judgeMs: number): void {
    this.#runs.push(judgeMs);
    if (this.#runs.length > HISTORY_RUNS) this.#runs.shift();
    if (this.#runs.length < this.minRuns) return;
    // The lower median: of two judges, both must be slow to make a kind of job costly.
    const sorted = [...this.#runs].sort((a, b) => a - b);
    this.cost = sorted[(sorted.length - 1) >> 1]! > COSTLY_JUDGE_MS ? 'costly' : 'cheap';
  }
}

/**
 * Recent judge times (startedAt to finishedAt, as the worker measured them) of each exercise and
 * each language, and the classes their medians give: an exercise's where it has been judged twice,
 * else its language's where that has been judged five times, else the fallback (the catalog's).
 * The median, not the mean: a few infinite loops stopped at their CPU limit must not make a whole
 * language costly. O(HISTORY_RUNS) per observation, O(1) per estimate (a few hundred bytes of
 * limits made into a key).
 */
export class RunCostHistory {
  readonly #languages = new Map<string, JudgeTimes>();
  /** By exerciseOf, least recently judged first. */
  readonly #exercises = new Map<string, JudgeTimes>();

  /** Records one judge of `submission` that took `judgeMs`. */
  observe(submission: SubmissionRecord, judgeMs: number): void {
    if (!Number.isFinite(judgeMs) || judgeMs < 0) return;
    let language = this.#languages.get(submission.language);
    if (!language) this.#languages.set(submission.language, (language = new JudgeTimes(LANGUAGE_MIN_RUNS)));
    language.add(judgeMs);
    const key = exerciseOf(submission);
    const exercise = this.#exercises.get(key) ?? new JudgeTimes(EXERCISE_MIN_RUNS);
    this.#exercises.delete(key);
    this.#exercises.set(key, exercise);
    if (this.#exercises.size > MAX_EXERCISES) this.#exercises.delete(this.#exercises.keys().next().value!);
    exercise.add(judgeMs);
  }

  /** The history's class where it has one, else `fallback`'s. */
  costOf(fallback: CostOf): CostOf {
    return (submission) =>
      this.#exercises.get(exerciseOf(submission))?.cost ??
      this.#languages.get(submission.language)?.cost ??
      fallback(submission);
  }
}
