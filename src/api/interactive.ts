import { parseJsonText } from './json-body.js';
import type { FastifyInstance } from 'fastify';
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket } from 'ws';
import { ArbiterError } from '../errors.js';
import { resolveCompileLimits, resolveRunLimits } from '../judge/limits-policy.js';
import { toStage } from '../judge/stage.js';
import type { LanguageDefinition } from '../languages/language.js';
import type { Runtime } from '../runtime.js';
import { LIMIT_NAMES, type RunLimits } from '../sandbox/limits.js';
import type { SandboxPool } from '../sandbox/pool.js';
import {
  DEFAULT_SANDBOX_ENV,
  type InteractiveRun,
  type RunResult,
  type SandboxFile,
} from '../sandbox/run-spec.js';
import { normalizeFiles, sandboxFiles, type FileInput } from '../service/normalize.js';
import { callerOf } from './context.js';
import { toArbiterError } from './error-format.js';

/**
 * Stdin a client may send in one session, in bytes. The program's stdin is a pipe fed through the
 * slot's control channel; without a cap a client could queue gigabytes behind a program that never reads.
 */
export const MAX_INTERACTIVE_STDIN_BYTES = 16 * 1024 * 1024;
/** How long a new socket may stay silent before its start message; a client sends it at once. */
const START_TIMEOUT_MS = 10_000;

/**
 * Interactive sessions take sandbox slots outside the queue, for as long as their wall limit. So
 * that queued submissions always keep slots, at most half the pool's slots (at least one) run
 * interactive sessions at once; further sessions wait their turn, in order.
 */
class SessionGate {
  #active = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Resolves once the caller may take a slot; rejects if `signal` aborts first. */
  enter(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(); // the leaving session's place is handed over: #active stays the same
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(wake), 1);
        reject(signal.reason as Error);
      };
      this.#waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  leave(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#active--;
  }
}

const gates = new WeakMap<SandboxPool, SessionGate>();

function gateFor(pool: SandboxPool): SessionGate {
  let gate = gates.get(pool);
  if (!gate) {
    gate = new SessionGate(Math.max(1, Math.floor(pool.options.concurrency / 2)));
    gates.set(pool, gate);
  }
  return gate;
}

/** One interactive program: what to compile and run, with limits already resolved. */
export interface InteractiveJob {
  language: LanguageDefinition;
  /** The program's files; the language's source file among them. */
  files: SandboxFile[];
  args: string[];
  /** Run limits (the language's minimums are applied on top). */
  limits: RunLimits;
  /** Compile limits (the language's minimums are applied on top). */
  compileLimits: RunLimits;
}

/** What a session reports as it goes, in this order: compile, started, output, then `done` settles. */
export interface InteractiveHandlers {
  /** The compile is about to start (compiled languages only). */
  onCompileStart?(): void;
  onCompiled?(result: RunResult): void;
  /** The program runs; output may follow. */
  onStarted?(): void;
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
}

export interface InteractiveOutcome {
  /** compilation_error when the compiler failed; otherwise the run's own status. */
  status: RunResult['status'] | 'compilation_error';
  compile?: RunResult;
  /** Absent when the compile failed or the session was killed before the program started. */
  run?: RunResult;
}

/**
 * One interactive program in one sandbox lease: compile (when the language needs it), then run with
 * stdin streamed in and output streamed out. Stdin sent before the program starts waits for it.
 * The lease is released when the run ends, whatever ends it (exit, limit, kill()).
 */
export class InteractiveSession {
  readonly done: Promise<InteractiveOutcome>;
  readonly #abort = new AbortController();
  #run: InteractiveRun | null = null;
  #pending: (Buffer | 'eof')[] = [];
  #stdinBytes = 0;
  #ended = false;

