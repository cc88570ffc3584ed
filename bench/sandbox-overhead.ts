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
import type { SetupProbe, SetupSteps } from './setup-probe.js';
import { median } from './stats.js';
import { buildExecLoop } from './exec-loop.js';
import {
  addedMsPerRun,
  execLoopContender,
  measureInterleaved,
  nodeContender,
  type LoadShape,
} from './throughput.js';

/** The interpreter both sides run: the system one, not a pyenv shim that would add its own start-up. */
const PYTHON = '/usr/bin/python3';

/** The informational runner: the bare ceiling before the C loop replaced it. */
const NODE_SPAWN = 'node child_process.spawn';

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
  /** The runner measured against the ceiling: a sandbox variant, or node's spawn. */
  variant: string;
  concurrency: number;
  /** The ceiling: the C loop's rate. */
  bareRate: number;
  /** The runner's rate. */
  sandboxRate: number;
  /** Null for the informational node spawn row. */
  target: number | null;
  /** Each pass's rate, bare and sandboxed, to show the spread behind the medians. */
  barePasses: number[];
  sandboxPasses: number[];
  setupUs: number[];
  setupSteps: SetupSteps[];
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
      variants: [{ name: 'sandbox: pool.run', spec: { command: [PYTHON, '-c', 'print(1)'], limits } }],
      runs: options.pythonRuns,
    },
    {
      program: 'C hello (gcc -O2)',
      target: 0.65,
      bareCommand: [options.built.paths.hello],
      expectedStdout: HELLO_OUTPUT,
      variants: [
        {
          // The binary is written into the box on every run: what a judge does with a fresh upload.
          name: 'sandbox: files copied in per run',
          spec: {
            command: ['./hello'],
            files: [{ name: 'hello', content: options.built.helloBytes, executable: true }],
            limits,
          },
        },
        {
          name: 'sandbox: readOnlyDirs, no copy',
          spec: { command: [options.staged.paths.hello], limits },
        },
      ],
      runs: options.cRuns,
    },
  ];
}

/**
 * Measures every program at every concurrency against the C loop's bare ceiling: each sandbox
 * variant, and node's spawn as an informational row (what the ceiling used to be).
 */
export async function measureSandboxOverhead(options: OverheadOptions): Promise<OverheadRow[]> {
  const loop = buildExecLoop();
  try {
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
        const ceiling = execLoopContender('bare', loop, {
          command: group.bareCommand,
          env: DEFAULT_SANDBOX_ENV,
          expectedStdout: group.expectedStdout,
        });
        const nodeSpawn = nodeContender(NODE_SPAWN, async () => {
          await execBareExpecting(group.bareCommand, DEFAULT_SANDBOX_ENV, group.expectedStdout);
        });
        const sandboxed = group.variants.map((variant) =>
          nodeContender(variant.name, async () => {
            expectAccepted(variant.name, await options.pool.run(variant.spec), group.expectedStdout);
          }),
        );
        const [bareResult, ...others] = await measureInterleaved(
          [ceiling, nodeSpawn, ...sandboxed],
          shape,
          options.probe,
        );
        for (const result of others) {
          rows.push({
            program: group.program,
            variant: result.name,
            concurrency,
            bareRate: bareResult!.runsPerSecond,
            sandboxRate: result.runsPerSecond,
            target: result.name === NODE_SPAWN ? null : group.target,
            barePasses: bareResult!.passRates,
            sandboxPasses: result.passRates,
            setupUs: result.setupUs,
            setupSteps: result.setupSteps,
          });
        }
      }
    }
    return rows;
  } finally {
    loop.remove();
  }
}

const passSpread = (rates: number[]): string => rates.map((r) => Math.round(r)).join('/');

export function overheadTable(
  rows: readonly OverheadRow[],
  details: { warmupRuns: number; passes: number },
): Table {
  return {
    title: 'Throughput: sandbox vs bare exec (runs per second, median of passes)',
    columns: [
      { header: 'program' },
      { header: 'runner' },
      { header: 'conc', align: 'right' },
      { header: 'bare (C loop)', align: 'right' },
      { header: 'rate', align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: 'added/run', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
      { header: 'setup med', align: 'right' },
      { header: 'passes bare | runner' },
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
        formatSigned(addedMsPerRun(row.concurrency, row.sandboxRate, row.bareRate), 2, ' ms'),
        row.target === null ? '-' : `>= ${formatPercent(row.target, 0)}`,
        row.target === null ? 'info' : verdict(ratio >= row.target),
        row.setupUs.length > 0 ? `${Math.round(median(row.setupUs))} us` : 'n/a',
        `${passSpread(row.barePasses)} | ${passSpread(row.sandboxPasses)}`,
      ];
    }),
    notes: [
      `${details.warmupRuns} warm-up runs per runner, then ${details.passes} passes; the runners' passes alternate.`,
      'bare (C loop): bench/exec-loop.c, built with gcc at the start; fork, exec, stdin /dev/null, stdout and ' +
        'stderr drained through pipes, wait; it times its own runs, so node never enters the figure. Every run ' +
        "is checked for exit 0 and its exact output. It is the least any runner can spend on a run; the sandbox's " +
        'supervisor does the same plus its isolation, so a ratio above 100% can only be noise.',
      'conc: runs at once (loops in node, children in flight in the C loop).',
      'sandbox runners: SandboxPool (slots = cores), pool.run() with resolveLimits({}); every run is checked for status and output.',
      `${NODE_SPAWN}: the former ceiling, node's spawn from the bench process, output collected, awaited to ` +
        'close; informational, it pays for forking node on its main thread.',
      'added/run: extra wall time per run against the C loop, concurrency x (1/rate - 1/bare).',
      "setup med: median of the supervisor's setup_us (fork to exec inside the slot) over the measured runs.",
      'result is informational: a MISS does not fail the bench.',
    ],
  };
}

/**
 * Where the supervisor's per-run time goes, step by step (its steps_us): the median of each step
 * over a row's measured runs. Before the fork: limits (the run cgroup's limit files) and files (the
 * capture files and pipes); fork to exec: fork, cgroup (the child joining the run cgroup; 0 where
 * clone3 put it there), fds, rlimits, uid (groups, uid and capabilities dropped), seccomp
 * (no_new_privs and the filter), exec (execve until the supervisor sees it); after the program:
 * meter (reaping, reading the cgroup's counters, proving it empty) and, after the report, reset
 * (the run cgroup removed and made again for the next run).
 */
export function setupStepsTable(rows: readonly OverheadRow[]): Table | null {
  const measured = rows.filter((row) => row.setupSteps.length > 0);
  if (measured.length === 0) return null;
  const names = [...measured[0]!.setupSteps[0]!.keys()];
  return {
    title: "Sandbox: the supervisor's per-run time, step by step (median us)",
    columns: [
      { header: 'program' },
      { header: 'runner' },
      { header: 'conc', align: 'right' },
      ...names.map((name) => ({ header: name, align: 'right' as const })),
      { header: 'setup_us', align: 'right' },
    ],
    rows: measured.map((row) => [
      row.program,
      row.variant,
      String(row.concurrency),
      ...names.map((name) => String(Math.round(median(row.setupSteps.map((steps) => steps.get(name) ?? 0))))),
      String(Math.round(median(row.setupUs))),
    ]),
    notes: [
      "steps_us of the supervisor's report line (src/sandbox/native/supervisor.c), read by the bench only: " +
        'fork to exec is fork + cgroup + fds + rlimits + uid + seccomp + exec (= setup_us); limits and files come ' +
        "before the fork, meter after the program's end, reset after the report (the previous run's).",
    ],
  };
}
