/**
 * The scaleout section: what running Arbiter on Redis and PostgreSQL costs against the embedded
 * mode measured in the same run. The accept rate of an API node (`arbiter serve --redis --postgres`,
 * no workers) against an embedded server's, under the service section's autocannon load; python
 * print(1) end to end with one and with two `arbiter worker --concurrency 1` processes behind an API
 * node against an embedded server with workers = cores (bench/out/scaleout.md).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createCluster,
  POSTGRES_URL,
  REDIS_URL,
  runtimeDirOf,
  type Cluster,
  type ClusterProcess,
} from './cluster.js';
import { backgroundLoad, startCpuWindow, type CpuUsage } from './cpu-meter.js';
import { formatPercent, formatRate, verdict } from './format.js';
import { machineFacts, versionOf } from './machine.js';
import type { Report, Table } from './report.js';
import { isFinal, startServer, UNLIMITED, type BenchServer, type Submission } from './server.js';
import { median } from './stats.js';
import { runsPerSecond } from './throughput.js';

/** The service section's accept load (bench/service.ts). */
const ACCEPT = { connections: 50, durationSeconds: 10, warmupSeconds: 2 };
/** Accepted submissions per second an API node on Redis and PostgreSQL should reach (issue [M])... */
const SCALEOUT_ACCEPT_TARGET = 2_000;
/** ...and its share of the embedded server's rate, measured in the same run. */
const SCALEOUT_ACCEPT_SHARE = 0.3;
/** The accept table compares the first and the last this many seconds of the measured run. */
const EDGE_SECONDS = 2;
/** Per mode: warm-up runs, then passes of this many runs; embedded and scale-out passes alternate. */
const E2E = { warmupRuns: 20, runs: 150, passes: 5 };
/** The server's default log level, as the service section measures it. */
const LOG_LEVEL = 'info';
/** Every process's config: no rate limit or queue cap in the way, a short shutdown grace. */
const CONFIG = { ...UNLIMITED, logLevel: LOG_LEVEL, shutdownGraceMs: 5_000 };

const SUBMISSION = { language: 'python3', source: 'print("hello, world")\n' };
/** Holds an embedded server's one worker while its accept rate is measured (as service-accept does). */
const BLOCKER = {
  language: 'python3',
  source: 'import time\ntime.sleep(3600)\n',
  limits: { wallMs: 60_000, cpuMs: 1_000 },
};

// ---------------------------------------------------------------------------------------------------
// Where the CPU went: Arbiter's processes, Redis, PostgreSQL, the bench, the rest of the machine.

