/**
 * npm run bench: how close Arbiter comes to its ceilings, in three sections. sandbox: the sandbox
 * against bare exec, and how truthfully it meters CPU and memory (bench/out/sandbox.md). service:
 * the HTTP service's accept rate against GET /health, python print(1) end to end against bare
 * exec, and a classroom burst against its CPU-bound limit (bench/out/service.md). scaleout: an API
 * node's accept rate on Redis and PostgreSQL, and end to end with one and two worker processes,
 * against the embedded mode (bench/out/scaleout.md). languages: every installed language's hello
 * world compiled and run in the sandbox against the same toolchain bare (bench/out/languages.md).
 * compile: a bits/stdc++.h solution compiled with precompiled headers against a plain compile
 * (bench/out/compile.md). interactive: an interactive problem's added cost per test against the same
 * problem judged plainly (bench/out/interactive.md).
 * Each section prints a plain-text report and writes the same as markdown. `npm run bench -- --only
 * sandbox` (or service, scaleout, subscribers, languages) runs one section. Targets are
 * informational: a MISS is reported, never an exit code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SandboxPool } from '../src/sandbox/index.js';
import { killAllClusters } from './cluster.js';
import { machineFacts, versionOf } from './machine.js';
import { measureMetering, meteringTable } from './metering.js';
import { buildPrograms, stageReadOnly } from './programs.js';
import { renderMarkdown, renderText, type Report } from './report.js';
import { measureSandboxOverhead, overheadTable, setupStepsTable } from './sandbox-overhead.js';
import { killAllServers } from './server.js';
import { collectFromOut, writeResults } from './results.js';
import { scaleoutReport } from './scaleout.js';
import { subscribersReport } from './subscribers.js';
import { serviceReport } from './service.js';
import { installSetupProbe } from './setup-probe.js';
import { languagesReport } from './languages.js';
import { benchWeb } from './web.js';
import { compileReport } from './compile.js';
import { interactiveReport } from './interactive.js';

/** Run counts: the design doc's method (medians of three passes) sized to finish in about a minute. */
const WARMUP_RUNS = 20;
const PASSES = 3;
const PYTHON_RUNS = 150;
const C_RUNS = 300;
const METERING_RUNS = 5;

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'out');

const SECTIONS = [
  'sandbox',
  'service',
  'scaleout',
  'subscribers',
  'languages',
  'compile',
  'interactive',
] as const;
type Section = (typeof SECTIONS)[number];
const USAGE = `usage: npm run bench [-- [--only ${SECTIONS.join('|')}] [--runs-scale F]]`;
const SECTIONS_FACT = `${SECTIONS.join(', ')}; one alone: npm run bench -- --only <${SECTIONS.join('|')}>`;

/**
 * No arguments: every section; `--only NAME` (or `--only=NAME`): that one. `--runs-scale F`
 * (0 < F <= 1) multiplies the sandbox and languages sections' run counts by F, for machines where a
 * full run takes too long: the emulated VM guests of test/vm, ~20x slower than the host.
 */
function parseArgs(args: readonly string[]): { sections: Section[]; runsScale: number } {
  let sections: Section[] = [...SECTIONS];
  let runsScale = 1;
  const rest = args.flatMap((arg) => (/^--(only|runs-scale)=/.test(arg) ? arg.split(/=(.*)/s, 2) : [arg]));
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    const section = SECTIONS.find((name) => name === value);
    if (flag === '--only' && section) sections = [section];
    else if (flag === '--runs-scale' && Number(value) > 0 && Number(value) <= 1) runsScale = Number(value);
    else throw new Error(`unknown arguments ${JSON.stringify(args)}; ${USAGE}`);
  }
  return { sections, runsScale };
}

/**
 * What must go even when the bench is interrupted: the sandbox's staging directory lives under
 * /var/lib, where nothing would ever clean it up, and a service section's server would outlive the
 * bench. The slots die with their process (bubblewrap's --die-with-parent).
 */
