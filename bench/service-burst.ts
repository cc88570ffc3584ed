import { DEFAULT_CONFIG } from '../src/config.js';
import { machineBusy, startCpuWindow, type CpuUsage } from './cpu-meter.js';
import { formatPercent, verdict } from './format.js';
import { JsonClient } from './json-client.js';
import type { Table } from './report.js';
import { isFinal, type BenchServer, type Submission } from './server.js';
import { median, percentile } from './stats.js';

/** Last result within this multiple of the CPU-bound limit is the project's aim. */
export const BURST_TARGET = 1.2;
/** The median submission's result (from its POST) within this share of the makespan: issue [M]. */
export const MEDIAN_SHARE_TARGET = 0.25;

/** A kind of classroom submission: its share of the burst and how to write student k's program. */
interface Kind {
  name: string;
  share: number;
  language: 'python3' | 'c' | 'java';
  limits?: { cpuMs: number };
  expectedStatus: string;
  /** Student k's source and what it must print (undefined: not checked). */
  program(k: number): { source: string; stdout?: string };
}

const LOOP_N = 3_000_000;
/** The submissions are spread evenly over this much time, leaving a margin for timer jitter. */
const SEND_WINDOW_MS = 950;

/** Sum of (i * m) % 7 for i < n, in closed form: the terms repeat every 7. */
function modSum(n: number, m: number): number {
  const term = (i: number) => (i * m) % 7;
  let period = 0;
  for (let i = 0; i < 7; i++) period += term(i);
  let rest = 0;
  for (let i = 0; i < n % 7; i++) rest += term(i);
  return Math.floor(n / 7) * period + rest;
}

/**
 * The mix: 60% Python (hello, loops of ~30 ms, and the 5% infinite loops), 25% C and 15% Java,
 * each compiled and run. Every student's source differs, as a class's would, so the compile cache
 * never hits.
 */
const KINDS: readonly Kind[] = [
  {
    name: 'python hello',
    share: 0.275,
    language: 'python3',
    expectedStatus: 'accepted',
    program: (k) => ({ source: `print("hello from student ${k}")\n`, stdout: `hello from student ${k}\n` }),
  },
  {
    name: 'python loop',
    share: 0.275,
    language: 'python3',
    expectedStatus: 'accepted',
    program: (k) => ({
      source: `# student ${k}\ns = 0\nfor i in range(300000):\n    s += i * ${k % 5}\nprint(s)\n`,
      stdout: `${((k % 5) * 300000 * 299999) / 2}\n`,
    }),
  },
  {
    name: 'infinite loop (cpuMs 1000)',
    share: 0.05,
    language: 'python3',
    limits: { cpuMs: 1000 },
    expectedStatus: 'time_limit_exceeded',
    program: (k) => ({ source: `# student ${k}\nwhile True:\n    pass\n` }),
  },
  {
    name: 'C hello',
    share: 0.125,
    language: 'c',
    expectedStatus: 'accepted',
    program: (k) => ({
      source: `#include <stdio.h>\nint main(void) {\n  printf("hello from student %d\\n", ${k});\n  return 0;\n}\n`,
      stdout: `hello from student ${k}\n`,
    }),
  },
  {
    name: 'C loop',
    share: 0.125,
    language: 'c',
    expectedStatus: 'accepted',
    program: (k) => ({
      source:
        `#include <stdio.h>\n/* student ${k} */\nint main(void) {\n  long s = 0;\n` +
        `  for (long i = 0; i < ${LOOP_N}; i++) s += (i * ${(k % 5) + 1}) % 7;\n  printf("%ld\\n", s);\n  return 0;\n}\n`,
      stdout: `${modSum(LOOP_N, (k % 5) + 1)}\n`,
    }),
  },
  {
    name: 'Java hello',
    share: 0.075,
    language: 'java',
    expectedStatus: 'accepted',
    program: (k) => ({
      source: `public class Main {\n  public static void main(String[] args) {\n    System.out.println("hello from student ${k}");\n  }\n}\n`,
      stdout: `hello from student ${k}\n`,
    }),
  },
  {
    name: 'Java loop',
    share: 0.075,
    language: 'java',
    expectedStatus: 'accepted',
    program: (k) => ({
      source:
        `// student ${k}\npublic class Main {\n  public static void main(String[] args) {\n    long s = 0;\n` +
        `    for (int i = 0; i < ${LOOP_N}; i++) s += (i * ${(k % 5) + 1}) % 7;\n    System.out.println(s);\n  }\n}\n`,
      stdout: `${modSum(LOOP_N, (k % 5) + 1)}\n`,
    }),
  },
];

