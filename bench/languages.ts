/**
 * The languages section (`npm run bench -- --only languages`): for every installed language, its
 * hello world (src/languages/samples.ts, given "world" on stdin) compiled and run in the sandbox
 * against the same toolchain run bare, in the same run. Bare means the C loop (exec-loop.ts) running
 * the catalog's own compile and run command lines in a temporary directory, with the environment the
 * sandbox gives the language; never node's spawn. Target: each language's runs at >= 90% of its bare
 * rate; for a language that misses, a note says where the extra time goes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveCompileLimits, resolveRunLimits } from '../src/judge/limits-policy.js';
import { LanguageRegistry } from '../src/languages/index.js';
import type { LanguageDefinition } from '../src/languages/language.js';
import { GREETING_SAMPLES } from '../src/languages/samples.js';
import {
  DEFAULT_MAX_LIMITS,
  DEFAULT_RUN_LIMITS,
  DEFAULT_SANDBOX_ENV,
  SandboxPool,
  type RunLimits,
  type RunResult,
  type SandboxLease,
} from '../src/sandbox/index.js';
import { buildExecLoop, type ExecLoop } from './exec-loop.js';
import { expectAccepted } from './expect.js';
import { formatPercent, formatRate, formatSigned, verdict } from './format.js';
import { machineFacts } from './machine.js';
import type { Report, Table } from './report.js';
import { installSetupProbe, type SetupProbe } from './setup-probe.js';
import { median } from './stats.js';
import { addedMsPerRun } from './throughput.js';

/** Each language's run rate in the sandbox as a share of its bare rate that the project aims for. */
export const RUN_TARGET = 0.9;
/** What every sample reads, and (trimmed) what it must print. */
const STDIN = 'world\n';
const GREETING = 'hello world';

/**
 * Run counts, sized so the section takes a few minutes for 54 languages: a pass lasts about
 * PASS_BUDGET_MS of bare runs, at least MIN_RUNS and at most MAX_RUNS runs (a C hello takes 1 ms
 * bare, a Clojure one a second). Compiles are slow, so they get few repetitions.
 */
const PASSES = 3;
const WARMUP_RUNS = 2;
const PASS_BUDGET_MS = 400;
const MIN_RUNS = 3;
const MAX_RUNS = 80;
/** A compiler faster than this bare gets a second compile on each side; a slower one, one. */
const SECOND_COMPILE_BELOW_MS = 2_000;

/** Runs per pass for a language whose bare run takes `bareRunMs`, scaled by --runs-scale. */
export function runsPerPass(bareRunMs: number, runsScale = 1): number {
  const max = Math.max(MIN_RUNS, Math.round(MAX_RUNS * runsScale));
  const wanted = Math.round((PASS_BUDGET_MS * runsScale) / Math.max(bareRunMs, 0.001));
  return Math.min(max, Math.max(MIN_RUNS, wanted));
}

/**
 * The sandbox gives every run a private /tmp, and HOME and some caches point into it (HOME=/tmp,
 * GOCACHE=/tmp/.go-cache). Bare runs get their own directory in its place, so neither side starts
 * with caches the other lacks and nothing is shared with the host's /tmp.
 */
export function bareEnvironment(
  env: Readonly<Record<string, string>>,
  tmpDir: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value === '/tmp' || value.startsWith('/tmp/') ? tmpDir + value.slice('/tmp'.length) : value,
    ]),
  );
}

export interface LanguageTiming {
  id: string;
  version: string;
  /** Absent for interpreted languages. */
  compile?: {
    /** Each bare compile, fork to end, ms. */
    bareMs: number[];
    /** Each sandboxed compile, lease.run() round trip, ms. */
    sandboxMs: number[];
    /** The compiler's wall time inside the slot, the supervisor's fork to exit, ms. */
    inSlotMs: number[];
  };
  run: {
    runsPerPass: number;
    barePasses: number[];
    sandboxPasses: number[];
    bareRate: number;
    sandboxRate: number;
    /** Medians per run, ms: the C loop's fork to end; the sandbox's reset + run round trip. */
    bareRunMs: number;
    sandboxRunMs: number;
    /** Parts of a sandboxed run, medians, ms: resetBetweenRuns(); lease.run() round trip. */
    resetMs: number;
    roundTripMs: number;
    /** The supervisor's fork to the program's exit (setup_us + wall_us), median, ms. */
    inSlotMs: number;
    /** The supervisor's setup_us alone, median, ms. */
    setupMs: number;
  };
}

