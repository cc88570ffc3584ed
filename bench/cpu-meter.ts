import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Where the CPU went during a measurement, from /proc: the whole machine's busy time, a few
 * processes' own (the server), and the bench process's (the load generator). Evidence for the
 * service tables: whether a figure is bound by the CPU, and by whose.
 */

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const ticksToMs = (ticks: number): number => (ticks * 1000) / CLK_TCK;

/** All cores' busy time (everything but idle and iowait), in ms. */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ticksToMs(user + nice + system + irq + softirq + steal);
}

interface ProcessCpu {
  ppid: number;
  /** User + system time of the process itself, all its threads, in ms. */
  ownMs: number;
  /** Of its children that it has waited for, in ms. */
  reapedMs: number;
}

function readProcess(pid: number): ProcessCpu | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields from the 3rd on; the command name before them may itself hold spaces and parentheses.
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return { ppid: f[1]!, ownMs: ticksToMs(f[11]! + f[12]!), reapedMs: ticksToMs(f[13]! + f[14]!) };
  } catch {
    return null; // gone meanwhile
  }
}

function readAllProcesses(): Map<number, ProcessCpu> {
  const all = new Map<number, ProcessCpu>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcess(pid);
    if (stat) all.set(pid, stat);
  }
  return all;
}

function descendantsOf(all: Map<number, ProcessCpu>, root: number): Set<number> {
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, stat] of all) {
      if (!tree.has(pid) && tree.has(stat.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

/**
 * CPU time of a process tree between two snapshots: every process in it, with what each has
 * reaped of its children (so runs that came and went between the snapshots count). A process that
 * ended meanwhile contributes minus its earlier time, since its parent's reaped total now holds
 * all of it.
 */
function treeDeltaMs(before: Map<number, ProcessCpu>, after: Map<number, ProcessCpu>, root: number): number {
  const pids = new Set([...descendantsOf(before, root), ...descendantsOf(after, root)]);
  let total = 0;
  for (const pid of pids) {
    const a = after.get(pid);
    const b = before.get(pid);
    total += (a ? a.ownMs + a.reapedMs : 0) - (b ? b.ownMs + b.reapedMs : 0);
  }
  return total;
}

const benchCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface CpuUsage {
  wallMs: number;
  cores: number;
  /** Busy time of all cores together, ms. */
  machineMs: number;
  /** The watched process's own CPU time, ms. */
  serverMs: number;
  /** The watched process with all its descendants (sandbox slots, their runs), ms. */
  treeMs: number;
  /** This process's CPU time (the load generator), ms. */
  benchMs: number;
}

/** Starts measuring; call the returned function to stop and read what was used meanwhile. */
export function startCpuWindow(serverPid: number): () => CpuUsage {
  const ownMs = (all: Map<number, ProcessCpu>) => all.get(serverPid)?.ownMs ?? 0;
  const processes = readAllProcesses();
  const began = { at: performance.now(), machine: machineBusyMs(), bench: benchCpuMs() };
  return () => {
    const wallMs = performance.now() - began.at;
    const machineMs = machineBusyMs() - began.machine;
    const benchMs = benchCpuMs() - began.bench;
    const now = readAllProcesses();
    return {
      wallMs,
      cores: availableParallelism(),
      machineMs,
      serverMs: ownMs(now) - ownMs(processes),
      treeMs: treeDeltaMs(processes, now, serverPid),
      benchMs,
    };
  };
}

/** CPU time as a share of one core over the window: "97%" means one core almost fully used. */
export const ofOneCore = (cpuMs: number, usage: CpuUsage): number => cpuMs / usage.wallMs;
/** The machine's busy time as a share of all its cores. */
export const machineBusy = (usage: CpuUsage): number => usage.machineMs / (usage.wallMs * usage.cores);

/** How busy the machine is while the bench does nothing: other load that will skew the figures. */
export async function backgroundLoad(ms = 1000): Promise<number> {
  const stop = startCpuWindow(process.pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return machineBusy(stop());
}