  /** `job` may still be resolving (a version lookup); stdin sent meanwhile waits, and a rejection rejects `done`. */
  constructor(
    pool: SandboxPool,
    job: InteractiveJob | Promise<InteractiveJob>,
    handlers: InteractiveHandlers,
  ) {
    this.done = Promise.resolve(job).then((resolved) => this.#go(pool, resolved, handlers));
  }

  /** Sends bytes to the program's stdin. Throws INVALID_INPUT past MAX_INTERACTIVE_STDIN_BYTES. */
  write(data: string | Buffer): void {
    if (this.#ended) return;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.#stdinBytes += bytes.length;
    if (this.#stdinBytes > MAX_INTERACTIVE_STDIN_BYTES) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `stdin of one interactive session is limited to ${MAX_INTERACTIVE_STDIN_BYTES} bytes`,
      );
    }
    if (this.#run) this.#run.write(bytes);
    else this.#pending.push(bytes);
  }

  /** Closes the program's stdin (after what was written so far). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#run) this.#run.end();
    else this.#pending.push('eof');
  }

  /** Stops the session at once: a waiting lease is given up, a compile or run is killed. */
  kill(): void {
    this.#abort.abort();
  }

  get killed(): boolean {
    return this.#abort.signal.aborted;
  }

  async #go(
    pool: SandboxPool,
    job: InteractiveJob,
    handlers: InteractiveHandlers,
  ): Promise<InteractiveOutcome> {
    const signal = this.#abort.signal;
    const { language } = job;
    const env = { ...DEFAULT_SANDBOX_ENV, ...language.env };
    const gate = gateFor(pool);
    let lease;
    try {
      await gate.enter(signal);
    } catch (error) {
      // Killed while waiting for its turn: a normal end, not a fault.
      if (signal.aborted) return { status: 'cancelled' };
      throw error;
    }
    try {
      lease = await pool.acquire(signal);
    } catch (error) {
      gate.leave();
      if (signal.aborted) return { status: 'cancelled' };
      throw error;
    }
    try {
      lease.writeFiles(job.files);
      let compile: RunResult | undefined;
      if (language.compile) {
        handlers.onCompileStart?.();
        compile = await lease.run({ command: language.compile, env, limits: job.compileLimits }, signal);
        handlers.onCompiled?.(compile);
        if (compile.status !== 'accepted') {
          const failed = compile.status === 'internal_error' || compile.status === 'cancelled';
          return { status: failed ? compile.status : 'compilation_error', compile };
        }
      }
      if (signal.aborted) return { status: 'cancelled', compile };
      const run = lease.runInteractive(
        {
          command: [...language.run, ...job.args],
          env,
          limits: job.limits,
        },
        { onStdout: (chunk) => handlers.onStdout(chunk), onStderr: (chunk) => handlers.onStderr(chunk) },
        signal,
      );
      this.#run = run;
      handlers.onStarted?.();
      for (const item of this.#pending.splice(0)) {
        if (item === 'eof') run.end();
        else run.write(item);
      }
      const result = await run.result;
      return { status: result.status, compile, run: result };
    } finally {
      lease.release();
      gate.leave();
    }
  }
}

/** A stage result as the native interactive protocol's exit message shows it. */
export interface ExitResult {
  status: InteractiveOutcome['status'];
  exitCode: number | null;
  signal: number | null;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  reason?: string;
  message?: string;
}

function exitResult(outcome: InteractiveOutcome): ExitResult {
  const last = outcome.run ?? outcome.compile;
  const result: ExitResult = {
    status: outcome.status,
    exitCode: last?.exitCode ?? null,
    signal: last?.signal ?? null,
    cpuMs: last ? Math.round(last.cpuMs * 1000) / 1000 : 0,
    wallMs: last ? Math.round(last.wallMs * 1000) / 1000 : 0,
    memoryKb: last?.memoryKb ?? 0,
  };
  if (last?.reason) result.reason = last.reason;
  if (last?.message) result.message = last.message;
  return result;
}

/** The first message of a native interactive session. */
interface StartMessage {
  type: 'start';
  language: string;
  version?: string;
  source?: string;
  files?: FileInput[];
  args?: string[];
  limits?: Partial<RunLimits>;
  compileLimits?: Partial<RunLimits>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(message: string): ArbiterError {
  return new ArbiterError('INVALID_INPUT', message);
}

function checkLimitsObject(value: unknown, field: string): Partial<RunLimits> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid(`${field} must be an object`);
  for (const [name, limit] of Object.entries(value)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name))
      throw invalid(`${field}.${name} is not a limit; limits are ${LIMIT_NAMES.join(', ')}`);
    if (typeof limit !== 'number') throw invalid(`${field}.${name} must be a number`);
  }
  return value as Partial<RunLimits>;
}

