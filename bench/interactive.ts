/**
 * The interactive section (`npm run bench -- --only interactive`): what an interactive problem adds
 * per test. One C program (read a number, print it back) is judged two ways in the same run,
 * alternately: as a plain problem (stdin file, compared with the expected output) and as an
 * interactive one (a C interactor sends the number, reads the reply and decides), both through
 * judge() with the compile cache warm, so each side costs its tests and little else. The added cost
 * per test is the difference of the two medians, divided by the tests; it is information (no target).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CompileCache } from '../src/judge/compile-cache.js';
import { judge, type JudgeDeps } from '../src/judge/judge.js';
import type { JudgeRequest } from '../src/judge/types.js';
import { LanguageRegistry } from '../src/languages/index.js';
import { SandboxPool, resolveLimits } from '../src/sandbox/index.js';
import { formatPercent } from './format.js';
import { machineFacts } from './machine.js';
import { FIGURE_COLUMNS, type Report } from './report.js';
import { median } from './stats.js';

/** Tests per judged submission, and judged submissions per side (alternating) after one warm-up. */
const TESTS = 20;
const PASSES = 7;

const ECHO_C = `#include <stdio.h>
int main(void) { long x; if (scanf("%ld", &x) != 1) return 3; printf("%ld\\n", x); fflush(stdout); return 0; }
`;
const INTERACTOR_C = `#include <stdio.h>
int main(int argc, char **argv) {
  long want, got;
  FILE *in = fopen(argv[1], "r");
  if (!in || fscanf(in, "%ld", &want) != 1) return 3;
  printf("%ld\\n", want);
  fflush(stdout);
  if (scanf("%ld", &got) != 1) { fprintf(stderr, "no answer\\n"); return 1; }
  if (got != want) { fprintf(stderr, "expected %ld, got %ld\\n", want, got); return 1; }
  return 0;
}
`;

export async function interactiveReport(runsScale = 1): Promise<Report> {
  const began = performance.now();
  const passes = Math.max(2, Math.round(PASSES * runsScale));
  const registry = new LanguageRegistry();
  const c = registry.getInstalled('c');
  const version = (await registry.version(c)) ?? 'unknown';
  const cacheDir = mkdtempSync(join(tmpdir(), 'arbiter-bench-interactive-'));
  // Two slots: an interactive test needs both at once; a plain one uses one of them.
  const pool = await SandboxPool.create({ concurrency: 2, readOnlyDirs: registry.readOnlyDirs() });
  const deps: JudgeDeps = { pool, registry, compileCache: new CompileCache({ dir: cacheDir }) };
  const tests = Array.from({ length: TESTS }, (_, i) => ({ stdin: `${i * 7919}`, expected: `${i * 7919}` }));
  const base: JudgeRequest = {
    language: c,
    version,
    files: [{ name: c.sourceFile, content: ECHO_C }],
    limits: resolveLimits({ cpuMs: 2_000, wallMs: 5_000 }),
    tests,
  };
  const interactive: JudgeRequest = { ...base, interactor: { language: 'c', source: INTERACTOR_C } };
  const timed = async (request: JudgeRequest): Promise<number> => {
    const start = performance.now();
    const result = await judge(deps, request);
    const wallMs = performance.now() - start;
    if (result.status !== 'accepted') throw new Error(`interactive bench: judged ${result.status}`);
    return wallMs;
  };
  const plainMs: number[] = [];
  const interactiveMs: number[] = [];
  try {
    process.stderr.write(`bench: interactive: ${TESTS} tests, ${passes} submissions each way...\n`);
    await timed(base);
    await timed(interactive);
    for (let i = 0; i < passes; i++) {
      plainMs.push(await timed(base));
      interactiveMs.push(await timed(interactive));
    }
  } finally {
    await pool.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const plainPerTest = median(plainMs) / TESTS;
  const interactivePerTest = median(interactiveMs) / TESTS;
  const ms = (value: number): string => `${value.toFixed(2)} ms`;
  return {
    title: 'Arbiter interactive benchmark',
    facts: [...machineFacts(), ['bench time', `${((performance.now() - began) / 1000).toFixed(1)} s`]],
    tables: [
      {
        title: 'Interactive: added cost per test against the same problem judged plainly (median)',
        columns: [...FIGURE_COLUMNS],
        rows: [
          [
            'Interactive: C echo with a C interactor, wall per test',
            ms(interactivePerTest),
            `plain ${ms(plainPerTest)}`,
            formatPercent(interactivePerTest / plainPerTest),
            '-',
            'info',
          ],
          ['Interactive: added wall per test', ms(interactivePerTest - plainPerTest), '-', '-', '-', 'info'],
        ],
        notes: [
          `${passes} submissions of ${TESTS} tests each way after one warm-up each, alternating; compile cache warm; a pool of two slots.`,
          'An interactive test resets and runs two slots (the program and the interactor, started together) and relays their output through this process; a plain test resets and runs one.',
        ],
      },
    ],
  };
}