/** The process listening on a TCP port on this machine (the shared Redis, PostgreSQL's postmaster). */
function pidListeningOn(port: number): number | null {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(hex) && f[3] === '0A') inodes.add(`socket:[${f[9]}]`); // 0A: LISTEN
    }
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${name}/fd/${fd}`))) return Number(name);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

const portOf = (url: string, fallback: number): number => Number(new URL(url).port || fallback);

interface Services {
  redisPid: number | null;
  postgresPid: number | null;
}

interface Cpu {
  wallMs: number;
  cores: number;
  machineMs: number;
  /** The bench process: autocannon or the fetch loops. */
  benchMs: number;
  /** Arbiter's node processes themselves (API node, workers, or the embedded server). */
  nodesMs: number;
  /** Their descendants: sandbox slots and the programs run in them. */
  sandboxMs: number;
  /** redis-server, and the postmaster with all its backends (both shared: other users' load counts). */
  redisMs: number | null;
  postgresMs: number | null;
}

function startCpu(nodes: number[], services: Services): () => Cpu {
  const nodeWindows = nodes.map((pid) => startCpuWindow(pid));
  const redis = services.redisPid === null ? null : startCpuWindow(services.redisPid);
  const postgres = services.postgresPid === null ? null : startCpuWindow(services.postgresPid);
  return () => {
    const node = nodeWindows.map((stop) => stop());
    const r = redis?.();
    const p = postgres?.();
    const first = node[0]!;
    const own = node.reduce((sum, u) => sum + u.serverMs, 0);
    return {
      wallMs: first.wallMs,
      cores: first.cores,
      machineMs: first.machineMs,
      benchMs: first.benchMs,
      nodesMs: own,
      sandboxMs: node.reduce((sum, u) => sum + u.treeMs, 0) - own,
      redisMs: r ? r.serverMs : null,
      postgresMs: p ? p.treeMs : null,
    };
  };
}

function sumCpu(usages: Cpu[]): Cpu {
  const add = (pick: (u: Cpu) => number | null): number | null =>
    usages.some((u) => pick(u) === null) ? null : usages.reduce((sum, u) => sum + pick(u)!, 0);
  return {
    wallMs: usages.reduce((s, u) => s + u.wallMs, 0),
    cores: usages[0]!.cores,
    machineMs: usages.reduce((s, u) => s + u.machineMs, 0),
    benchMs: usages.reduce((s, u) => s + u.benchMs, 0),
    nodesMs: usages.reduce((s, u) => s + u.nodesMs, 0),
    sandboxMs: usages.reduce((s, u) => s + u.sandboxMs, 0),
    redisMs: add((u) => u.redisMs),
    postgresMs: add((u) => u.postgresMs),
  };
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const busyShare = (cpu: Cpu): number => cpu.machineMs / (cpu.wallMs * cpu.cores);
/** Busy time outside the bench, Arbiter's processes, Redis and PostgreSQL, as a share of all cores. */
const otherShare = (cpu: Cpu): number =>
  (cpu.machineMs - cpu.benchMs - cpu.nodesMs - cpu.sandboxMs - (cpu.redisMs ?? 0) - (cpu.postgresMs ?? 0)) /
  (cpu.wallMs * cpu.cores);
const oneCore = (ms: number | null, cpu: Cpu): string =>
  ms === null ? '-' : formatPercent(ms / cpu.wallMs, 0);
const perItem = (ms: number | null, count: number, unit: 'us' | 'ms'): string =>
  ms === null
    ? '-'
    : unit === 'us'
      ? `${Math.round((ms * 1000) / Math.max(1, count))} us`
      : `${(ms / Math.max(1, count)).toFixed(2)} ms`;

// ---------------------------------------------------------------------------------------------------
// HTTP.

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  /** Arbiter processes whose CPU counts for this endpoint. */
  pids: number[];
}

async function post<T>(
  endpoint: Endpoint,
  path: string,
  body: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${endpoint.url}${path}`, {
    method: 'POST',
    headers: endpoint.headers,
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function get<T>(endpoint: Endpoint, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${endpoint.url}${path}`, {
    headers: { authorization: endpoint.headers.authorization! },
  });
  return { status: response.status, body: (await response.json()) as T };
}

const fromServer = (server: BenchServer): Endpoint => ({
  url: server.url,
  headers: server.headers,
  pids: [server.pid],
});

const fromCluster = (cluster: Cluster, api: ClusterProcess, workers: ClusterProcess[] = []): Endpoint => ({
  url: api.url,
  headers: cluster.headers,
  pids: [api.pid, ...workers.map((w) => w.pid)],
});

// ---------------------------------------------------------------------------------------------------
// Accept rate.

interface AcceptRun {
  mode: string;
  ok: number;
  responses: number;
  failed: number;
  seconds: number;
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** 202s in each whole second of the run. */
  perSecond: number[];
  /** PostgreSQL's CPU (share of one core) in the first and in the last EDGE_SECONDS of the run. */
  postgresEdges: { first: number; last: number } | null;
  cpu: Cpu;
  /** Queue length afterwards, and the 202s sent (warm-up and measured). */
  queuedAfter: number | null;
  acceptedTotal: number;
}

function cannon(
  endpoint: Endpoint,
  durationSeconds: number,
  onResponse?: (status: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${endpoint.url}/api/v1/submissions`,
        method: 'POST',
        headers: endpoint.headers,
        body: JSON.stringify(SUBMISSION),
        connections: ACCEPT.connections,
        duration: durationSeconds,
      },
      (error: unknown, result) => (error ? reject(error as Error) : resolve(result)),
    );
    if (onResponse) instance.on('response', (_client, status: number) => onResponse(status));
  });
}