interface Planned {
  kind: Kind;
  body: { language: string; source: string; limits?: { cpuMs: number } };
  stdout?: string;
}

/** mulberry32: a small seeded generator, so every run sends the same burst in the same order. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plan(total: number, firstStudent: number): Planned[] {
  const planned: Planned[] = [];
  let k = firstStudent;
  for (const [i, kind] of KINDS.entries()) {
    // The last kind takes the rounding remainder, so the burst is exactly `total`.
    const count = i === KINDS.length - 1 ? total - planned.length : Math.round(kind.share * total);
    for (let j = 0; j < count; j++, k++) {
      const { source, stdout } = kind.program(k);
      const body = kind.limits
        ? { language: kind.language, source, limits: kind.limits }
        : { language: kind.language, source };
      planned.push({ kind, body, stdout });
    }
  }
  const random = seeded(2026);
  for (let i = planned.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [planned[i], planned[j]] = [planned[j]!, planned[i]!];
  }
  return planned;
}

function check(item: Planned, view: Submission): void {
  const stdout = view.run?.stdout;
  if (view.status !== item.kind.expectedStatus || (item.stdout !== undefined && stdout !== item.stdout)) {
    throw new Error(
      `${item.kind.name} ended wrong: expected ${item.kind.expectedStatus} ${JSON.stringify(item.stdout ?? '')}, got ` +
        JSON.stringify({
          status: view.status,
          message: view.message,
          compile: view.compile,
          run: view.run,
        }).slice(0, 800),
    );
  }
}

/** Reads a submission's event stream until it carries the final result; returns it and when it came. */
async function finalOverSse(
  server: BenchServer,
  id: string,
  headers: Record<string, string>,
): Promise<{ view: Submission; at: number }> {
  const response = await fetch(`${server.url}/api/v1/submissions/${id}/events`, { headers });
  if (response.status !== 200 || !response.body) throw new Error(`events of ${id}: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === undefined || data === undefined) continue; // a keep-alive comment
      const parsed = JSON.parse(data) as { submission?: Submission } & Submission;
      if (event === 'finished' && parsed.submission)
        return { view: parsed.submission, at: performance.now() };
      if (event === 'status' && isFinal(parsed.status)) return { view: parsed, at: performance.now() };
    }
  }
  throw new Error(`the event stream of ${id} ended without a final result`);
}

export interface BurstItem {
  kind: string;
  /** From the first submit, in ms. */
  sentMs: number;
  resultMs: number;
  view: Submission;
  cpuMs: number;
}

export interface BurstResult {
  total: number;
  /** Submissions the server refused with 429 (target 0): they have no item. */
  refused: number;
  cores: number;
  workers: number;
  /** First to last POST sent, in ms. */
  sendSpanMs: number;
  items: BurstItem[];
  /** CPU used from the first submit to the last result. */
  cpu: CpuUsage;
}

/** Compiles and runs one program of each kind first, so toolchains are in the page cache. */
async function warmUp(server: BenchServer): Promise<void> {
  const seen = new Set<string>();
  for (const item of plan(KINDS.length * 40, 1_000_000)) {
    if (seen.has(item.kind.name)) continue;
    seen.add(item.kind.name);
    const { status, body } = await server.post<Submission>('/api/v1/submissions?wait=true', item.body);
    if (status !== 200) throw new Error(`warm-up ${item.kind.name}: HTTP ${status} ${JSON.stringify(body)}`);
    check(item, body);
  }
}

/** Loads the editor page as a student's browser does; returns the session cookie it was given. */
async function openBrowserSession(server: BenchServer): Promise<string> {
  const response = await fetch(`${server.url}/`);
  await response.arrayBuffer();
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (!cookie?.startsWith('arbiter_session='))
    throw new Error(`GET / gave no session cookie (HTTP ${response.status})`);
  return cookie;
}

/**
 * The classroom burst: `total` mixed submissions sent evenly within one second without waiting,
 * each followed over its server-sent event stream until its result arrives. Each comes from a
 * student's own browser session (loaded from the editor page first), without a key, all from this
 * one address: a class behind a school's NAT, on whatever rate limits the server has.
 */
export async function measureBurst(
  server: BenchServer,
  options: { total: number; cores: number; workers: number },
): Promise<BurstResult> {
  await warmUp(server);
  const planned = plan(options.total, 1);
  const cookies = await Promise.all(planned.map(() => openBrowserSession(server)));
  const students = new JsonClient(server.url);
  const gapMs = SEND_WINDOW_MS / planned.length;
  const stopCpu = startCpuWindow(server.pid);
  const t0 = performance.now();
  let lastSent = 0;
  let refused = 0;
  const pending = planned.map(
    (item, i) =>
      new Promise<BurstItem | null>((resolve, reject) => {
        setTimeout(() => {
          const sentMs = performance.now() - t0;
          lastSent = Math.max(lastSent, sentMs);
          const cookie = { cookie: cookies[i]! };
          students
            .request<{ id: string }>('POST', '/api/v1/submissions', item.body, cookie)
            .then(async ({ status, body }) => {
              if (status === 429) {
                refused++;
                return resolve(null);
              }
              if (status !== 202)
                throw new Error(`${item.kind.name}: HTTP ${status} ${JSON.stringify(body)}`);
              const { view, at } = await finalOverSse(server, body.id, cookie);
              check(item, view);
              const cpuMs = (view.compile?.cpuMs ?? 0) + (view.run?.cpuMs ?? 0);
              resolve({ kind: item.kind.name, sentMs, resultMs: at - t0, view, cpuMs });
            })
            .catch(reject);
        }, i * gapMs);
      }),
  );
  const items = (await Promise.all(pending)).filter((item) => item !== null);
  const cpu = stopCpu();
  students.close();
  if (items.length === 0)
    throw new Error(`every one of the ${planned.length} submissions was refused with 429`);
  return {
    total: planned.length,
    refused,
    cores: options.cores,
    workers: options.workers,
    sendSpanMs: lastSent,
    items,
    cpu,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const msCell = (ms: number): string => `${Math.round(ms)} ms`;

export function burstTables(result: BurstResult): Table[] {
  const { items, cpu } = result;
  // Per-process counters tick at 10 ms, so this can come out a little below zero on a quiet machine.
  const outsideMs = Math.max(0, cpu.machineMs - cpu.treeMs - cpu.benchMs);
  const lastMs = Math.max(...items.map((i) => i.resultMs));
  const cpuTotalMs = items.reduce((sum, i) => sum + i.cpuMs, 0);
  const cpuBoundMs = cpuTotalMs / result.cores;
  const ratio = lastMs / cpuBoundMs;
  const queue = items.map((i) => i.view.queueMs ?? NaN);
  const judgeMs = items.map((i) => Date.parse(i.view.finishedAt!) - Date.parse(i.view.startedAt!));
  const stageWallMs = items.reduce(
    (sum, i) => sum + (i.view.compile?.wallMs ?? 0) + (i.view.run?.wallMs ?? 0),
    0,
  );
  const judgeTotalMs = judgeMs.reduce((a, b) => a + b, 0);
  const summary: Table = {
    title: `Service: classroom burst, ${result.total} mixed submissions sent within one second`,
    columns: [
      { header: 'submissions', align: 'right' },
      { header: 'sent over', align: 'right' },
      { header: 'last result', align: 'right' },
      { header: 'CPU total', align: 'right' },
      { header: `CPU-bound (/${result.cores})`, align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: '429s', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
      { header: 'queue p50', align: 'right' },
      { header: 'queue p95', align: 'right' },
      { header: 'queue p99', align: 'right' },
    ],
    rows: [
      [
        String(result.total),
        msCell(result.sendSpanMs),
        seconds(lastMs),
        seconds(cpuTotalMs),
        seconds(cpuBoundMs),
        `${ratio.toFixed(2)}x`,
        String(result.refused),
        `<= ${BURST_TARGET.toFixed(1)}x, 0 429s`,
        verdict(ratio <= BURST_TARGET && result.refused === 0),
        msCell(percentile(queue, 50)),
        msCell(percentile(queue, 95)),
        msCell(percentile(queue, 99)),
      ],
    ],
    notes: [
      `who sends: ${result.total} students, each in a browser session of its own (GET / first), no API key, all from one address; the server runs with the shipped rate limits (ipRatePerSec ${DEFAULT_CONFIG.ipRatePerSec}, defaultKeyRatePerSec ${DEFAULT_CONFIG.defaultKeyRatePerSec}, maxQueueLength ${DEFAULT_CONFIG.maxQueueLength}).`,
      `429s: submissions refused by the rate limits (target 0); they are left out of every other figure.`,
      'last result: from the first POST to the arrival of the last final result over its SSE stream (GET /api/v1/submissions/:id/events).',
      `CPU total: sum of compile.cpuMs + run.cpuMs of every result; CPU-bound: that / ${result.cores} cores, the soonest the machine could finish.`,
      'queue: queueMs of the results (createdAt to startedAt).',
      `server: arbiter serve, workers = ${result.workers}; one unmeasured submission of each kind first; every result checked for status and output.`,
      `where the time went: the judges (startedAt to finishedAt) took ${seconds(judgeTotalMs)} together, ` +
        `${formatPercent(judgeTotalMs / (result.workers * lastMs))} of ${result.workers} workers x last result; ` +
        `the compile and run stages' own wall time was ${seconds(stageWallMs)} (${formatPercent(stageWallMs / judgeTotalMs)} of the judges' time).`,
      `CPU over the burst: the machine was ${formatPercent(machineBusy(cpu), 0)} busy, ${seconds(cpu.machineMs)} of ${result.cores} cores x ${seconds(cpu.wallMs)}: ` +
        `the runs' metered ${seconds(cpuTotalMs)}; the server process ${seconds(cpu.serverMs)}; ` +
        `the rest of its process tree (slot supervisors, bwrap, whatever the cgroup did not meter) ${seconds(cpu.treeMs - cpu.serverMs - cpuTotalMs)}; ` +
        `the bench ${seconds(cpu.benchMs)}; outside this bench ${seconds(outsideMs)}.`,
      `outside this bench is other processes on the machine; were the machine this bench's alone, its busy time less that ` +
        `would fill ${result.cores} cores for ${seconds((cpu.machineMs - outsideMs) / result.cores)} ` +
        `(${((cpu.machineMs - outsideMs) / result.cores / cpuBoundMs).toFixed(2)}x the CPU-bound limit): an estimate, not the measured figure.`,
    ],
  };
  // What a student feels: the wait from its own POST to its result, against the whole burst's span.
  const latency = items.map((i) => i.resultMs - i.sentMs);
  const medianShare = median(latency) / lastMs;
  const p99 = percentile(latency, 99);
  const feel: Table = {
    title: 'Service: classroom burst, what a student waits',
    columns: [
      { header: 'result after p50', align: 'right' },
      { header: 'p50 / last result', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
      { header: 'result after p99', align: 'right' },
      { header: 'p99 / CPU-bound', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
    ],
    rows: [
      [
        seconds(median(latency)),
        formatPercent(medianShare),
        `<= ${formatPercent(MEDIAN_SHARE_TARGET, 0)}`,
        verdict(medianShare <= MEDIAN_SHARE_TARGET),
        seconds(p99),
        `${(p99 / cpuBoundMs).toFixed(2)}x`,
        `<= ${BURST_TARGET.toFixed(1)}x`,
        verdict(p99 <= BURST_TARGET * cpuBoundMs),
      ],
    ],
    notes: [
      "result after: from a submission's own POST to its final result arriving over SSE; last result is the burst's makespan (first POST to last result).",
      `order: within a fair round the queue runs cheap jobs (a run) first, then moderate (a quick compile: C), then costly (a slow compile step, or a recent median judge over 500 ms of the same exercise or language, which reclasses jobs already waiting); a compile is passed by at most ${DEFAULT_CONFIG.overtakeLimit} later jobs (src/queue/run-cost.ts).`,
    ],
  };
  const kinds = [...new Set(items.map((i) => i.kind))];
  const perKind: Table = {
    title: 'Service: classroom burst by kind',
    columns: [
      { header: 'kind' },
      { header: 'n', align: 'right' },
      { header: 'status' },
      { header: 'compile CPU med', align: 'right' },
      { header: 'run CPU med', align: 'right' },
      { header: 'CPU sum', align: 'right' },
      { header: 'CPU share', align: 'right' },
      { header: 'judge med', align: 'right' },
      { header: 'result after p50', align: 'right' },
      { header: 'p95', align: 'right' },
    ],
    rows: KINDS.filter((k) => kinds.includes(k.name)).map((kind) => {
      const of = items.filter((i) => i.kind === kind.name);
      const compile = of.map((i) => i.view.compile?.cpuMs).filter((v): v is number => v !== undefined);
      const cpu = of.reduce((sum, i) => sum + i.cpuMs, 0);
      const judged = of.map((i) => Date.parse(i.view.finishedAt!) - Date.parse(i.view.startedAt!));
      const latency = of.map((i) => i.resultMs - i.sentMs);
      return [
        kind.name,
        String(of.length),
        [...new Set(of.map((i) => i.view.status))].join(', '),
        compile.length > 0 ? msCell(median(compile)) : '-',
        msCell(median(of.map((i) => i.view.run?.cpuMs ?? 0))),
        seconds(cpu),
        formatPercent(cpu / cpuTotalMs),
        msCell(median(judged)),
        seconds(percentile(latency, 50)),
        seconds(percentile(latency, 95)),
      ];
    }),
    notes: [
      'judge: finishedAt - startedAt (lease, files, compile, run, record); result after: from its POST to its result arriving.',
    ],
  };
  return [summary, feel, perKind];
}