export interface LanguageFailure {
  id: string;
  version: string;
  error: string;
}

interface Context {
  pool: SandboxPool;
  loop: ExecLoop;
  probe: SetupProbe;
  root: string;
  runsScale: number;
}

/** A fresh bare workspace: a work directory holding the source, and the stand-in for /tmp. */
function bareWorkspace(root: string, language: LanguageDefinition, source: string) {
  const dir = mkdtempSync(join(root, `${language.id}-`));
  const work = join(dir, 'work');
  const tmp = join(dir, 'tmp');
  mkdirSync(work);
  mkdirSync(tmp);
  writeFileSync(join(work, language.sourceFile), source);
  return { work, env: bareEnvironment({ ...DEFAULT_SANDBOX_ENV, ...language.env }, tmp) };
}

async function sandboxLease(pool: SandboxPool, language: LanguageDefinition, source: string) {
  const lease = await pool.acquire();
  lease.writeFiles([{ name: language.sourceFile, content: source }]);
  return lease;
}

/** A sandboxed run, timed: its result, and the supervisor's setup_us read off its report. */
async function timedRun(
  lease: SandboxLease,
  probe: SetupProbe,
  spec: Parameters<SandboxLease['run']>[0],
): Promise<{ result: RunResult; roundTripMs: number; inSlotMs: number; setupMs: number }> {
  probe.drain();
  const began = performance.now();
  const result = await lease.run(spec);
  const roundTripMs = performance.now() - began;
  const setupUs = probe.drain();
  const setupMs = setupUs.length === 1 ? setupUs[0]! / 1000 : NaN;
  return { result, roundTripMs, inSlotMs: setupMs + result.wallMs, setupMs };
}

/**
 * One language: compiles alternate bare, sandbox (twice for a fast compiler), then warm-up runs, then
 * run passes alternating the same way.
 */
