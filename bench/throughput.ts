import { performance } from 'node:perf_hooks';
import { median } from './stats.js';
import type { SetupProbe } from './setup-probe.js';

/** One way of running a program once; it throws when the run did not do what it should. */
export interface Contender {
  name: string;
  runOnce: () => Promise<void>;
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
    await runsPerSecond(contender.runOnce, shape.concurrency, shape.warmupRuns);
  }
  const results = contenders.map((c) => ({
    name: c.name,
    passRates: [] as number[],
    setupUs: [] as number[],
  }));
  for (let pass = 0; pass < shape.passes; pass++) {
    for (const [i, contender] of contenders.entries()) {
      probe.drain();
      results[i]!.passRates.push(await runsPerSecond(contender.runOnce, shape.concurrency, shape.runs));
      results[i]!.setupUs.push(...probe.drain());
    }
  }
  return results.map((r) => ({ ...r, runsPerSecond: median(r.passRates) }));
}