/** Checks the shape of a start message; names the first field that is wrong. */
export function parseStartMessage(message: Record<string, unknown>): StartMessage {
  const { language, version, source, files, args } = message;
  const known = ['type', 'language', 'version', 'source', 'files', 'args', 'limits', 'compileLimits'];
  const extra = Object.keys(message).find((key) => !known.includes(key));
  if (extra !== undefined) throw invalid(`start: unknown field ${extra}`);
  if (typeof language !== 'string' || language.length === 0)
    throw invalid('start: language is required, as a string');
  if (version !== undefined && typeof version !== 'string') throw invalid('start: version must be a string');
  if (source !== undefined && typeof source !== 'string') throw invalid('start: source must be a string');
  if (files !== undefined) {
    if (!Array.isArray(files) || files.length > 100)
      throw invalid('start: files must be an array of at most 100 files');
    for (const [i, file] of files.entries()) {
      if (!isObject(file) || typeof file.name !== 'string' || typeof file.content !== 'string')
        throw invalid(`start: files[${i}] must be {name, content, encoding?} with string name and content`);
      if (file.encoding !== undefined && file.encoding !== 'utf8' && file.encoding !== 'base64')
        throw invalid(`start: files[${i}].encoding must be utf8 or base64`);
    }
  }
  if (
    args !== undefined &&
    (!Array.isArray(args) || args.length > 100 || !args.every((a) => typeof a === 'string'))
  )
    throw invalid('start: args must be an array of at most 100 strings');
  return {
    type: 'start',
    language,
    version: version as string | undefined,
    source: source as string | undefined,
    files: files as FileInput[] | undefined,
    args: args as string[] | undefined,
    limits: checkLimitsObject(message.limits, 'limits'),
    compileLimits: checkLimitsObject(message.compileLimits, 'compileLimits'),
  };
}

/** Turns a start message into a job: language installed, files checked, limits clamped to the server's. */
export async function startMessageToJob(runtime: Runtime, start: StartMessage): Promise<InteractiveJob> {
  const language = await runtime.registry.resolve(start.language, start.version);
  const files = sandboxFiles(normalizeFiles(language, start.source, start.files));
  const { defaultLimits, maxLimits } = runtime.config;
  return {
    language,
    files,
    args: start.args ?? [],
    limits: resolveRunLimits({
      requested: start.limits,
      defaults: defaultLimits,
      language,
      max: maxLimits,
      aboveMax: 'clamp',
    }),
    compileLimits: resolveCompileLimits(start.compileLimits, language, maxLimits, 'clamp'),
  };
}

/** Close codes of the native protocol: 1000 after exit, 1008 after a refused message, 1011 on a fault. */
const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_INTERNAL = 1011;

const PROTOCOL = `First message: {"type":"start", "language", "version"?, "source" | "files":[{name, content, encoding?}], "args"?, "limits"?, "compileLimits"?}.
Then {"type":"stdin","data":"..."}, {"type":"eof"} (closes stdin) and {"type":"kill"}.
The server sends {"type":"compile","result"} (compiled languages), {"type":"started"}, {"type":"stdout"|"stderr","data"} as the program writes,
and last {"type":"exit","result":{status, exitCode, signal, cpuMs, wallMs, memoryKb, reason?}}; then it closes the socket (1000).
A refused message gets {"type":"error","error":"ARB_ERR_...","message"} and the socket closes (1008; 1011 for a server fault).
Limits are clamped to the server maximum; the session ends at its wall limit like any run.
Sessions use sandbox slots outside the queue: at most half of them (at least one) at once; a further start waits its turn.`;

/**
 * GET /api/v1/interactive: run one program with stdin and output streamed over a WebSocket, in the
 * same sandbox and limits as any submission (the editor page uses it).
 */
