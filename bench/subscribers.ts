/**
 * Push subscribers: how many SSE streams and WebSocket subscriptions one API process holds, and
 * what they cost it in memory. A real server (`arbiter serve`, one worker) runs one submission that
 * sleeps; client child processes open 10,000 subscribers to it (half GET /api/v1/submissions/:id/events
 * kept open, half /api/v1/ws sockets each sent {"subscribe": [id]}), in bounded concurrency. Then the
 * server's VmRSS and VmHWM (/proc/<pid>/status) and its arbiter_push_subscribers gauge are read, the
 * submission is cancelled, every subscriber must receive its `finished` event before a deadline,
 * and once all are closed the gauge must fall back to zero. Target: the server holds 10,000
 * subscribers in under 500 MB of RSS.
 *
 * Alone: `node --import tsx bench/subscribers.ts` prints the table and writes bench/out/subscribers.md.
 * The same file, run with `--client`, is one of the client child processes (a JSON-lines protocol
 * on its stdin and stdout).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { DEFAULT_MAX_LIMITS } from '../src/sandbox/limits.js';
import { backgroundLoad, machineBusy, ofOneCore, startCpuWindow } from './cpu-meter.js';
import { formatPercent, verdict } from './format.js';
import { machineFacts, versionOf } from './machine.js';
import { FIGURE_COLUMNS, renderMarkdown, renderText, type Report, type Table } from './report.js';
import type { ResultRow } from './results.js';
import { killAllServers, startServer, UNLIMITED, type BenchServer, type Submission } from './server.js';
import { percentile } from './stats.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = dirname(dirname(HERE));
const OUT_FILE = join(dirname(HERE), 'out', 'subscribers.md');

/** The project's aim: this many subscribers held by one API process in under this much RSS. */
export const SUBSCRIBERS_TARGET = 10_000;
export const RSS_TARGET_BYTES = 500 * 1_000_000;
/** File descriptors the server and each client may open: 10,000 sockets and then some. */
const NOFILE = 65_536;
const MB = 1_000_000;

export interface SubscribersOptions {
  /** SSE streams to hold. Default 5,000. */
  sse?: number;
  /** WebSocket connections to hold, one subscription each. Default 5,000. */
  ws?: number;
  /** Client child processes sharing them. Default 2. */
  clients?: number;
  /** Connections being opened at once, per client. Default 128. */
  concurrency?: number;
  /** Deadline for all subscribers to be open, ms. Default 45 s. */
  connectDeadlineMs?: number;
  /** Deadline for every `finished` event after the cancel, ms. Default 30 s. */
  finishDeadlineMs?: number;
  /** Server log level. Default info, as shipped. */
  logLevel?: string;
}

/** What was measured, in plain numbers. */
export interface SubscribersMeasured {
  requested: { sse: number; ws: number };
  held: { sse: number; ws: number };
  failed: number;
  errors: string[];
  clients: number;
  concurrency: number;
  /** From the first connection attempt to the last subscriber confirmed, ms. */
  connectMs: number;
  /** Per subscriber, connect to its first `status` message, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The arbiter_push_subscribers gauge while held, and after every client closed. */
  gaugeHeld: number;
  gaugeAfterClose: number;
  /** Server /proc/<pid>/status, bytes: before opening (after a small warm-up), while held, peak. */
  rssBefore: number;
  rssHeld: number;
  hwmHeld: number;
  /** VmHWM at the end: the peak over the whole run, the fan-out of `finished` included. */
  hwmEnd: number;
  rssAfterClose: number;
  /** Client processes' RSS while holding, bytes, summed. */
  clientRss: number;
  /** `finished` events received after the cancel, and how long after the DELETE the last came. */
  finished: { sse: number; ws: number };
  /** SSE streams that ended before their `finished` event. */
  dropped: number;
  fanOutMs: number;
  cancelStatus: string;
  /** The server's and the clients' (lowest) soft nofile limits. */
  serverNofile: number;
  clientNofile: number;
  finishDeadlineMs: number;
  /** The machine's busy share in the second before the run; the server's CPU while connecting. */
  backgroundBusy: number;
  connectServerCpuMs: number;
  connectServerShare: number;
  connectMachineBusy: number;
  benchSeconds: number;
}

