import {
  DEFAULT_SANDBOX_ENV,
  resolveLimits,
  type RunSpec,
  type SandboxFile,
  type SandboxPool,
} from '../src/sandbox/index.js';
import { execBareExpecting } from './bare-exec.js';
import { expectAccepted } from './expect.js';
import { formatPercent, formatRate, formatSigned, verdict } from './format.js';
import { HELLO_OUTPUT, type BuiltPrograms, type StagedPrograms } from './programs.js';
import type { Table } from './report.js';
import type { SetupProbe } from './setup-probe.js';
import { median } from './stats.js';
import { measureInterleaved, type LoadShape } from './throughput.js';

/** The interpreter both sides run: the system one, not a pyenv shim that would add its own start-up. */
const PYTHON = '/usr/bin/python3';

/** A way of running the program in the sandbox. */
interface SandboxVariant {
  name: string;
  spec: RunSpec & { files?: readonly SandboxFile[] };
}

/** One program, its bare command, and the sandbox variants measured against it. */
interface ProgramGroup {
  program: string;
  /** Sandbox throughput as a fraction of bare throughput that the project aims for. */
  target: number;
  bareCommand: string[];
  expectedStdout: string;
  variants: SandboxVariant[];
  /** Runs per measured pass. */
  runs: number;
}

export interface OverheadRow {
  program: string;
  variant: string;
  concurrency: number;
  bareRate: number;
  sandboxRate: number;
  target: number;
  /** Each pass's rate, bare and sandboxed, to show the spread behind the medians. */
  barePasses: number[];
  sandboxPasses: number[];
  setupUs: number[];
}

export interface OverheadOptions {
  pool: SandboxPool;
  probe: SetupProbe;
  built: BuiltPrograms;
  staged: StagedPrograms;
  /** Concurrency levels to measure at, e.g. [1, cores]. */
  concurrencies: number[];
  warmupRuns: number;
  passes: number;
  pythonRuns: number;
  cRuns: number;
}

function programGroups(options: OverheadOptions): ProgramGroup[] {
  const limits = resolveLimits({});
  return [
    {
      program: "python3 -c 'print(1)'",
      target: 0.85,
      bareCommand: [PYTHON, '-c', 'print(1)'],
      expectedStdout: '1\n',
      variants: [{ name: 'pool.run', spec: { command: [PYTHON, '-c', 'print(1)'], limits } }],
      runs: options.pythonRuns,
    },
    {
      program: 'C hello (gcc -O2)',
      target: 0.5,
      bareCommand: [options.built.paths.hello],
      expectedStdout: HELLO_OUTPUT,
      variants: [
        {
          // The binary is written into the box on every run: what a judge does with a fresh upload.
          name: 'files: copied in per run',
          spec: {
            command: ['./hello'],
            files: [{ name: 'hello', content: options.built.helloBytes, executable: true }],
            limits,
          },
        },
        {
          name: 'readOnlyDirs: no copy',
          spec: { command: [options.staged.paths.hello], limits },
        },
      ],
      runs: options.cRuns,
    },
  ];
}

/** Measures every program at every concurrency, bare and in each sandbox variant. */
export async function measureSandboxOverhead(options: OverheadOptions): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  for (const group of programGroups(options)) {
    for (const concurrency of options.concurrencies) {
      const shape: LoadShape = {
        concurrency,
        warmupRuns: options.warmupRuns,
        runs: group.runs,
        passes: options.passes,
      };
      // Bare runs get the sandbox's default environment, so neither side reads settings the other
      // does not (PYTHON* variables, a different PATH).
      const bare = {
        name: 'bare',
        runOnce: async () => {
          await execBareExpecting(group.bareCommand, DEFAULT_SANDBOX_ENV, group.expectedStdout);
        },
      };
      const sandboxed = group.variants.map((variant) => ({
        name: variant.name,
        runOnce: async () => {
          expectAccepted(variant.name, await options.pool.run(variant.spec), group.expectedStdout);
        },
      }));
      const [bareResult, ...variantResults] = await measureInterleaved(
        [bare, ...sandboxed],
        shape,
        options.probe,
      );
      for (const result of variantResults) {
        rows.push({
          program: group.program,
          variant: result.name,
          concurrency,
          bareRate: bareResult!.runsPerSecond,
          sandboxRate: result.runsPerSecond,
          target: group.target,
          barePasses: bareResult!.passRates,
          sandboxPasses: result.passRates,
          setupUs: result.setupUs,
        });
      }
    }
  }
  return rows;
}

/**
 * Extra wall time each run took in the sandbox: a loop's time per run is concurrency / rate, so
 * this is the sandbox's cost as one caller feels it.
 */
const addedMsPerRun = (row: OverheadRow): number =>
  row.concurrency * (1000 / row.sandboxRate - 1000 / row.bareRate);

const passSpread = (rates: number[]): string => rates.map((r) => Math.round(r)).join('/');

export function overheadTable(
  rows: readonly OverheadRow[],
  details: { warmupRuns: number; passes: number },
): Table {
  return {
    title: 'Throughput: sandbox vs bare exec (runs per second, median of passes)',
    columns: [
      { header: 'program' },
      { header: 'sandbox variant' },
      { header: 'conc', align: 'right' },
      { header: 'bare', align: 'right' },
      { header: 'sandbox', align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
      { header: 'added/run', align: 'right' },
      { header: 'setup med', align: 'right' },
      { header: 'passes bare | sandbox' },
    ],
    rows: rows.map((row) => {
      const ratio = row.sandboxRate / row.bareRate;
      return [
        row.program,
        row.variant,
        String(row.concurrency),
        formatRate(row.bareRate),
        formatRate(row.sandboxRate),
        formatPercent(ratio),
        `>= ${formatPercent(row.target, 0)}`,
        verdict(ratio >= row.target),
        formatSigned(addedMsPerRun(row), 2, ' ms'),
        row.setupUs.length > 0 ? `${Math.round(median(row.setupUs))} us` : 'n/a',
        `${passSpread(row.barePasses)} | ${passSpread(row.sandboxPasses)}`,
      ];
    }),
    notes: [
      `${details.warmupRuns} warm-up runs per contender, then ${details.passes} passes; bare and sandbox passes alternate.`,
      'bare: node child_process.spawn, stdout and stderr collected, awaited to exit; conc = loops running at once.',
      'sandbox: SandboxPool (slots = cores), pool.run() with resolveLimits({}); every run is checked for status and output.',
      "bare includes node's own spawn cost (fork of the node process, on its main thread); the sandbox forks in its small supervisor instead, so a ratio above 100% is possible.",
      'added/run: extra wall time per run in the sandbox, concurrency x (1/sandbox - 1/bare).',
      "setup med: median of the supervisor's setup_us (fork to exec inside the slot) over the measured runs.",
      'result is informational: a MISS does not fail the bench.',
    ],
  };
}