export function registerInteractiveRoute(app: FastifyInstance, runtime: Runtime): void {
  app.route({
    method: 'GET',
    url: '/api/v1/interactive',
    schema: {
      summary: 'Interactive run over a WebSocket: stdin in, stdout/stderr out as they happen',
      description: PROTOCOL,
      tags: ['interactive'],
    },
    // A plain GET (no upgrade) is told how to connect. Declared with wsHandler rather than
    // `websocket: true`, which would hide the route from the OpenAPI page.
    handler: async () => {
      throw new ArbiterError(
        'INVALID_INPUT',
        'this route speaks WebSocket: open it with an Upgrade: websocket request (see /docs)',
      );
    },
    wsHandler: (socket: WebSocket, request) => {
      callerOf(request); // the auth hook has run (and refused unknown keys) before the upgrade
      let session: InteractiveSession | null = null;
      let closed = false;
      const send = (data: unknown) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(data));
      };
      // A chunk may end inside a UTF-8 character: the decoder holds its start back, leaving nothing to send.
      const output = (type: 'stdout' | 'stderr', data: string) => {
        if (data) send({ type, data });
      };
      const close = (code: number) => {
        if (closed) return;
        closed = true;
        clearTimeout(startTimer);
        socket.close(code);
      };
      const refuse = (thrown: unknown) => {
        const { error, internal } = toArbiterError(thrown);
        if (internal) request.log.error({ err: thrown }, 'interactive session failed');
        send({ type: 'error', error: error.code, message: error.message });
        close(internal ? CLOSE_INTERNAL : CLOSE_POLICY);
      };
      const startTimer = setTimeout(
        () => refuse(new ArbiterError('INVALID_INPUT', `no start message within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );

      const start = (message: Record<string, unknown>): InteractiveSession => {
        const parsed = parseStartMessage(message);
        runtime.service.assertAccepting();
        const stdout = new StringDecoder('utf8');
        const stderr = new StringDecoder('utf8');
        if (!runtime.pool) {
          throw new ArbiterError(
            'SANDBOX_UNAVAILABLE',
            'this node runs no programs; interactive runs need a node started with --workers',
          );
        }
        const started = new InteractiveSession(runtime.pool, startMessageToJob(runtime, parsed), {
          onCompiled: (result) => send({ type: 'compile', result: toStage(result) }),
          onStarted: () => send({ type: 'started' }),
          onStdout: (chunk) => output('stdout', stdout.write(chunk)),
          onStderr: (chunk) => output('stderr', stderr.write(chunk)),
        });
        started.done.then(
          (outcome) => {
            output('stdout', stdout.end());
            output('stderr', stderr.end());
            send({ type: 'exit', result: exitResult(outcome) });
            close(CLOSE_NORMAL);
          },
          (error: unknown) => refuse(error),
        );
        return started;
      };

      socket.on('message', (data) => {
        if (closed) return;
        try {
          let message: unknown;
          try {
            message = parseJsonText(String(data), runtime.config.maxJsonDepth);
          } catch {
            throw invalid('messages are JSON objects with a "type"');
          }
          if (!isObject(message) || typeof message.type !== 'string')
            throw invalid('messages are JSON objects with a "type"');
          if (message.type === 'start') {
            if (session) throw invalid('the session has already started');
            clearTimeout(startTimer);
            session = start(message);
            return;
          }
          if (!session) throw invalid(`send {"type":"start", ...} first, not ${message.type}`);
          switch (message.type) {
            case 'stdin':
              if (typeof message.data !== 'string') throw invalid('stdin: data must be a string');
              session.write(message.data);
              break;
            case 'eof':
              session.end();
              break;
            case 'kill':
              session.kill();
              break;
            default:
              throw invalid(`unknown message type ${message.type}; see the protocol at /docs`);
          }
        } catch (error) {
          session?.kill();
          refuse(error);
        }
      });
      socket.on('close', () => {
        closed = true;
        clearTimeout(startTimer);
        // The client went away: stop the program so the slot is freed (killed runs are released cleanly).
        session?.kill();
      });
    },
  });
}
