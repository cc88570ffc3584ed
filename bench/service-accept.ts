import autocannon from 'autocannon';
import { machineBusy, ofOneCore, startCpuWindow, type CpuUsage } from './cpu-meter.js';
import { formatPercent, formatRate, verdict } from './format.js';
import type { Table } from './report.js';
import { isFinal, type BenchServer, type Submission } from './server.js';

/** Accepted submissions per second the project aims for. */
export const ACCEPT_TARGET_PER_SEC = 5_000;

/** What every accept-rate request submits: a small Python program. */
const SUBMISSION = { language: 'python3', source: 'print("hello, world")\n' };

/**
 * Holds the server's one worker for the whole measurement: it sleeps, so it burns no CPU, and no
 * other job can start while it runs. Its wall limit is the server maximum, 60 s.
 */
const BLOCKER = {
  language: 'python3',
  source: 'import time\ntime.sleep(3600)\n',
  limits: { wallMs: 60_000, cpuMs: 1_000 },
};

export interface LoadShape {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface LoadRun {
  label: string;
  /** The status that counts as success: 200 for /health, 202 (queued) for a submission. */
  okStatus: number;
  responses: number;
  ok: number;
  /** Responses with any other status, and connection errors or timeouts. */
  failed: number;
  seconds: number;
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpu: CpuUsage;
}

export interface AcceptResult {
  shape: LoadShape;
  health: LoadRun;
  submit: LoadRun;
  /** Queue length after the runs: every 202 (measured and warm-up) should still be waiting. */
  queuedAfter: number;
  /** 202s sent during warm-up and measurement together. */
  acceptedTotal: number;
  /** Whether the blocker still held the worker when the measurement ended. */
  blockerHeld: boolean;
}

async function load(
  server: BenchServer,
  label: string,
  okStatus: number,
  options: { method: 'GET' | 'POST'; path: string; body?: string; connections: number; duration: number },
): Promise<LoadRun> {
  const stopCpu = startCpuWindow(server.pid);
  const result = await autocannon({
    url: `${server.url}${options.path}`,
    method: options.method,
    headers: options.body === undefined ? { authorization: server.headers.authorization! } : server.headers,
    body: options.body,
    connections: options.connections,
    duration: options.duration,
  });
  const cpu = stopCpu();
  const ok = result.statusCodeStats?.[`${okStatus}`]?.count ?? 0;
  const responses = Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + (s.count ?? 0), 0);
  return {
    label,
    okStatus,
    responses,
    ok,
    failed: responses - ok + result.errors + result.timeouts,
    seconds: result.duration,
    okPerSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpu,
  };
}