/** POST /api/v1/submissions under autocannon: an unmeasured warm-up, then the measured run. */
async function acceptRun(mode: string, endpoint: Endpoint, services: Services): Promise<AcceptRun> {
  const warm = await cannon(endpoint, ACCEPT.warmupSeconds);
  const warmOk = warm.statusCodeStats?.['202']?.count ?? 0;
  if (warmOk === 0)
    throw new Error(`${mode}: no 202 in the warm-up: ${JSON.stringify(warm.statusCodeStats)}`);
  const perSecond = Array.from({ length: ACCEPT.durationSeconds }, () => 0);
  const stopCpu = startCpu(endpoint.pids, services);
  // PostgreSQL's share of a core at the start and at the end of the run: how its cost per accept moves.
  const postgres = services.postgresPid;
  const share = (stop: () => CpuUsage): number => {
    const usage = stop();
    return usage.treeMs / usage.wallMs;
  };
  const edges = { first: NaN, last: NaN };
  let stopLast: (() => CpuUsage) | null = null;
  const timers: NodeJS.Timeout[] = [];
  if (postgres !== null) {
    const stopFirst = startCpuWindow(postgres);
    timers.push(setTimeout(() => (edges.first = share(stopFirst)), EDGE_SECONDS * 1000));
    timers.push(
      setTimeout(() => (stopLast = startCpuWindow(postgres)), (ACCEPT.durationSeconds - EDGE_SECONDS) * 1000),
    );
  }
  const began = performance.now();
  const result = await cannon(endpoint, ACCEPT.durationSeconds, (status) => {
    const second = Math.floor((performance.now() - began) / 1000);
    if (status === 202 && second < perSecond.length) perSecond[second]!++;
  });
  const cpu = stopCpu();
  for (const timer of timers) clearTimeout(timer);
  if (stopLast) edges.last = share(stopLast);
  const ok = result.statusCodeStats?.['202']?.count ?? 0;
  const responses = Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + (s.count ?? 0), 0);
  const detailed = await get<{ queue: { length: number | null } }>(endpoint, '/health/detailed');
  return {
    mode,
    ok,
    responses,
    failed: responses - ok + result.errors + result.timeouts,
    seconds: result.duration,
    okPerSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    perSecond,
    postgresEdges: Number.isFinite(edges.first) && Number.isFinite(edges.last) ? edges : null,
    cpu,
    queuedAfter: detailed.body.queue.length,
    acceptedTotal: warmOk + ok,
  };
}