const cleanups = new Set<() => void>();
function onInterrupt(signal: NodeJS.Signals): void {
  for (const cleanup of cleanups) cleanup();
  killAllServers();
  killAllClusters();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
process.once('SIGINT', onInterrupt);
process.once('SIGTERM', onInterrupt);

async function sandboxReport(runsScale: number): Promise<Report> {
  const scaled = (runs: number): number => Math.max(5, Math.round(runs * runsScale));
  const began = performance.now();
  const cores = availableParallelism();
  const built = buildPrograms();
  const staged = stageReadOnly(built);
  const cleanup = () => {
    staged.remove();
    built.remove();
  };
  cleanups.add(cleanup);
  const probe = installSetupProbe();
  try {
    const pool = await SandboxPool.create({ concurrency: cores, readOnlyDirs: [staged.dir] });
    try {
      process.stderr.write(`bench: sandbox: throughput at concurrency 1 and ${cores}...\n`);
      const overhead = await measureSandboxOverhead({
        pool,
        probe,
        built,
        staged,
        concurrencies: [...new Set([1, cores])],
        warmupRuns: scaled(WARMUP_RUNS),
        passes: PASSES,
        pythonRuns: scaled(PYTHON_RUNS),
        cRuns: scaled(C_RUNS),
      });
      process.stderr.write('bench: sandbox: metering accuracy...\n');
      const metering = await measureMetering(pool, staged, METERING_RUNS);
      const stats = pool.stats();
      return {
        title: 'Arbiter sandbox benchmark',
        facts: [
          ...machineFacts(),
          [
            'cgroup',
            `${stats.cgroupVersion}; runs enter their cgroup by ${stats.cgroupEntry}; peak memory from ${stats.memoryPeak}`,
          ],
          ...(runsScale < 1
            ? [['run counts', `scaled by ${runsScale} (--runs-scale)`] as [string, string]]
            : []),
          ['python', `${versionOf('/usr/bin/python3', ['--version'])} (/usr/bin/python3)`],
          ['gcc', versionOf('gcc', ['--version'])],
          ['bubblewrap', versionOf('bwrap', ['--version'])],
          ['pool', `${stats.slots} slots, ${stats.runs} runs, ${stats.rebuilt} slots rebuilt`],
          ['bench time', `${((performance.now() - began) / 1000).toFixed(1)} s`],
        ],
        tables: [
          overheadTable(overhead, { warmupRuns: scaled(WARMUP_RUNS), passes: PASSES }),
          ...[setupStepsTable(overhead)].filter((table) => table !== null),
          meteringTable(metering),
        ],
      };
    } finally {
      await pool.close();
    }
  } finally {
    probe.dispose();
    cleanups.delete(cleanup);
    cleanup();
  }
}

const REPORTS: Record<Section, (runsScale: number) => Promise<Report>> = {
  sandbox: sandboxReport,
  service: serviceReport,
  scaleout: scaleoutReport,
  subscribers: () => subscribersReport(),
  languages: languagesReport,
  compile: compileReport,
  interactive: interactiveReport,
};

async function main(): Promise<void> {
  let sections: Section[];
  let runsScale: number;
  try {
    ({ sections, runsScale } = parseArgs(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`bench: sections ${sections.join(', ')} (${SECTIONS_FACT})\n`);
  mkdirSync(OUT_DIR, { recursive: true });
  for (const section of sections) {
    const report = await REPORTS[section](runsScale);
    report.facts.unshift(['sections', SECTIONS_FACT]);
    process.stdout.write(`${renderText(report)}\n`);
    const file = join(OUT_DIR, `${section}.md`);
    writeFileSync(file, renderMarkdown(report));
    process.stderr.write(`bench: wrote ${file}\n`);
  }
  // One table of every figure with its ceiling, from this run's sections (and earlier ones' files).
  writeResults(collectFromOut());
  process.stderr.write('bench: wrote bench/RESULTS.md\n');
}

// `npm run bench -- --web`: the web pages' weight and time-to-interactive (bench/web.ts), alone.
if (process.argv[2] === '--web') await benchWeb();
else await main();