async function waitUntilRunning(server: BenchServer, id: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const { body } = await server.get<Submission>(`/api/v1/submissions/${id}`);
    if (body.status === 'running') return;
    if (isFinal(body.status)) throw new Error(`the blocker finished early: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the blocker did not start within 10 s');
}

/**
 * The accept rate: autocannon against GET /health (the ceiling: the same server, the same HTTP
 * stack, no work), then against POST /api/v1/submissions. The server must have one worker; a
 * sleeping submission holds it first, so every accepted submission just waits in the queue and no
 * sandbox run competes with the API for the CPU.
 */
export async function measureAcceptRate(server: BenchServer, shape: LoadShape): Promise<AcceptResult> {
  const blocker = await server.post<{ id: string }>('/api/v1/submissions', BLOCKER);
  if (blocker.status !== 202)
    throw new Error(`the blocker got ${blocker.status}: ${JSON.stringify(blocker.body)}`);
  await waitUntilRunning(server, blocker.body.id);

  const body = JSON.stringify(SUBMISSION);
  const health = { method: 'GET', path: '/health', connections: shape.connections } as const;
  const submit = {
    method: 'POST',
    path: '/api/v1/submissions',
    body,
    connections: shape.connections,
  } as const;
  const warmHealth = await load(server, 'warm-up', 200, { ...health, duration: shape.warmupSeconds });
  const warmSubmit = await load(server, 'warm-up', 202, { ...submit, duration: shape.warmupSeconds });
  if (warmHealth.ok === 0 || warmSubmit.ok === 0) {
    throw new Error(`warm-up failed: ${JSON.stringify({ warmHealth, warmSubmit })}`);
  }
  const healthRun = await load(server, 'GET /health', 200, { ...health, duration: shape.durationSeconds });
  const submitRun = await load(server, 'POST /api/v1/submissions', 202, {
    ...submit,
    duration: shape.durationSeconds,
  });

  const detailed = await server.get<{ queue: { length: number } }>('/health/detailed');
  const after = await server.get<Submission>(`/api/v1/submissions/${blocker.body.id}`);
  return {
    shape,
    health: healthRun,
    submit: submitRun,
    queuedAfter: detailed.body.queue.length,
    acceptedTotal: warmSubmit.ok + submitRun.ok,
    blockerHeld: after.body.status === 'running',
  };
}

export function acceptTable(result: AcceptResult, logLevel: string): Table {
  const ceiling = result.health.okPerSecond;
  const row = (run: LoadRun, target: string, met: boolean | null): string[] => [
    run.label,
    String(run.okStatus),
    run.ok.toLocaleString('en-US'),
    String(run.failed),
    formatRate(run.okPerSecond),
    `${run.p50Ms} ms`,
    `${run.p99Ms} ms`,
    formatPercent(run.okPerSecond / ceiling),
    target,
    met === null ? 'ceiling' : verdict(met),
    formatPercent(ofOneCore(run.cpu.serverMs, run.cpu), 0),
    `${Math.round((run.cpu.serverMs * 1000) / Math.max(1, run.responses))} us`,
    formatPercent(ofOneCore(run.cpu.benchMs, run.cpu), 0),
    formatPercent(machineBusy(run.cpu), 0),
  ];
  const { shape } = result;
  return {
    title: `Service: accept rate over HTTP (loopback, ${shape.connections} connections, ${shape.durationSeconds} s each)`,
    columns: [
      { header: 'request' },
      { header: 'counted', align: 'right' },
      { header: 'count', align: 'right' },
      { header: 'other', align: 'right' },
      { header: 'rate', align: 'right' },
      { header: 'p50', align: 'right' },
      { header: 'p99', align: 'right' },
      { header: 'vs /health', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
      { header: 'server CPU', align: 'right' },
      { header: 'per req', align: 'right' },
      { header: 'autocannon CPU', align: 'right' },
      { header: 'machine busy', align: 'right' },
    ],
    rows: [
      row(result.health, '', null),
      row(
        result.submit,
        `>= ${formatRate(ACCEPT_TARGET_PER_SEC)}`,
        result.submit.okPerSecond >= ACCEPT_TARGET_PER_SEC,
      ),
    ],
    notes: [
      `autocannon in the bench process, keep-alive, pipelining 1; ${shape.warmupSeconds} s unmeasured warm-up of each request first.`,
      'counted: only responses with this status count (202 = queued); other: any other status, connection errors and timeouts.',
      `the submission is ${JSON.stringify(SUBMISSION)} with an admin key; the server's rate limits are raised out of the way.`,
      'server: arbiter serve with 1 worker, held by a sleeping submission, so no job runs and the figure is the API accept path alone.',
      `server log level ${logLevel}, written to a file.`,
      `check: ${result.queuedAfter.toLocaleString('en-US')} waiting in the queue afterwards for ${result.acceptedTotal.toLocaleString('en-US')} 202s sent; ` +
        `the blocker ${result.blockerHeld ? 'still held the worker' : 'had NOT held the worker to the end'}.`,
      "vs /health: this rate as a share of GET /health's on the same server, the cost of accepting.",
      'server CPU: the server process (all its threads) as a share of one core over the run; per req: its CPU time per response.',
      `autocannon CPU: the bench process, likewise; machine busy: all ${result.health.cpu.cores} cores together (anything else running shows here).`,
    ],
  };
}