async function measureLanguage(
  context: Context,
  language: LanguageDefinition,
  version: string,
): Promise<LanguageTiming> {
  const { pool, loop, probe, root } = context;
  const source = GREETING_SAMPLES[language.id];
  if (source === undefined) throw new Error(`no hello world sample for ${language.id}`);
  const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
  const compileLimits: RunLimits = resolveCompileLimits(undefined, language, DEFAULT_MAX_LIMITS);
  const runLimits = resolveRunLimits({
    requested: {},
    defaults: DEFAULT_RUN_LIMITS,
    language,
    max: DEFAULT_MAX_LIMITS,
  });

  let workspace = bareWorkspace(root, language, source);
  let lease: SandboxLease | undefined;
  try {
    let compile: LanguageTiming['compile'];
    if (language.compile) {
      const command = language.compile;
      compile = { bareMs: [], sandboxMs: [], inSlotMs: [] };
      const compiles = context.runsScale < 0.5 ? 1 : 2;
      for (let i = 0; i < compiles; i++) {
        // A fresh directory (bare) and a fresh lease (sandbox) each time: no compile sees another's output.
        workspace = i === 0 ? workspace : bareWorkspace(root, language, source);
        const bare = await loop.run({
          command,
          env: workspace.env,
          cwd: workspace.work,
          runs: 1,
          timeoutMs: compileLimits.wallMs,
        });
        compile.bareMs.push(bare.runNs.median / 1e6);
        lease?.release();
        lease = await sandboxLease(pool, language, source);
        const timed = await timedRun(lease, probe, {
          command,
          env,
          limits: compileLimits,
          mergeStderr: false,
        });
        expectAccepted(`${language.id} compile`, timed.result);
        compile.sandboxMs.push(timed.roundTripMs);
        compile.inSlotMs.push(timed.inSlotMs);
        if (compile.bareMs[0]! >= SECOND_COMPILE_BELOW_MS) break;
      }
    } else {
      lease = await sandboxLease(pool, language, source);
    }
    const box = lease!;

    // As a judge runs each test: a reset (the first freezes what the compile left), then the run.
    const sandboxRun = async (expected?: Buffer) => {
      const began = performance.now();
      await box.resetBetweenRuns();
      const resetMs = performance.now() - began;
      const timed = await timedRun(box, probe, {
        command: language.run,
        env,
        stdin: STDIN,
        limits: runLimits,
      });
      expectAccepted(`${language.id} run`, timed.result);
      const stdout = timed.result.stdout;
      if (expected ? !stdout.equals(expected) : stdout.toString().trim() !== GREETING)
        throw new Error(`${language.id} printed ${JSON.stringify(stdout.toString().slice(0, 200))}`);
      return { ...timed, resetMs, totalMs: performance.now() - began };
    };
    // The sandbox's first output is the one the bare runs must then print byte for byte.
    const expected = (await sandboxRun()).result.stdout;
    for (let i = 1; i < WARMUP_RUNS; i++) await sandboxRun(expected);
    const bareOptions = {
      command: language.run,
      env: workspace.env,
      cwd: workspace.work,
      stdin: STDIN,
      expectedStdout: expected,
      timeoutMs: runLimits.wallMs,
    };
    const warm = await loop.run({ ...bareOptions, runs: WARMUP_RUNS });
    const runs = runsPerPass(warm.runNs.median / 1e6, context.runsScale);

    const barePasses: number[] = [];
    const bareRunMs: number[] = [];
    const sandboxPasses: number[] = [];
    const parts = { totalMs: [] as number[], resetMs: [] as number[], roundTripMs: [] as number[] };
    const slot = { inSlotMs: [] as number[], setupMs: [] as number[] };
    for (let pass = 0; pass < PASSES; pass++) {
      const bare = await loop.run({ ...bareOptions, runs });
      barePasses.push(bare.runsPerSecond);
      bareRunMs.push(bare.runNs.median / 1e6);
      const began = performance.now();
      for (let i = 0; i < runs; i++) {
        const run = await sandboxRun(expected);
        for (const key of ['totalMs', 'resetMs', 'roundTripMs'] as const) parts[key].push(run[key]);
        // A report without setup_us (the probe missed it) leaves the slot's figures out, not wrong.
        if (Number.isFinite(run.setupMs)) {
          slot.inSlotMs.push(run.inSlotMs);
          slot.setupMs.push(run.setupMs);
        }
      }
      sandboxPasses.push(runs / ((performance.now() - began) / 1000));
    }
    return {
      id: language.id,
      version,
      ...(compile ? { compile } : {}),
      run: {
        runsPerPass: runs,
        barePasses,
        sandboxPasses,
        bareRate: median(barePasses),
        sandboxRate: median(sandboxPasses),
        bareRunMs: median(bareRunMs),
        sandboxRunMs: median(parts.totalMs),
        resetMs: median(parts.resetMs),
        roundTripMs: median(parts.roundTripMs),
        inSlotMs: slot.inSlotMs.length > 0 ? median(slot.inSlotMs) : NaN,
        setupMs: slot.setupMs.length > 0 ? median(slot.setupMs) : NaN,
      },
    };
  } finally {
    lease?.release();
  }
}

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a');

/**
 * Where a sandboxed run's extra time goes, from the parts measured around and inside it: the reset
 * between runs (node's file-system work on the slot), the time inside the slot from the supervisor's
 * fork to the program's exit (against the bare loop's fork to end: the cgroup, limits, seccomp and uid
 * switch, and the program running under them), and the rest of the run() round trip (the control
 * line, the report, reading the output back).
 */
