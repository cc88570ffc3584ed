/**
 * The compile section (`npm run bench -- --only compile`): a typical contest C++ solution, which
 * starts with `#include <bits/stdc++.h>`, compiled in the sandbox by the compile step (with the
 * precompiled headers scripts/setup made) and by the plain compile command, alternately, in the
 * same run, for each GCC C++ entry that has them. Target: the compile step takes <= 40% of the plain
 * compile's wall time. A compile error costs a compile with the headers and then a plain one (so its
 * diagnostics are a plain compile's); that row is information.
 */
import { performance } from 'node:perf_hooks';
import { runCompile } from '../src/judge/program.js';
import { compileLimitsFor } from '../src/judge/limits-policy.js';
import { LanguageRegistry } from '../src/languages/index.js';
import type { LanguageDefinition } from '../src/languages/language.js';
import { pchStatus } from '../src/languages/pch-build.js';
import { DEFAULT_SANDBOX_ENV, SandboxPool, type RunResult } from '../src/sandbox/index.js';
import { formatPercent, verdict } from './format.js';
import { machineFacts } from './machine.js';
import { FIGURE_COLUMNS, type Report, type Table } from './report.js';
import { median } from './stats.js';

/** The compile step's share of a plain compile's wall time that issue [M] asks for. */
export const PCH_TARGET = 0.4;
/** Compiles per side, alternating, after one warm-up each (the .gch and the headers in page cache). */
const RUNS = 9;

/** A contest solution of the usual shape: the umbrella header, a few containers and algorithms. */
const SOLUTION = `#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
int main() {
  ios::sync_with_stdio(false);
  cin.tie(nullptr);
  int n;
  if (!(cin >> n)) return 0;
  vector<ll> a(n);
  for (auto &x : a) cin >> x;
  sort(a.begin(), a.end());
  map<ll, int> count;
  set<ll> seen(a.begin(), a.end());
  priority_queue<ll> heap(a.begin(), a.end());
  for (ll x : a) count[x]++;
  string out = to_string(accumulate(a.begin(), a.end(), 0LL)) + " " + to_string(seen.size());
  cout << out << ' ' << (heap.empty() ? 0 : heap.top()) << '\\n';
}
`;
/** The same solution with a type error in main.cpp: what a class sends a good share of the time. */
const BROKEN = SOLUTION.replace('sort(a.begin(), a.end());', 'sort(a.begin(), a.end()); int bad = a;');

interface Sample {
  wallMs: number;
  cpuMs: number;
  memoryKb: number;
}

async function compileOnce(
  pool: SandboxPool,
  language: LanguageDefinition,
  source: string,
  plain: boolean,
): Promise<Sample> {
  const lease = await pool.acquire();
  try {
    lease.writeFiles([{ name: language.sourceFile, content: source }]);
    const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
    const limits = compileLimitsFor(language);
    const command = language.compile!;
    const began = performance.now();
    const result: RunResult = plain
      ? await lease.run({ command, env, limits })
      : await runCompile(lease, { language, command, source, env, limits });
    const wallMs = performance.now() - began;
    const expected = source === SOLUTION ? 'accepted' : 'runtime_error';
    if (result.status !== expected)
      throw new Error(
        `${language.id}: compile gave ${result.status}: ${result.stderr.toString().slice(0, 300)}`,
      );
    return { wallMs, cpuMs: result.cpuMs, memoryKb: result.memoryKb };
  } finally {
    lease.release();
  }
}

/** RUNS compiles each way, alternating so drift in the machine's load falls on both sides alike. */
async function measure(
  pool: SandboxPool,
  language: LanguageDefinition,
  source: string,
  runs: number,
): Promise<{ plain: Sample; step: Sample }> {
  await compileOnce(pool, language, source, true);
  await compileOnce(pool, language, source, false);
  const plain: Sample[] = [];
  const step: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    plain.push(await compileOnce(pool, language, source, true));
    step.push(await compileOnce(pool, language, source, false));
  }
  const summary = (samples: Sample[]): Sample => ({
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    memoryKb: Math.max(...samples.map((s) => s.memoryKb)),
  });
  return { plain: summary(plain), step: summary(step) };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;