export interface SubscribersResult {
  measured: SubscribersMeasured;
  /** The figures, in the shape bench/results.ts gathers into bench/RESULTS.md. */
  rows: ResultRow[];
  table: Table;
  report: Report;
}

// ---------------------------------------------------------------------------------------------
// Client side: runs in a child process (`--client`), or in the bench process for the warm-up.

interface Subscriber {
  kind: 'sse' | 'ws';
  close(): void;
}

interface ClientCounters {
  finished: { sse: number; ws: number };
  dropped: number;
  lastFinishedAt: number;
  onFinished?: () => void;
}

const newCounters = (): ClientCounters => ({ finished: { sse: 0, ws: 0 }, dropped: 0, lastFinishedAt: 0 });

interface Target {
  url: string;
  key: string;
  id: string;
}

/** GET …/events, kept open; resolves at its first `status` event. */
function openSse(target: Target, counters: ClientCounters, timeoutMs: number): Promise<Subscriber> {
  const url = new URL(`/api/v1/submissions/${target.id}/events`, target.url);
  return new Promise((resolve, reject) => {
    let subscribed = false;
    let finished = false;
    const request = httpRequest(url, {
      agent: false,
      headers: { authorization: `Bearer ${target.key}`, accept: 'text/event-stream' },
    });
    const timer = setTimeout(() => request.destroy(new Error('sse: no status event in time')), timeoutMs);
    const subscriber: Subscriber = { kind: 'sse', close: () => request.destroy() };
    request.on('error', (error) => {
      clearTimeout(timer);
      if (!subscribed) reject(error);
    });
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        clearTimeout(timer);
        request.destroy();
        reject(new Error(`sse: status ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          if (name === 'status' && !subscribed) {
            subscribed = true;
            clearTimeout(timer);
            resolve(subscriber);
          } else if (name === 'finished' && !finished) {
            finished = true;
            counters.finished.sse++;
            counters.lastFinishedAt = Date.now();
            counters.onFinished?.();
          }
        }
      });
      response.on('close', () => {
        clearTimeout(timer);
        if (!subscribed) reject(new Error('sse: stream ended before its status event'));
        else if (!finished) counters.dropped++;
      });
    });
    request.end();
  });
}

/** /api/v1/ws with {"subscribe": [id]}; resolves at the `status` message answering it. */
function openWs(target: Target, counters: ClientCounters, timeoutMs: number): Promise<Subscriber> {
  const url = new URL('/api/v1/ws', target.url);
  url.protocol = 'ws:';
  return new Promise((resolve, reject) => {
    let subscribed = false;
    let finished = false;
    const socket = new WebSocket(url, {
      headers: { authorization: `Bearer ${target.key}` },
      perMessageDeflate: false,
    });
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.terminate();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error('ws: no status message in time')), timeoutMs);
    socket.on('error', (error) => {
      if (!subscribed) fail(error);
    });
    socket.on('open', () => socket.send(JSON.stringify({ subscribe: [target.id] })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string; id?: string; message?: string };
      if (message.type === 'status' && !subscribed) {
        subscribed = true;
        clearTimeout(timer);
        resolve({ kind: 'ws', close: () => socket.terminate() });
      } else if (message.type === 'finished' && message.id === target.id && !finished) {
        finished = true;
        counters.finished.ws++;
        counters.lastFinishedAt = Date.now();
        counters.onFinished?.();
      } else if (message.type === 'error' && !subscribed) {
        fail(new Error(`ws: ${message.message ?? 'error'}`));
      }
    });
    socket.on('close', () => {
      if (!subscribed) fail(new Error('ws: closed before its status message'));
    });
  });
}

interface OpenOutcome {
  subscribers: Subscriber[];
  failed: number;
  errors: string[];
  latencies: number[];
  ms: number;
}

/** Opens `sse` + `ws` subscribers, interleaved, `concurrency` at a time. */
async function openMany(
  target: Target,
  counts: { sse: number; ws: number },
  concurrency: number,
  deadlineMs: number,
  counters: ClientCounters,
): Promise<OpenOutcome> {
  const kinds: ('sse' | 'ws')[] = [];
  for (let i = 0; i < Math.max(counts.sse, counts.ws); i++) {
    if (i < counts.sse) kinds.push('sse');
    if (i < counts.ws) kinds.push('ws');
  }
  const began = performance.now();
  const deadline = began + deadlineMs;
  const outcome: OpenOutcome = { subscribers: [], failed: 0, errors: [], latencies: [], ms: 0 };
  let next = 0;
  const lane = async () => {
    while (next < kinds.length) {
      const kind = kinds[next++]!;
      const left = deadline - performance.now();
      if (left <= 0) {
        outcome.failed++;
        continue;
      }
      const started = performance.now();
      try {
        const open = kind === 'sse' ? openSse : openWs;
        outcome.subscribers.push(await open(target, counters, Math.min(left, 30_000)));
        outcome.latencies.push(performance.now() - started);
      } catch (error) {
        outcome.failed++;
        if (outcome.errors.length < 5) outcome.errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  outcome.ms = performance.now() - began;
  return outcome;
}

/** Messages from the bench to a client child, one JSON line each on its stdin. */
type ClientCommand =
  | ({ cmd: 'open'; sse: number; ws: number; concurrency: number; deadlineMs: number } & Target)
  | { cmd: 'await'; deadlineMs: number }
  | { cmd: 'close' };

interface OpenedReply {
  type: 'opened';
  sse: number;
  ws: number;
  failed: number;
  errors: string[];
  latencies: number[];
  ms: number;
  rss: number;
  nofile: number;
}
interface FinishedReply {
  type: 'finished';
  sse: number;
  ws: number;
  dropped: number;
  lastFinishedAt: number;
}
type ClientReply = { type: 'spawned' } | OpenedReply | FinishedReply | { type: 'closed' };

/** The `--client` child: holds its share of subscribers until told to close. */
async function clientMain(): Promise<void> {
  const reply = (message: ClientReply) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const counters = newCounters();
  let subscribers: Subscriber[] = [];
  const input = createInterface({ input: process.stdin });
  // The bench went away: nothing must outlive it.
  input.on('close', () => process.exit(0));
  const guard = setTimeout(() => process.exit(3), 5 * 60_000);
  guard.unref();
  reply({ type: 'spawned' });
  for await (const line of input) {
    const command = JSON.parse(line) as ClientCommand;
    if (command.cmd === 'open') {
      const opened = await openMany(
        command,
        { sse: command.sse, ws: command.ws },
        command.concurrency,
        command.deadlineMs,
        counters,
      );
      subscribers = opened.subscribers;
      reply({
        type: 'opened',
        sse: subscribers.filter((s) => s.kind === 'sse').length,
        ws: subscribers.filter((s) => s.kind === 'ws').length,
        failed: opened.failed,
        errors: opened.errors,
        latencies: opened.latencies.map((ms) => Math.round(ms * 10) / 10),
        ms: opened.ms,
        rss: process.memoryUsage().rss,
        nofile: nofileOf('self').soft,
      });
    } else if (command.cmd === 'await') {
      const expected = subscribers.length;
      const done = () => counters.finished.sse + counters.finished.ws >= expected;
      if (!done()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, command.deadlineMs);
          counters.onFinished = () => {
            if (!done()) return;
            clearTimeout(timer);
            resolve();
          };
        });
      }
      reply({
        type: 'finished',
        ...counters.finished,
        dropped: counters.dropped,
        lastFinishedAt: counters.lastFinishedAt,
      });
    } else {
      for (const subscriber of subscribers) subscriber.close();
      subscribers = [];
      reply({ type: 'closed' });
      // Let the sockets' FINs go out, then leave.
      setTimeout(() => process.exit(0), 200);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Bench side.

/** A client child started with a raised nofile limit, spoken to in JSON lines. */
class ClientProcess {
  readonly #child: ChildProcess;
  readonly #replies: ClientReply[] = [];
  #waiting: ((reply: ClientReply | Error) => void) | undefined;
  #exit: string | undefined;

  constructor() {
    // `ulimit -n` in a shell that then execs node: the child may hold more sockets than ours.
    const script = `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
    this.#child = spawn('/bin/sh', ['-c', script, process.execPath, '--import', 'tsx', HERE, '--client'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      let reply: ClientReply;
      try {
        reply = JSON.parse(line) as ClientReply;
      } catch {
        process.stderr.write(`bench: subscribers client: ${line}\n`);
        return;
      }
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting(reply);
      else this.#replies.push(reply);
    });
    this.#child.on('exit', (code, signal) => {
      this.#exit = `client exited with ${code ?? signal}`;
      this.#waiting?.(new Error(this.#exit));
      this.#waiting = undefined;
    });
    this.#child.stdin!.on('error', () => {});
  }

  send(command: ClientCommand): void {
    this.#child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** The next reply, which must be of `type`, within `timeoutMs`. */
  async next<T extends ClientReply['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<ClientReply, { type: T }>> {
    const queued = this.#replies.shift();
    const reply =
      queued ??
      (await new Promise<ClientReply>((resolve, reject) => {
        if (this.#exit) return reject(new Error(this.#exit));
        const timer = setTimeout(() => {
          this.#waiting = undefined;
          reject(new Error(`no '${type}' from a client within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#waiting = (value) => {
          clearTimeout(timer);
          if (value instanceof Error) reject(value);
          else resolve(value);
        };
      }));
    if (reply.type !== type) throw new Error(`a client answered '${reply.type}', expected '${type}'`);
    return reply as Extract<ClientReply, { type: T }>;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** VmRSS and VmHWM of a process, bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** A process's soft and hard open-file limits, from /proc/<pid>/limits. */
function nofileOf(pid: number | 'self'): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const number = (text: string | undefined) =>
    text === undefined || text === 'unlimited' ? Infinity : Number(text);
  return { soft: number(match?.[1]), hard: number(match?.[2]) };
}

/**
 * Raises the server's open-file limit in place (prlimit; needs CAP_SYS_RESOURCE to go past its hard
 * limit); returns the soft limit it has now.
 */
function raiseNofile(pid: number): number {
  try {
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${NOFILE}:${NOFILE}`], { stdio: 'ignore' });
  } catch {
    // Not permitted: the server keeps what it inherited (node raised its soft limit to the hard one).
  }
  return nofileOf(pid).soft;
}

async function gauge(server: BenchServer): Promise<number> {
  const response = await fetch(`${server.url}/metrics`);
  const text = await response.text();
  const match = /^arbiter_push_subscribers(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!match) throw new Error('no arbiter_push_subscribers in /metrics');
  return Number(match[1]);
}

async function until<T>(
  what: string,
  deadlineMs: number,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
): Promise<T> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (performance.now() > deadline) {
      process.stderr.write(`bench: subscribers: gave up waiting for ${what}\n`);
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const share = (total: number, parts: number, i: number) =>
  Math.floor(total / parts) + (i < total % parts ? 1 : 0);

/**
 * Starts a server, holds the subscribers, measures, cancels, checks delivery, cleans up. Bounded:
 * every wait has a deadline, and the server and clients are killed on the way out whatever happened.
 */
export async function runSubscribersBench(options: SubscribersOptions = {}): Promise<SubscribersResult> {
  const began = performance.now();
  const requested = { sse: options.sse ?? 5_000, ws: options.ws ?? 5_000 };
  const total = requested.sse + requested.ws;
  // Each client gets at most what a process may open here, less some spare (a child can raise its
  // soft limit only as far as the hard one, which it inherits from this process).
  const perClient = Math.max(1_000, Math.min(NOFILE, nofileOf('self').hard) - 500);
  const clientCount = Math.max(options.clients ?? 2, Math.ceil(total / perClient));
  const concurrency = options.concurrency ?? 128;
  const connectDeadlineMs = options.connectDeadlineMs ?? 45_000;
  const finishDeadlineMs = options.finishDeadlineMs ?? 30_000;
  const logLevel = options.logLevel ?? 'info';
  const backgroundBusy = await backgroundLoad();

  const server = await startServer({
    ...UNLIMITED,
    workers: 1,
    logLevel,
    shutdownGraceMs: 1_000,
    maxLimits: { ...DEFAULT_MAX_LIMITS, wallMs: 600_000 },
  });
  const clients: ClientProcess[] = [];
  try {
    const serverNofile = raiseNofile(server.pid);
    if (serverNofile < total + 200)
      process.stderr.write(
        `bench: subscribers: the server may open only ${serverNofile} files, for ${total} subscribers\n`,
      );
    const created = await server.post<Submission>('/api/v1/submissions', {
      language: 'python3',
      source: 'import time\ntime.sleep(600)\n',
      limits: { wallMs: 600_000, cpuMs: 1_000 },
    });
    if (created.status !== 202) throw new Error(`submission refused: ${JSON.stringify(created.body)}`);
    const id = created.body.id;
    const running = await until(
      'the submission to run',
      30_000,
      () => server.get<Submission>(`/api/v1/submissions/${id}`),
      (answer) => answer.body.status !== 'queued',
    );
    if (running.body.status !== 'running')
      throw new Error(`submission is ${running.body.status}, not running`);
    const target: Target = { url: server.url, key: server.key, id };

    // Warm-up: both kinds of subscriber once through the server's code paths, then the baseline.
    const warm = newCounters();
    const warmed = await openMany(target, { sse: 20, ws: 20 }, 8, 20_000, warm);
    for (const subscriber of warmed.subscribers) subscriber.close();
    await until(
      'the warm-up subscribers to close',
      10_000,
      () => gauge(server),
      (n) => n === 0,
    );
    await sleep(1_000);
    const before = memoryOf(server.pid);

    process.stderr.write(
      `bench: subscribers: ${requested.sse} SSE + ${requested.ws} WebSocket from ${clientCount} clients...\n`,
    );
    for (let i = 0; i < clientCount; i++) clients.push(new ClientProcess());
    await Promise.all(clients.map((client) => client.next('spawned', 30_000)));
    const openStarted = performance.now();
    const stopCpu = startCpuWindow(server.pid);
    clients.forEach((client, i) =>
      client.send({
        cmd: 'open',
        ...target,
        sse: share(requested.sse, clientCount, i),
        ws: share(requested.ws, clientCount, i),
        concurrency,
        deadlineMs: connectDeadlineMs,
      }),
    );
    const opened = await Promise.all(
      clients.map((client) => client.next('opened', connectDeadlineMs + 10_000)),
    );
    const connectMs = performance.now() - openStarted;
    const connectCpu = stopCpu();
    const held = {
      sse: opened.reduce((sum, o) => sum + o.sse, 0),
      ws: opened.reduce((sum, o) => sum + o.ws, 0),
    };
    const latencies = opened.flatMap((o) => o.latencies);
    // Settle: let the server's last writes and timers land before reading its memory.
    await sleep(2_000);
    const gaugeHeld = await gauge(server);
    const heldMemory = memoryOf(server.pid);

    process.stderr.write(`bench: subscribers: ${held.sse + held.ws} held; cancelling the submission...\n`);
    clients.forEach((client) => client.send({ cmd: 'await', deadlineMs: finishDeadlineMs }));
    const cancelAt = Date.now();
    const cancel = await fetch(`${server.url}/api/v1/submissions/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${server.key}` },
    });
    const cancelStatus = ((await cancel.json()) as Submission).status;
    const finishedReplies = await Promise.all(
      clients.map((client) => client.next('finished', finishDeadlineMs + 5_000)),
    );
    const finished = {
      sse: finishedReplies.reduce((sum, f) => sum + f.sse, 0),
      ws: finishedReplies.reduce((sum, f) => sum + f.ws, 0),
    };
    const lastFinishedAt = Math.max(...finishedReplies.map((f) => f.lastFinishedAt));

    clients.forEach((client) => client.send({ cmd: 'close' }));
    await Promise.all(clients.map((client) => client.next('closed', 15_000)));
    const gaugeAfterClose = await until(
      'the subscribers gauge to reach 0',
      15_000,
      () => gauge(server),
      (n) => n === 0,
    );
    const after = memoryOf(server.pid);

    const measured: SubscribersMeasured = {
      requested,
      held,
      failed: opened.reduce((sum, o) => sum + o.failed, 0),
      errors: [...new Set(opened.flatMap((o) => o.errors))].slice(0, 5),
      clients: clientCount,
      concurrency,
      connectMs,
      latencyP50Ms: latencies.length > 0 ? percentile(latencies, 50) : NaN,
      latencyP99Ms: latencies.length > 0 ? percentile(latencies, 99) : NaN,
      gaugeHeld,
      gaugeAfterClose,
      rssBefore: before.rss,
      rssHeld: heldMemory.rss,
      hwmHeld: heldMemory.hwm,
      hwmEnd: after.hwm,
      rssAfterClose: after.rss,
      clientRss: opened.reduce((sum, o) => sum + o.rss, 0),
      finished,
      dropped: finishedReplies.reduce((sum, f) => sum + f.dropped, 0),
      fanOutMs: lastFinishedAt > 0 ? lastFinishedAt - cancelAt : NaN,
      cancelStatus,
      serverNofile,
      clientNofile: Math.min(...opened.map((o) => o.nofile)),
      finishDeadlineMs,
      backgroundBusy,
      connectServerCpuMs: connectCpu.serverMs,
      connectServerShare: ofOneCore(connectCpu.serverMs, connectCpu),
      connectMachineBusy: machineBusy(connectCpu),
      benchSeconds: 0,
    };
    if (total !== held.sse + held.ws)
      process.stderr.write(`bench: subscribers: ${measured.failed} failed: ${measured.errors.join('; ')}\n`);
    measured.benchSeconds = (performance.now() - began) / 1000;
    return build(measured);
  } finally {
    for (const client of clients) client.kill();
    await server.stop('kill');
  }
}

// ---------------------------------------------------------------------------------------------
// The report.

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function rowsOf(m: SubscribersMeasured): ResultRow[] {
  const total = m.requested.sse + m.requested.ws;
  const heldTotal = m.held.sse + m.held.ws;
  const finishedTotal = m.finished.sse + m.finished.ws;
  const perSubscriber = heldTotal > 0 ? (m.rssHeld - m.rssBefore) / heldTotal : NaN;
  const budget = heldTotal > 0 ? (RSS_TARGET_BYTES - m.rssBefore) / heldTotal : NaN;
  const allHeld = heldTotal === total && m.gaugeHeld === total;
  return [
    {
      figure: 'push subscribers held by one API process (SSE + WebSocket)',
      value: `${count(heldTotal)} (${count(m.held.sse)} + ${count(m.held.ws)}); gauge ${count(m.gaugeHeld)}`,
      ceiling: `${count(total)} opened`,
      ratio: formatPercent(heldTotal / total),
      target: `${count(SUBSCRIBERS_TARGET)}`,
      result: verdict(allHeld && heldTotal >= SUBSCRIBERS_TARGET),
    },
    {
      figure: `server RSS holding ${count(heldTotal)} subscribers (VmRSS)`,
      value: mb(m.rssHeld),
      ceiling: `${mb(RSS_TARGET_BYTES)} budget`,
      ratio: formatPercent(m.rssHeld / RSS_TARGET_BYTES),
      target: `< ${mb(RSS_TARGET_BYTES)}`,
      result: verdict(allHeld && m.rssHeld < RSS_TARGET_BYTES),
    },
    {
      figure: 'server peak RSS over the whole run, fan-out of `finished` included (VmHWM)',
      value: mb(m.hwmEnd),
      ceiling: `${mb(RSS_TARGET_BYTES)} budget`,
      ratio: formatPercent(m.hwmEnd / RSS_TARGET_BYTES),
      target: `< ${mb(RSS_TARGET_BYTES)}`,
      result: verdict(m.hwmEnd < RSS_TARGET_BYTES),
    },
    {
      figure: 'server memory per subscriber (RSS held - RSS idle)',
      value: kb(perSubscriber),
      ceiling: `${kb(budget)} (budget less ${mb(m.rssBefore)} idle, per subscriber)`,
      ratio: formatPercent(perSubscriber / budget),
      target: `<= ${kb(budget)}`,
      result: verdict(perSubscriber <= budget),
    },
    {
      figure: `connect ${count(heldTotal)} subscribers (${m.clients} clients x ${m.concurrency} at once)`,
      value: `${seconds(m.connectMs)} (${count(heldTotal / (m.connectMs / 1000))}/s)`,
      ceiling: '-',
      ratio: '-',
      target: '-',
      result: 'info',
    },
    {
      figure: '`finished` events delivered after DELETE (cancel)',
      value: `${count(finishedTotal)} in ${seconds(m.fanOutMs)}`,
      ceiling: `${count(heldTotal)} held`,
      ratio: formatPercent(heldTotal > 0 ? finishedTotal / heldTotal : 0),
      target: `all, within ${seconds(m.finishDeadlineMs)}`,
      result: verdict(heldTotal > 0 && finishedTotal === heldTotal && m.dropped === 0),
    },
    {
      figure: 'subscribers left on the gauge after every client closed',
      value: count(m.gaugeAfterClose),
      ceiling: '-',
      ratio: '-',
      target: '0',
      result: verdict(m.gaugeAfterClose === 0),
    },
  ];
}

function build(m: SubscribersMeasured): SubscribersResult {
  const rows = rowsOf(m);
  const table: Table = {
    title: `Push: ${count(m.requested.sse + m.requested.ws)} subscribers held by one API process`,
    columns: [...FIGURE_COLUMNS],
    rows: rows.map((r) => [r.figure, r.value, r.ceiling, r.ratio, r.target, r.result]),
    notes: [
      'server: arbiter serve, 1 worker, running one python3 time.sleep(600) (wallMs 600000); ' +
        `every subscriber follows that one submission; its open-file limit ${m.serverNofile}.`,
      `SSE: GET /api/v1/submissions/:id/events, one connection each, held open; WebSocket: /api/v1/ws, ` +
        `{"subscribe": [id]} each; a subscriber counts once its first status message arrived.`,
      `clients: ${m.clients} child processes (ulimit -n ${m.clientNofile}), ${m.concurrency} connections opening at once ` +
        `each, SSE and WebSocket interleaved; connect p50 ${m.latencyP50Ms.toFixed(1)} ms, ` +
        `p99 ${m.latencyP99Ms.toFixed(1)} ms; their RSS together ${mb(m.clientRss)}.`,
      `CPU while connecting: the server ${formatPercent(m.connectServerShare, 0)} of one core, ` +
        `${((m.connectServerCpuMs * 1000) / Math.max(1, m.held.sse + m.held.ws)).toFixed(0)} us per subscriber; ` +
        `the machine ${formatPercent(m.connectMachineBusy, 0)} busy (clients included).`,
      `RSS: VmRSS of the server process from /proc/<pid>/status; idle ${mb(m.rssBefore)} after 20 + 20 ` +
        `warm-up subscribers came and went, held ${mb(m.rssHeld)} 2 s after the last opened (VmHWM then ${mb(m.hwmHeld)}), ` +
        `${mb(m.rssAfterClose)} once all closed (garbage not yet collected). MB = 10^6 bytes.`,
      `gauge: arbiter_push_subscribers from GET /metrics. cancel answered ${m.cancelStatus}; ` +
        `finished: ${count(m.finished.sse)} SSE + ${count(m.finished.ws)} WebSocket, ${m.dropped} streams ended early.`,
      ...(m.failed > 0 ? [`failed to open: ${m.failed} (${m.errors.join('; ')})`] : []),
      'result is informational: a MISS does not fail the bench.',
    ],
  };
  const report: Report = {
    title: 'Arbiter push subscribers benchmark',
    facts: [
      ...machineFacts(),
      ['python', `${versionOf('/usr/bin/python3', ['--version'])} (/usr/bin/python3)`],
      [
        'background load',
        `${formatPercent(m.backgroundBusy, 0)} of all cores busy in the second before the section began`,
      ],
      ['bench time', `${m.benchSeconds.toFixed(1)} s`],
    ],
    tables: [table],
  };
  return { measured: m, rows, table, report };
}

/** For bench/run.ts's section map: the same as runSubscribersBench, as a Report. */
export async function subscribersReport(options?: SubscribersOptions): Promise<Report> {
  return (await runSubscribersBench(options)).report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--client')) {
    await clientMain();
  } else {
    const stop = () => {
      killAllServers();
      process.exit(130);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const { report } = await runSubscribersBench();
    process.stdout.write(`${renderText(report)}\n`);
    mkdirSync(dirname(OUT_FILE), { recursive: true });
    writeFileSync(OUT_FILE, renderMarkdown(report));
    process.stderr.write(`bench: wrote ${OUT_FILE}\n`);
  }
}
