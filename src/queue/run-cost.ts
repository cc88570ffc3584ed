import type { SubmissionRecord } from '../store/types.js';

/**
 * Cost-aware order within a fair round (issue [M]): a job expected to be cheap runs before one
 * expected to cost more, so a class's Python hellos do not queue behind its compiles, and a quick
 * C compile does not queue behind a Java one; and no job is passed by more than `overtakeLimit`
 * jobs that arrived after it, so nothing starves.
 *
 * The estimate is one of three classes, not a number of milliseconds: `cheap` (nothing to compile:
 * an interpreter's run, an output-only problem's files), `moderate` (a quick compile, C's), `costly`
 * (a slow compile: Java, Kotlin, Rust, C++; or any job its history shows slow). By default
 * (costByCatalog) it is the language catalog's at enqueue time. Scale-out uses only that: the API
 * node that enqueues has the catalog but neither the workers' compile caches (each worker keeps its
 * own, and which worker takes the job is not known yet) nor their timings. A compile costs tens to
 * thousands of times an interpreter's start (issue [M]: 0.7 s CPU for a Java hello, 2.9 s for
 * Kotlin, against ~15 ms for print(1)). The embedded mode, whose workers are in the same process,
 * also learns (RunCostHistory): once a kind of job has been judged a few times, the median of its
 * recent judges tells a slow one from a quick one, so a Python problem with many tests counts as
 * costly and a compiler that turns out quick as moderate.
 *
 * The bound works by arrival number: within a priority every job gets the next number `seq`, and
 * its key is `seq` for a cheap job and `seq + overtakeLimit` for the others. A job is due once a
 * later arrival's number passed its key (so exactly `overtakeLimit` later jobs could pass it).
 * Due jobs run in key order (a tie to the cheaper class; cheap jobs are always due); then, of the
 * jobs not due yet, moderate ones before costly ones, each in arrival order. A costly job not yet
 * due has fewer than `overtakeLimit` later arrivals, so however they are ordered at most that many
 * pass it; cheap jobs are never passed by later ones. The fair rounds come first: this order is
 * within a round (queue/fair-lanes) or a fair rank (queue/bullmq-order), never across them.
 */
export type RunCost = 'cheap' | 'moderate' | 'costly';

/** The classes cheapest first: the order of ties and of the jobs not yet due. */
export const RUN_COSTS: readonly RunCost[] = ['cheap', 'moderate', 'costly'];

/** 0 for cheap, 1 for moderate, 2 for costly. */
export const costRank = (cost: RunCost): number => RUN_COSTS.indexOf(cost);

/** A job's place in the cost order (see above): its arrival number, pushed back unless cheap. */
export const costKey = (seq: number, cost: RunCost, overtakeLimit: number): number =>
  cost === 'cheap' ? seq : seq + overtakeLimit;

/** A job's place in the cost order: its key and its class's rank (cheap 0, moderate 1, costly 2). */
export interface CostPlace {
  key: number;
  rank: number;
}

/**
 * Whether `a` runs before `b` (queue/run-cost), `last` being the lane's last arrival number: a job
 * is due once its key is below it (cheap ones always are). Due jobs go first, by key, a tie to the
 * cheaper class; jobs not yet due after them, the cheaper class first, then by key (arrival order).
 */
export function runsBefore(a: CostPlace, b: CostPlace, last: number): boolean {
  const aDue = a.rank === 0 || a.key < last;
  const bDue = b.rank === 0 || b.key < last;
  if (aDue !== bDue) return aDue;
  if (aDue) return a.key < b.key || (a.key === b.key && a.rank < b.rank);
  return a.rank < b.rank || (a.rank === b.rank && a.key < b.key);
}

/** What a job's class is estimated from: its language and its exercise (exerciseOf). */
export type CostFacts = Pick<SubmissionRecord, 'language' | 'problemId'> & {
  request: Pick<SubmissionRecord['request'], 'limits'>;
};

/** The estimate of one queued submission; a pure function of its facts at the time it is asked. */
export type CostOf = (submission: CostFacts) => RunCost;