export async function compileReport(runsScale = 1): Promise<Report> {
  const began = performance.now();
  const runs = Math.max(2, Math.round(RUNS * runsScale));
  const registry = new LanguageRegistry();
  const languages = registry.definitions.filter((d) => d.precompiledHeaders && registry.isInstalled(d));
  const figures: string[][] = [];
  const detail: string[][] = [];
  const facts: [string, string][] = [...machineFacts()];
  // One slot: compiles one at a time, as a judge's slot does, with the other core left to the box's
  // own overhead rather than to a second compile.
  const pool = await SandboxPool.create({ concurrency: 1, readOnlyDirs: registry.readOnlyDirs() });
  try {
    for (const language of languages) {
      const status = await pchStatus(language);
      facts.push([
        `${language.id} precompiled headers`,
        status.fresh ? status.detail : `NOT CURRENT: ${status.detail}`,
      ]);
      process.stderr.write(
        `bench: compile: ${language.id}, bits/stdc++.h solution, ${runs} compiles each way...\n`,
      );
      const ok = await measure(pool, language, SOLUTION, runs);
      process.stderr.write(`bench: compile: ${language.id}, a compile error, ${runs} compiles each way...\n`);
      const broken = await measure(pool, language, BROKEN, runs);
      const ratio = ok.step.wallMs / ok.plain.wallMs;
      figures.push([
        `Compile: ${language.name}, bits/stdc++.h solution, compile step (median wall)`,
        seconds(ok.step.wallMs),
        `plain ${seconds(ok.plain.wallMs)}`,
        formatPercent(ratio),
        `<= ${formatPercent(PCH_TARGET, 0)}`,
        verdict(ratio <= PCH_TARGET),
      ]);
      figures.push([
        `Compile: ${language.name}, a compile error, headers then plain (median wall)`,
        seconds(broken.step.wallMs),
        `plain ${seconds(broken.plain.wallMs)}`,
        formatPercent(broken.step.wallMs / broken.plain.wallMs),
        '-',
        'info',
      ]);
      for (const [what, result] of [
        ['solution', ok],
        ['compile error', broken],
      ] as const) {
        detail.push([
          language.id,
          what,
          seconds(result.plain.wallMs),
          seconds(result.plain.cpuMs),
          mib(result.plain.memoryKb),
          seconds(result.step.wallMs),
          seconds(result.step.cpuMs),
          mib(result.step.memoryKb),
        ]);
      }
    }
  } finally {
    await pool.close();
  }
  const notes = [
    `${runs} compiles each way per row after one warm-up each, alternating; one sandbox slot; the compile command is the catalog's (-std=gnu++17 -O2).`,
    'The compile step is what the judge runs (runCompile in src/judge/program.ts): with the precompiled headers and the preload setup built beside them (the .gch mapping filled in two calls from the record setup made of the pages a compile writes, huge pages for the heap: src/languages/native/pch-populate.c) when the source includes one, then a plain compile whenever that one said anything.',
  ];
  const tables: Table[] = [
    {
      title: 'Compile: precompiled headers vs a plain compile (median wall time)',
      columns: [...FIGURE_COLUMNS],
      rows: figures,
      notes,
    },
    {
      title: 'Compile detail (medians; memory is the peak of any run)',
      columns: [
        { header: 'language' },
        { header: 'program' },
        { header: 'plain wall', align: 'right' },
        { header: 'plain cpu', align: 'right' },
        { header: 'plain memory', align: 'right' },
        { header: 'step wall', align: 'right' },
        { header: 'step cpu', align: 'right' },
        { header: 'step memory', align: 'right' },
      ],
      rows: detail,
    },
  ];
  if (languages.length === 0) facts.push(['languages', 'no GCC C++ entry is installed: nothing measured']);
  facts.push(['bench time', `${((performance.now() - began) / 1000).toFixed(1)} s`]);
  return { title: 'Arbiter compile benchmark', facts, tables };
}