export function whereTheTimeGoes(timing: LanguageTiming): string {
  const { run } = timing;
  const added = addedMsPerRun(1, run.sandboxRate, run.bareRate);
  const parts: [string, number][] = [
    ['reset between runs', run.resetMs],
    ['inside the slot beyond bare', run.inSlotMs - run.bareRunMs],
    ['run() round trip beyond the slot', run.roundTripMs - run.inSlotMs],
  ];
  const known = parts.filter(([, value]) => Number.isFinite(value));
  const largest = known.reduce((a, b) => (b[1] > a[1] ? b : a), known[0]!);
  return (
    `${timing.id}: ${formatSigned(added, 2, ' ms')}/run. Medians: bare ${ms(run.bareRunMs)} fork to end; ` +
    `sandboxed ${ms(run.sandboxRunMs)} = reset ${ms(run.resetMs)} + run() ${ms(run.roundTripMs)}, of which ` +
    `${ms(run.inSlotMs)} in the slot from fork to exit (setup_us ${ms(run.setupMs)}). ` +
    `Largest share: ${largest[0]} (${formatSigned(largest[1], 2, ' ms')}).`
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const figureName = (id: string, version: string) => `${id} ${version}`;

export function languageRunTable(
  timings: readonly LanguageTiming[],
  failures: readonly LanguageFailure[],
  runsScale: number,
): Table {
  const misses = timings.filter((t) => t.run.sandboxRate / t.run.bareRate < RUN_TARGET);
  const target = `>= ${formatPercent(RUN_TARGET, 0)}`;
  const spread = (rates: number[]) => rates.map((r) => formatRate(r).replace('/s', '')).join('/');
  return {
    title: 'Languages: hello world run, sandbox vs bare (runs per second at concurrency 1, median of passes)',
    columns: [
      { header: 'figure' },
      { header: 'value', align: 'right' },
      { header: 'ceiling', align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: 'added/run', align: 'right' },
      { header: 'target' },
      { header: 'result' },
      { header: 'runs', align: 'right' },
      { header: 'bare run', align: 'right' },
      { header: 'sandboxed run', align: 'right' },
      { header: 'reset', align: 'right' },
      { header: 'in slot', align: 'right' },
      { header: 'setup_us', align: 'right' },
      { header: 'passes bare | sandbox' },
    ],
    rows: [
      ...timings.map((t) => {
        const ratio = t.run.sandboxRate / t.run.bareRate;
        return [
          `${figureName(t.id, t.version)}: hello run`,
          formatRate(t.run.sandboxRate),
          `bare ${formatRate(t.run.bareRate)}`,
          formatPercent(ratio),
          formatSigned(addedMsPerRun(1, t.run.sandboxRate, t.run.bareRate), 2, ' ms'),
          target,
          verdict(ratio >= RUN_TARGET),
          `${PASSES}x${t.run.runsPerPass}`,
          ms(t.run.bareRunMs),
          ms(t.run.sandboxRunMs),
          ms(t.run.resetMs),
          ms(t.run.inSlotMs),
          ms(t.run.setupMs),
          `${spread(t.run.barePasses)} | ${spread(t.run.sandboxPasses)}`,
        ];
      }),
      ...failures.map((f) => [
        `${figureName(f.id, f.version)}: hello run`,
        'failed',
        '-',
        '-',
        '-',
        target,
        'MISS',
        ...Array<string>(7).fill('-'),
      ]),
    ],
    notes: [
      `${timings.length + failures.length} installed languages: ${timings.length - misses.length} at ${target} of ` +
        `their bare rate, ${misses.length} below, ${failures.length} failed.`,
      'sample: src/languages/samples.ts with "world" on stdin; every run on both sides is checked for exit 0 and ' +
        'for exactly the output of the language\'s first sandboxed run (which must be "hello world").',
      'bare (ceiling): bench/exec-loop.c (fork, exec, stdin, stdout and stderr on pipes, wait) running the ' +
        "catalog's run command in a temporary directory that holds its own bare compile's output, with the " +
        "sandbox's environment for the language (values under /tmp moved to a private directory); as root, no " +
        'limits. Two run commands write a fixed path under /tmp (executable: /tmp/a.out, erlang: /tmp/main.erl), ' +
        "which bare is the host's /tmp.",
      'sandbox: one lease per language on a 1-slot SandboxPool; each run is resetBetweenRuns() then lease.run(), ' +
        'as a judge runs each test, with the run limits a request without limits gets; timed in node.',
      `runs: passes x runs per pass, sized to ~${Math.round(PASS_BUDGET_MS * runsScale)} ms of bare runs per ` +
        `pass (${MIN_RUNS} to ${Math.max(MIN_RUNS, Math.round(MAX_RUNS * runsScale))}); ${WARMUP_RUNS} warm-up ` +
        'runs per side; bare and sandbox passes alternate.',
      'added/run: 1/rate - 1/bare. Medians per run: bare run, fork to end in the C loop; sandboxed run = reset ' +
        "(resetBetweenRuns) + run() round trip; in slot: the supervisor's fork to the program's exit (setup_us + " +
        'wall_us); setup_us: fork to when the supervisor saw the exec, which on a busy machine includes waiting ' +
        'for a CPU while the new program runs, so read it with in slot, not alone.',
      `Where the time goes, for each language below ${target}:`,
      ...misses.map(whereTheTimeGoes),
      ...failures.map((f) => `${f.id}: failed: ${f.error.slice(0, 300)}`),
      'result is informational: a MISS does not fail the bench.',
    ],
  };
}

export function languageCompileTable(timings: readonly LanguageTiming[]): Table {
  const compiled = timings.filter((t) => t.compile);
  const least = (values: number[]) => Math.min(...values);
  return {
    title: 'Languages: hello world compile, sandbox vs bare (seconds, best of 1-2)',
    columns: [
      { header: 'figure' },
      { header: 'value', align: 'right' },
      { header: 'ceiling', align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: 'added', align: 'right' },
      { header: 'target' },
      { header: 'result' },
      { header: 'in slot', align: 'right' },
      { header: 'each bare | sandbox' },
    ],
    rows: compiled.map((t) => {
      const c = t.compile!;
      const bare = least(c.bareMs);
      const sandbox = least(c.sandboxMs);
      const each = (values: number[]) => values.map((value) => (value / 1000).toFixed(2)).join('/');
      return [
        `${figureName(t.id, t.version)}: hello compile`,
        seconds(sandbox),
        `bare ${seconds(bare)}`,
        formatPercent(bare / sandbox),
        formatSigned((sandbox - bare) / 1000, 2, ' s'),
        '-',
        'info',
        seconds(least(c.inSlotMs.filter(Number.isFinite))),
        `${each(c.bareMs)} | ${each(c.sandboxMs)}`,
      ];
    }),
    notes: [
      "Each compile runs the catalog's compile command on the hello world sample in a fresh directory (bare, " +
        'through the C loop) or a fresh lease (sandbox, lease.run() round trip), with the compile limits a ' +
        'request without limits gets; bare and sandbox alternate, bare first.',
      `A compiler that takes under ${SECOND_COMPILE_BELOW_MS / 1000} s bare compiles twice on each side and the ` +
        'faster of the two counts (the first may read the toolchain from disk); a slower one compiles once.',
      "in slot: the supervisor's fork to the compiler's exit. ratio: bare time / sandbox time.",
      'no target: compile time is reported so that what the sandbox adds to each toolchain is visible.',
    ],
  };
}

export async function languagesReport(runsScale: number): Promise<Report> {
  const began = performance.now();
  const registry = new LanguageRegistry();
  const installed = registry.definitions.filter((d) => registry.isInstalled(d));
  const missing = registry.definitions.filter((d) => !registry.isInstalled(d));
  const versions = await Promise.all(installed.map(async (d) => (await registry.version(d)) ?? 'unknown'));
  const loop = buildExecLoop();
  const root = mkdtempSync(join(tmpdir(), 'arbiter-bench-languages-'));
  const probe = installSetupProbe();
  const timings: LanguageTiming[] = [];
  const failures: LanguageFailure[] = [];
  try {
    const pool = await SandboxPool.create({ concurrency: 1, readOnlyDirs: registry.readOnlyDirs() });
    try {
      const context: Context = { pool, loop, probe, root, runsScale };
      for (const [i, language] of installed.entries()) {
        const version = versions[i]!;
        process.stderr.write(`bench: languages: ${i + 1}/${installed.length} ${language.id} ${version}...\n`);
        try {
          timings.push(await measureLanguage(context, language, version));
        } catch (error) {
          // One toolchain that fails must not hide the other fifty: it is reported as a MISS.
          failures.push({ id: language.id, version, error: (error as Error).message });
        }
      }
    } finally {
      await pool.close();
    }
  } finally {
    probe.dispose();
    loop.remove();
    rmSync(root, { recursive: true, force: true });
  }
  return {
    title: 'Arbiter per-language benchmark',
    facts: [
      ...machineFacts(),
      ['languages', `${installed.length} installed of ${registry.definitions.length} in the catalog`],
      ...(missing.length > 0
        ? [['not installed', missing.map((d) => d.id).join(', ')] as [string, string]]
        : []),
      ...(runsScale < 1 ? [['run counts', `scaled by ${runsScale} (--runs-scale)`] as [string, string]] : []),
      ['bench time', `${((performance.now() - began) / 1000).toFixed(1)} s`],
    ],
    tables: [languageRunTable(timings, failures, runsScale), languageCompileTable(timings)],
  };
}