async function holdTheWorker(endpoint: Endpoint): Promise<void> {
  const blocker = await post<{ id: string }>(endpoint, '/api/v1/submissions', BLOCKER);
  if (blocker.status !== 202)
    throw new Error(`the blocker got ${blocker.status}: ${JSON.stringify(blocker.body)}`);
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const { body } = await get<Submission>(endpoint, `/api/v1/submissions/${blocker.body.id}`);
    if (body.status === 'running') return;
    if (isFinal(body.status)) throw new Error(`the blocker finished early: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the blocker did not start within 10 s');
}

interface AcceptResult {
  embedded: AcceptRun;
  scaleOut: AcceptRun;
}

async function measureAccept(services: Services): Promise<AcceptResult> {
  process.stderr.write(
    `bench: scaleout: accept rate, embedded then Redis + PostgreSQL, ${ACCEPT.connections} connections, ${ACCEPT.durationSeconds} s each...\n`,
  );
  const server = await startServer({ ...CONFIG, workers: 1 });
  const removeRuntimeDir = runtimeDirOf(server.pid);
  let embedded: AcceptRun;
  try {
    const endpoint = fromServer(server);
    await holdTheWorker(endpoint);
    embedded = await acceptRun('embedded', endpoint, services);
  } finally {
    // Tens of thousands of jobs wait in its queue: kill it outright and delete its data.
    await server.stop('kill');
    removeRuntimeDir();
  }
  const cluster = await createCluster('accept', CONFIG);
  try {
    const api = await cluster.start('serve');
    const scaleOut = await acceptRun('Redis + PostgreSQL', fromCluster(cluster, api), services);
    await api.stop('kill');
    return { embedded, scaleOut };
  } finally {
    await cluster.destroy();
  }
}

function acceptTable(result: AcceptResult): Table {
  const base = result.embedded.okPerSecond;
  const edges = (run: AcceptRun): string =>
    `${formatRate(mean(run.perSecond.slice(0, EDGE_SECONDS)))} -> ${formatRate(mean(run.perSecond.slice(-EDGE_SECONDS)))}`;
  const postgresEdges = (run: AcceptRun): string =>
    run.postgresEdges
      ? `${formatPercent(run.postgresEdges.first, 0)} -> ${formatPercent(run.postgresEdges.last, 0)}`
      : '-';
  const row = (run: AcceptRun, target: string, met: boolean | null): string[] => [
    run.mode,
    run.ok.toLocaleString('en-US'),
    String(run.failed),
    formatRate(run.okPerSecond),
    formatPercent(run.okPerSecond / base),
    target,
    met === null ? 'base' : verdict(met),
    edges(run),
    `${run.p50Ms} ms`,
    `${run.p99Ms} ms`,
    oneCore(run.cpu.nodesMs, run.cpu),
    perItem(run.cpu.nodesMs, run.responses, 'us'),
    perItem(run.cpu.redisMs, run.responses, 'us'),
    perItem(run.cpu.postgresMs, run.responses, 'us'),
    postgresEdges(run),
    oneCore(run.cpu.benchMs, run.cpu),
    formatPercent(busyShare(run.cpu), 0),
    formatPercent(otherShare(run.cpu), 0),
  ];
  const check = (run: AcceptRun, extra: number): string =>
    `${run.mode}: ${run.queuedAfter?.toLocaleString('en-US') ?? '?'} waiting afterwards for ${(run.acceptedTotal + extra).toLocaleString('en-US')} queued`;
  return {
    title: `Scale-out: accept rate, POST /api/v1/submissions (loopback, ${ACCEPT.connections} connections, ${ACCEPT.durationSeconds} s each)`,
    columns: [
      { header: 'back end' },
      { header: '202s', align: 'right' },
      { header: 'other', align: 'right' },
      { header: 'rate', align: 'right' },
      { header: 'vs embedded', align: 'right' },
      { header: 'target', align: 'right' },
      { header: 'result' },
      { header: `rate first -> last ${EDGE_SECONDS} s`, align: 'right' },
      { header: 'p50', align: 'right' },
      { header: 'p99', align: 'right' },
      { header: 'API CPU', align: 'right' },
      { header: 'API/req', align: 'right' },
      { header: 'redis/req', align: 'right' },
      { header: 'postgres/req', align: 'right' },
      { header: `postgres CPU first -> last ${EDGE_SECONDS} s`, align: 'right' },
      { header: 'autocannon CPU', align: 'right' },
      { header: 'machine busy', align: 'right' },
      { header: 'other load', align: 'right' },
    ],
    rows: [
      row(result.embedded, '', null),
      row(
        result.scaleOut,
        `>= ${formatRate(SCALEOUT_ACCEPT_TARGET)} and >= ${formatPercent(SCALEOUT_ACCEPT_SHARE, 0)}`,
        result.scaleOut.okPerSecond >= SCALEOUT_ACCEPT_TARGET &&
          result.scaleOut.okPerSecond >= SCALEOUT_ACCEPT_SHARE * base,
      ),
    ],
    notes: [
      `autocannon in the bench process, keep-alive, pipelining 1; ${ACCEPT.warmupSeconds} s unmeasured warm-up first; the submission is ${JSON.stringify(SUBMISSION)} with an admin key at 100000 req/s.`,
      'embedded: arbiter serve (SQLite) with 1 worker, held by a sleeping submission, so no job runs; Redis + PostgreSQL: arbiter serve --redis --postgres with no workers (an API node), its own schema and key prefix.',
      `both: ipRatePerSec and maxQueueLength ${UNLIMITED.ipRatePerSec}, log level ${LOG_LEVEL} to a file; other: any status but 202, connection errors and timeouts.`,
      `check: ${check(result.embedded, 1)} (the blocker included); ${check(result.scaleOut, 0)}; the requests in flight when autocannon stopped (up to ${ACCEPT.connections} a run) were queued but not counted.`,
      `first -> last ${EDGE_SECONDS} s: the 202 rate, and PostgreSQL's CPU as a share of one core, in the first and in the last ${EDGE_SECONDS} s of the measured run, as the queue grows.`,
      "positions: on Redis + PostgreSQL each 202 reports the job's rank in BullMQ's prioritized set (ZRANK, O(log n)); the embedded queue keeps positions in memory.",
      'grouping: on Redis + PostgreSQL the submissions an API node takes within one turn of its event loop share one multi-row INSERT (committed before their 202s), one MULTI of fairness counters, one BullMQ addBulk and one pipeline of ZRANKs; the embedded store shares one SQLite transaction the same way.',
      'API CPU: the server process as a share of one core; API/req, redis/req, postgres/req: CPU time per response of the server, of redis-server, and of the postmaster with all its backends.',
      "redis-server and PostgreSQL are the machine's shared servers: their figures include anything other users did meanwhile (tiny for the embedded row).",
      'machine busy: all cores together; other load: busy time outside the bench, Arbiter, redis-server and PostgreSQL, as a share of all cores.',
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// End to end.

interface Samples {
  roundTripMs: number[];
  queueMs: number[];
  judgeMs: number[];
  runWallMs: number[];
  /** Round trip less createdAt-to-finishedAt: the HTTP request and the result's way back. */
  deliveryMs: number[];
}

interface E2eMode {
  mode: string;
  slots: number;
  passes: number[];
  cpu: Cpu[];
  samples: Samples;
}

const newMode = (mode: string, slots: number): E2eMode => ({
  mode,
  slots,
  passes: [],
  cpu: [],
  samples: { roundTripMs: [], queueMs: [], judgeMs: [], runWallMs: [], deliveryMs: [] },
});

async function submitOnce(endpoint: Endpoint, samples: Samples | null): Promise<void> {
  const began = performance.now();
  const { status, body } = await post<Submission>(endpoint, '/api/v1/submissions?wait=true', {
    language: 'python3',
    source: 'print(1)',
  });
  const roundTrip = performance.now() - began;
  if (status !== 200 || body.status !== 'accepted' || body.run?.stdout !== '1\n') {
    throw new Error(`print(1) failed: HTTP ${status} ${JSON.stringify(body).slice(0, 500)}`);
  }
  if (!samples) return;
  const created = Date.parse(body.createdAt);
  const started = Date.parse(body.startedAt!);
  const finished = Date.parse(body.finishedAt!);
  samples.roundTripMs.push(roundTrip);
  samples.queueMs.push(started - created);
  samples.judgeMs.push(finished - started);
  samples.runWallMs.push(body.run.wallMs);
  samples.deliveryMs.push(roundTrip - (finished - created));
}

async function pass(
  mode: E2eMode,
  endpoint: Endpoint,
  services: Services,
  concurrency: number,
): Promise<void> {
  const stopCpu = startCpu(endpoint.pids, services);
  mode.passes.push(await runsPerSecond(() => submitOnce(endpoint, mode.samples), concurrency, E2E.runs));
  mode.cpu.push(stopCpu());
}

const warmUp = (endpoint: Endpoint, concurrency: number): Promise<number> =>
  runsPerSecond(() => submitOnce(endpoint, null), concurrency, E2E.warmupRuns);

/** Waits until the cluster's registry lists `count` workers (GET /health/detailed on the API node). */
async function waitForWorkers(endpoint: Endpoint, count: number): Promise<void> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const { body } = await get<{ workers: unknown[] }>(endpoint, '/health/detailed');
    if (body.workers.length >= count) return;
    if (performance.now() > deadline)
      throw new Error(`the API node lists ${body.workers.length} workers, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measureE2e(services: Services, cores: number): Promise<E2eMode[]> {
  process.stderr.write(
    `bench: scaleout: python print(1) end to end at concurrency ${cores}: embedded (${cores} workers), then 1 and 2 worker processes...\n`,
  );
  const embedded = newMode(`embedded, ${cores} workers`, cores);
  const one = newMode('Redis + PostgreSQL, 1 worker process', 1);
  const two = newMode('Redis + PostgreSQL, 2 worker processes', 2);
  const cluster = await createCluster('e2e', CONFIG);
  let server: BenchServer | null = null;
  let removeRuntimeDir = (): void => undefined;
  let failure: unknown = null;
  try {
    const [embeddedStart, apiStart, workerStart] = await Promise.allSettled([
      startServer({ ...CONFIG, workers: cores }),
      cluster.start('serve'),
      cluster.start('worker', { concurrency: 1 }),
    ]);
    if (embeddedStart.status === 'fulfilled') {
      server = embeddedStart.value;
      removeRuntimeDir = runtimeDirOf(server.pid);
    }
    for (const outcome of [embeddedStart, apiStart, workerStart])
      if (outcome.status === 'rejected') throw outcome.reason;
    const embeddedServer = (embeddedStart as PromiseFulfilledResult<BenchServer>).value;
    const api = (apiStart as PromiseFulfilledResult<ClusterProcess>).value;
    const first = (workerStart as PromiseFulfilledResult<ClusterProcess>).value;
    const embeddedEndpoint = fromServer(embeddedServer);
    await warmUp(embeddedEndpoint, cores);
    const oneEndpoint = fromCluster(cluster, api, [first]);
    await waitForWorkers(oneEndpoint, 1);
    await warmUp(oneEndpoint, cores);
    // Passes alternate, so load from elsewhere hits both sides rather than one ratio.
    for (let i = 0; i < E2E.passes; i++) {
      await pass(embedded, embeddedEndpoint, services, cores);
      await pass(one, oneEndpoint, services, cores);
    }
    const second = await cluster.start('worker', { concurrency: 1 });
    const twoEndpoint = fromCluster(cluster, api, [first, second]);
    await waitForWorkers(twoEndpoint, 2);
    await warmUp(twoEndpoint, cores);
    for (let i = 0; i < E2E.passes; i++) {
      await pass(embedded, embeddedEndpoint, services, cores);
      await pass(two, twoEndpoint, services, cores);
    }
    await Promise.all([first.stop('graceful'), second.stop('graceful')]);
    await api.stop('graceful');
  } catch (error) {
    failure = error;
  }
  const [, destroyed] = await Promise.allSettled([server?.stop('graceful'), cluster.destroy()]);
  removeRuntimeDir();
  if (failure !== null) throw failure;
  // A schema or keys left behind must not pass unnoticed.
  if (destroyed.status === 'rejected') throw destroyed.reason;
  return [embedded, one, two];
}

function e2eTable(modes: E2eMode[], concurrency: number): Table {
  const [embedded] = modes as [E2eMode];
  const base = median(embedded.passes);
  const ms = (values: number[]): string => `${median(values).toFixed(1)} ms`;
  const rows = modes.map((m) => {
    const rate = median(m.passes);
    const cpu = sumCpu(m.cpu);
    const results = m.passes.length * E2E.runs;
    return [
      m.mode,
      String(m.slots),
      formatRate(rate),
      m === embedded ? 'base' : formatPercent(rate / base),
      m === embedded ? '' : formatPercent(rate / m.slots / (base / embedded.slots)),
      ms(m.samples.roundTripMs),
      ms(m.samples.queueMs),
      ms(m.samples.judgeMs),
      ms(m.samples.runWallMs),
      ms(m.samples.deliveryMs),
      formatPercent((rate * mean(m.samples.judgeMs)) / 1000 / m.slots, 0),
      perItem(cpu.nodesMs, results, 'ms'),
      perItem(cpu.sandboxMs, results, 'ms'),
      perItem(cpu.redisMs, results, 'ms'),
      perItem(cpu.postgresMs, results, 'ms'),
      perItem(cpu.benchMs, results, 'ms'),
      formatPercent(busyShare(cpu), 0),
      formatPercent(otherShare(cpu), 0),
      m.passes.map((r) => Math.round(r)).join('/'),
    ];
  });
  return {
    title: `Scale-out: end to end, python3 print(1) with ?wait=true at concurrency ${concurrency} (results per second)`,
    columns: [
      { header: 'mode' },
      { header: 'slots', align: 'right' },
      { header: 'rate', align: 'right' },
      { header: 'vs embedded', align: 'right' },
      { header: 'per slot', align: 'right' },
      { header: 'round trip', align: 'right' },
      { header: 'queue', align: 'right' },
      { header: 'judge', align: 'right' },
      { header: 'run wall', align: 'right' },
      { header: 'delivery', align: 'right' },
      { header: 'slots busy', align: 'right' },
      { header: 'nodes CPU/result', align: 'right' },
      { header: 'sandbox', align: 'right' },
      { header: 'redis', align: 'right' },
      { header: 'postgres', align: 'right' },
      { header: 'bench', align: 'right' },
      { header: 'machine busy', align: 'right' },
      { header: 'other load', align: 'right' },
      { header: 'passes' },
    ],
    rows,
    notes: [
      `${E2E.warmupRuns} warm-up runs per mode, then passes of ${E2E.runs}; the embedded server's passes alternate with the 1-worker passes, then (a second worker started and warmed) with the 2-worker passes: its rate is the median of all ${embedded.passes.length}.`,
      "each run: POST /api/v1/submissions?wait=true {language:'python3', source:'print(1)'} from one of the loops (one request in flight each, fetch keep-alive), the answer checked for 200, accepted and stdout.",
      `embedded: arbiter serve with ${embedded.slots} workers (SQLite); Redis + PostgreSQL: arbiter serve --redis --postgres with no workers and arbiter worker --concurrency 1 processes, their own schema and key prefix.`,
      'per slot: the rate per sandbox slot as a share of the embedded rate per slot; slots busy: rate x mean judge time / slots, the share of the time a slot held a job.',
      "round trip, queue (createdAt to startedAt), judge (startedAt to finishedAt), run wall (the program in its slot), delivery (round trip less createdAt to finishedAt: HTTP and the result's way back to the waiting request): medians.",
      'CPU per result: nodes = the Arbiter processes themselves (embedded server, or API node + workers); sandbox = their descendants (slots, the programs); redis = redis-server; postgres = the postmaster and all its backends; bench = the load loops.',
      'machine busy: all cores over the passes; other load: busy time outside all of those, as a share of all cores (other users of the machine; a few % either way is sampling noise).',
    ],
  };
}