export interface CostOrderOptions {
  /** How a submission is classed. Default: every job cheap (plain FIFO within a round). */
  costOf?: CostOf;
  /** At most this many later jobs pass a costly one, >= 0 (0: FIFO). Default DEFAULT_OVERTAKE_LIMIT. */
  overtakeLimit?: number;
  /**
   * Changes whenever `costOf` may answer differently for a job it was asked about (a history
   * learned something): the embedded queue then asks again for every waiting job, so a burst's jobs
   * queued before their exercise was judged still get the class its first judges show. Scale-out
   * has no history and never asks. Default: never changes (RunCostHistory.version).
   */
  costVersion?: () => number;
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
const NEVER_CHANGES = (): number => 0;

/** The options with defaults, checked once; throws RangeError naming the bad key. */
export function resolveCostOrder(options: CostOrderOptions = {}): Required<CostOrderOptions> {
  const overtakeLimit = options.overtakeLimit ?? DEFAULT_OVERTAKE_LIMIT;
  if (!Number.isSafeInteger(overtakeLimit) || overtakeLimit < 0 || overtakeLimit > MAX_OVERTAKE_LIMIT)
    throw new RangeError(
      `overtakeLimit must be an integer in 0..${MAX_OVERTAKE_LIMIT}, got ${overtakeLimit}`,
    );
  return {
    costOf: options.costOf ?? EVERY_JOB_CHEAP,
    overtakeLimit,
    costVersion: options.costVersion ?? NEVER_CHANGES,
  };
}

/**
 * The class each language of the catalog starts with: its `queueCost` where it names one (C's quick
 * compile is moderate), else costly with a compile step and cheap without. `cheapLanguages` are
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
/**
 * Of the judges remembered of a language or an exercise, at most this many are one submitter's
 * (its latest): one student who sends the same slow program again and again cannot make a
 * problem costly for the class by themselves, past the first judges, nor keep it so.
 */
const RUNS_PER_SUBMITTER = 3;
/** Exercises remembered, the least recently judged forgotten first: a bound on memory. */
const MAX_EXERCISES = 1_000;
/**
 * A kind of job whose recent judges took a median above this is slow, in ms: between what a quick
 * job takes in a slot (Python's print(1) ~50 ms, a C hello's compile and run ~100-200 ms) and a
 * JVM compile (~1 s and more).
 */
export const COSTLY_JUDGE_MS = 500;

/**
 * What a job is an instance of, for its cost: its language and its problem, or for a run without
 * a problem the limits it runs under (a class's ad-hoc exercise: the limits its page sends). A
 * class's infinite loops (Python stopped at its CPU limit) look like every other Python job to the
 * language's median; their exercise's median shows them costly once two were judged.
 */
export function exerciseOf(submission: CostFacts): string {
  const task = submission.problemId ?? `limits ${JSON.stringify(submission.request.limits)}`;
  return `${submission.language} ${task}`;
}

/** Recent judge times of some kind of job, and whether their median, once trusted, is slow. */
class JudgeTimes {
  readonly #runs: { judgeMs: number; submitter: string }[] = [];
  slow: boolean | null = null;

  constructor(readonly minRuns: number) {}

  /** Returns whether `slow` changed. */
  add(judgeMs: number, submitter: string): boolean {
    const own = this.#runs.findIndex((run) => run.submitter === submitter);
    const owned = this.#runs.reduce((count, run) => count + (run.submitter === submitter ? 1 : 0), 0);
    if (owned >= RUNS_PER_SUBMITTER) this.#runs.splice(own, 1);
    this.#runs.push({ judgeMs, submitter });
    if (this.#runs.length > HISTORY_RUNS) this.#runs.shift();
    if (this.#runs.length < this.minRuns) return false;
    // The lower median: of two judges, both must be slow to make a kind of job slow.
    const sorted = this.#runs.map((run) => run.judgeMs).sort((a, b) => a - b);
    const slow = sorted[(sorted.length - 1) >> 1]! > COSTLY_JUDGE_MS;
    const changed = slow !== this.slow;
    this.slow = slow;
    return changed;
  }
}

/**
 * Recent judge times (startedAt to finishedAt, as the worker measured them) of each exercise and
 * each language, and what their medians say: an exercise's where it has been judged twice, else its
 * language's where that has been judged five times. A slow median makes a job costly. A quick one
 * keeps the fallback's (the catalog's) class, except that a compile the catalog calls costly is
 * moderate once it proves quick: a job with a compile step never counts as cheap, since one run
 * without a compile is cheaper still. The median, not the mean: a few infinite loops stopped at
 * their CPU limit must not make a whole language costly; at most RUNS_PER_SUBMITTER of the judges
 * remembered are one submitter's. O(HISTORY_RUNS) per observation, O(1) per
 * estimate (a few hundred bytes of limits made into a key).
 */
export class RunCostHistory {
  readonly #languages = new Map<string, JudgeTimes>();
  /** By exerciseOf, least recently judged first. */
  readonly #exercises = new Map<string, JudgeTimes>();
  #version = 0;

  /** Goes up each time what a median says changes (CostOrderOptions.costVersion). */
  get version(): number {
    return this.#version;
  }

  /** Records one judge of `submission` that took `judgeMs`. */
  observe(submission: CostFacts & Pick<SubmissionRecord, 'submitter'>, judgeMs: number): void {
    if (!Number.isFinite(judgeMs) || judgeMs < 0) return;
    let language = this.#languages.get(submission.language);
    if (!language) this.#languages.set(submission.language, (language = new JudgeTimes(LANGUAGE_MIN_RUNS)));
    if (language.add(judgeMs, submission.submitter)) this.#version++;
    const key = exerciseOf(submission);
    const exercise = this.#exercises.get(key) ?? new JudgeTimes(EXERCISE_MIN_RUNS);
    this.#exercises.delete(key);
    this.#exercises.set(key, exercise);
    // A forgotten exercise's waiting jobs keep the class they have: no new version for that.
    if (this.#exercises.size > MAX_EXERCISES) this.#exercises.delete(this.#exercises.keys().next().value!);
    if (exercise.add(judgeMs, submission.submitter)) this.#version++;
  }

  /** The cost order this history gives a queue: its classes over `fallback`, and its version. */
  order(fallback: CostOf): Required<Pick<CostOrderOptions, 'costOf' | 'costVersion'>> {
    return { costOf: this.costOf(fallback), costVersion: () => this.#version };
  }

  /** The history's class where it has one (see above), else `fallback`'s. */
  costOf(fallback: CostOf): CostOf {
    return (submission) => {
      const prior = fallback(submission);
      const slow =
        this.#exercises.get(exerciseOf(submission))?.slow ?? this.#languages.get(submission.language)?.slow;
      if (slow === null || slow === undefined) return prior;
      if (slow) return 'costly';
      return prior === 'costly' ? 'moderate' : prior;
    };
  }
}
