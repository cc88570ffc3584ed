import { performance } from 'node:perf_hooks';
import type { ExecLoop, ExecLoopOptions } from './exec-loop.js';
import { median } from './stats.js';
import type { SetupProbe, SetupSteps } from './setup-probe.js';

/** One way of running a program; a pass throws when a run did not do what it should. */
export interface Contender {
  name: string;
  /** Runs the program exactly `runs` times over `concurrency` loops; resolves to runs per second. */
  pass: (concurrency: number, runs: number) => Promise<number>;
}

export interface LoadShape {
  /** Loops running at once, each starting its next run when the last one returned. */
  concurrency: number;
  /** Runs before measuring, to warm caches, the JIT and the slots. */
  warmupRuns: number;
  /** Runs per measured pass. */
  runs: number;
  /** Passes; the reported rate is their median. */
  passes: number;
}

export interface ContenderResult {
  name: string;
  /** Median over the passes, runs per second. */
  runsPerSecond: number;
  /** Every pass's rate, to show the spread. */
  passRates: number[];
  /** The supervisor's setup_us of every measured run; empty for bare runs. */
  setupUs: number[];
  /** The supervisor's setup steps of every measured run; empty for bare runs. */
  setupSteps: SetupSteps[];
}

/** Runs `runOnce` exactly `runs` times spread over `concurrency` loops; returns runs per second. */
export async function runsPerSecond(
  runOnce: () => Promise<void>,
  concurrency: number,
  runs: number,
): Promise<number> {
  let started = 0;
  const loop = async (): Promise<void> => {
    // Claimed before the await, so the loops together start exactly `runs` runs.
    while (started < runs) {
      started++;
      await runOnce();
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return runs / ((performance.now() - begin) / 1000);
}

/** A contender whose runs are started from node, one `runOnce` at a time per loop. */
export function nodeContender(name: string, runOnce: () => Promise<void>): Contender {
  return { name, pass: (concurrency, runs) => runsPerSecond(runOnce, concurrency, runs) };
}

/**
 * The bare ceiling as a contender: each pass is one invocation of the C loop, which times its own
 * runs, so starting the loop from node costs nothing that is counted.
 */
export function execLoopContender(
  name: string,
  loop: ExecLoop,
  options: Omit<ExecLoopOptions, 'runs' | 'concurrency' | 'warmupRuns'>,
): Contender {
  return {
    name,
    pass: async (concurrency, runs) => (await loop.run({ ...options, concurrency, runs })).runsPerSecond,
  };
}

/**
 * Measures several contenders under the same load. Their passes are interleaved (bare, sandbox,
 * bare, sandbox, ...) so that a burst of load from elsewhere on the machine hits all of them rather
 * than skewing one ratio.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  shape: LoadShape,
  probe: SetupProbe,
): Promise<ContenderResult[]> {
  for (const contender of contenders) {
    if (shape.warmupRuns > 0) await contender.pass(shape.concurrency, shape.warmupRuns);
  }
  const results = contenders.map((c) => ({
    name: c.name,
    passRates: [] as number[],
    setupUs: [] as number[],
    setupSteps: [] as SetupSteps[],
  }));
  for (let pass = 0; pass < shape.passes; pass++) {
    for (const [i, contender] of contenders.entries()) {
      probe.drain();
      probe.drainSteps();
      results[i]!.passRates.push(await contender.pass(shape.concurrency, shape.runs));
      results[i]!.setupUs.push(...probe.drain());
      results[i]!.setupSteps.push(...probe.drainSteps());
    }
  }
  return results.map((r) => ({ ...r, runsPerSecond: median(r.passRates) }));
}

/**
 * Extra wall time each run took against the ceiling, as one caller feels it: a loop's time per run
 * is concurrency / rate, so this is concurrency x (1/rate - 1/ceiling), in milliseconds. Negative
 * when the figure beat its ceiling (noise, for a true ceiling).
 */
export function addedMsPerRun(concurrency: number, rate: number, ceilingRate: number): number {
  if (!(concurrency >= 1 && rate > 0 && ceilingRate > 0))
    throw new Error(
      `addedMsPerRun needs concurrency >= 1 and positive rates, got ${concurrency}, ${rate}, ${ceilingRate}`,
    );
  return concurrency * (1000 / rate - 1000 / ceilingRate);
}
