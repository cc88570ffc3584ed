import { resolveLimits, type SandboxPool } from '../src/sandbox/index.js';
import { expectAccepted } from './expect.js';
import { formatSigned, verdict } from './format.js';
import { TOUCH_MIB, type StagedPrograms } from './programs.js';
import type { Table } from './report.js';
import { median, worst } from './stats.js';

/** How far the reported CPU time may stray from the truth, in percent. */
const CPU_TOLERANCE_PCT = 2;
/** How far the reported peak memory may stray from the memory touched, in MiB. */
const MEMORY_TOLERANCE_MIB = 2;

export interface CpuSample {
  /** CPU time the program read off its own CLOCK_PROCESS_CPUTIME_ID just before it exited. */
  truthMs: number;
  /** RunResult.cpuMs: the run cgroup's CPU counter. */
  reportedMs: number;
  errorPct: number;
}

export interface MemorySample {
  /** RunResult.memoryKb: the run cgroup's peak. */
  reportedKb: number;
  /** Reported minus the memory the program touched, in MiB. */
  errorMiB: number;
}

export interface MeteringResult {
  cpu: CpuSample[];
  memory: MemorySample[];
}

const CPU_REPORT = /^cpu_us=(\d+)\n$/;

/**
 * Runs the busy loop and the memory toucher `runs` times each, one at a time so neither competes
 * with anything of the bench's own, after one unmeasured run each to bring the binaries into the
 * page cache.
 */
export async function measureMetering(
  pool: SandboxPool,
  staged: StagedPrograms,
  runs: number,
): Promise<MeteringResult> {
  const limits = resolveLimits({});
  const runBusy = async (): Promise<CpuSample> => {
    const result = expectAccepted('busy loop', await pool.run({ command: [staged.paths.busy], limits }));
    const match = CPU_REPORT.exec(result.stdout.toString());
    if (!match) throw new Error(`busy loop printed ${JSON.stringify(result.stdout.toString())}`);
    const truthMs = Number(match[1]) / 1000;
    return { truthMs, reportedMs: result.cpuMs, errorPct: ((result.cpuMs - truthMs) / truthMs) * 100 };
  };
  const truthKb = TOUCH_MIB * 1024;
  const runTouch = async (): Promise<MemorySample> => {
    const result = expectAccepted(
      'memory toucher',
      await pool.run({ command: [staged.paths.touch], limits }),
    );
    return { reportedKb: result.memoryKb, errorMiB: (result.memoryKb - truthKb) / 1024 };
  };
  await runBusy();
  await runTouch();
  const cpu: CpuSample[] = [];
  const memory: MemorySample[] = [];
  for (let i = 0; i < runs; i++) cpu.push(await runBusy());
  for (let i = 0; i < runs; i++) memory.push(await runTouch());
  return { cpu, memory };
}

/** The sample whose error is furthest from zero. */
function worstSample<T>(samples: readonly T[], error: (sample: T) => number): T {
  const worstError = worst(samples.map(error));
  return samples.find((s) => error(s) === worstError)!;
}

export function meteringTable(result: MeteringResult): Table {
  const cpuErrors = result.cpu.map((s) => s.errorPct);
  const memErrors = result.memory.map((s) => s.errorMiB);
  const worstCpu = worstSample(result.cpu, (s) => s.errorPct);
  const worstMem = worstSample(result.memory, (s) => s.errorMiB);
  return {
    title: 'Metering accuracy: what RunResult reports vs the known truth',
    columns: [
      { header: 'check' },
      { header: 'runs', align: 'right' },
      { header: 'truth', align: 'right' },
      { header: 'reported med', align: 'right' },
      { header: 'reported worst', align: 'right' },
      { header: 'error med', align: 'right' },
      { header: 'error worst', align: 'right' },
      { header: 'target' },
      { header: 'result' },
    ],
    rows: [
      [
        'cpuMs, C busy loop ~500 ms',
        String(result.cpu.length),
        `${median(result.cpu.map((s) => s.truthMs)).toFixed(1)} ms`,
        `${median(result.cpu.map((s) => s.reportedMs)).toFixed(1)} ms`,
        `${worstCpu.reportedMs.toFixed(1)} ms`,
        formatSigned(median(cpuErrors), 2, '%'),
        formatSigned(worstCpu.errorPct, 2, '%'),
        `±${CPU_TOLERANCE_PCT}%`,
        verdict(Math.abs(worstCpu.errorPct) <= CPU_TOLERANCE_PCT),
      ],
      [
        `memoryKb, C touches ${TOUCH_MIB} MiB`,
        String(result.memory.length),
        `${TOUCH_MIB * 1024} KiB`,
        `${Math.round(median(result.memory.map((s) => s.reportedKb)))} KiB`,
        `${worstMem.reportedKb} KiB`,
        formatSigned(median(memErrors), 2, ' MiB'),
        formatSigned(worstMem.errorMiB, 2, ' MiB'),
        `±${MEMORY_TOLERANCE_MIB} MiB`,
        verdict(Math.abs(worstMem.errorMiB) <= MEMORY_TOLERANCE_MIB),
      ],
    ],
    notes: [
      "cpu truth: the program's own CLOCK_PROCESS_CPUTIME_ID at exit, printed by the same run the sandbox metered.",
      `memory truth: malloc + memset of exactly ${TOUCH_MIB} MiB; reported is the run cgroup's peak, so it includes the process's own pages.`,
      'result judges the worst run; runs are sequential, after one unmeasured run each.',
    ],
  };
}