// ---------------------------------------------------------------------------------------------------

function autocannonVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('autocannon/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function serverVersions(): Promise<{ redis: string; postgres: string }> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 3_000 }).on(
    'error',
    () => undefined, // a failing command rejects
  );
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    const info = await redis.info('server');
    const persistence = await redis.config('GET', 'appendonly');
    await client.connect();
    const setting = async (name: string): Promise<string> =>
      (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
    return {
      redis: `${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} at ${REDIS_URL}, appendonly ${(persistence as string[])[1] ?? '?'}`,
      postgres: `${await setting('server_version')} at ${POSTGRES_URL}, fsync ${await setting('fsync')}, synchronous_commit ${await setting('synchronous_commit')}`,
    };
  } catch (error) {
    throw new Error(
      `the scaleout section needs Redis at ${REDIS_URL} and PostgreSQL at ${POSTGRES_URL}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    redis.disconnect();
    await client.end().catch(() => undefined);
  }
}

/**
 * The scale-out benchmarks, each against the embedded mode measured in the same run: the accept
 * rate of an API node on Redis and PostgreSQL, and python print(1) end to end with one and two
 * worker processes.
 */
export async function scaleoutReport(): Promise<Report> {
  const began = performance.now();
  const cores = availableParallelism();
  const versions = await serverVersions();
  const services: Services = {
    redisPid: pidListeningOn(portOf(REDIS_URL, 6379)),
    postgresPid: pidListeningOn(portOf(POSTGRES_URL, 5432)),
  };
  const idleBusy = await backgroundLoad();
  const accept = await measureAccept(services);
  const e2e = await measureE2e(services, cores);
  return {
    title: 'Arbiter scale-out benchmark',
    facts: [
      ...machineFacts(),
      ['python', `${versionOf('/usr/bin/python3', ['--version'])} (/usr/bin/python3)`],
      ['autocannon', autocannonVersion()],
      ['redis', versions.redis],
      ['postgresql', versions.postgres],
      [
        'processes',
        'arbiter serve / worker from source (tsx), each cluster in a fresh PostgreSQL schema and Redis key prefix, dropped afterwards; ' +
          `embedded servers on a fresh data dir; log level ${LOG_LEVEL}; everything on this one machine`,
      ],
      [
        'background load',
        `${formatPercent(idleBusy, 0)} of all cores busy in the second before the section began`,
      ],
      ['bench time', `${((performance.now() - began) / 1000).toFixed(1)} s`],
    ],
    tables: [acceptTable(accept), e2eTable(e2e, cores)],
  };
}
