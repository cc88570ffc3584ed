// One interactive program's life in one sandbox lease, whoever speaks for it (native or Piston).
import { ArbiterError } from '../../errors.js';
import type { LanguageDefinition } from '../../languages/language.js';
import type { RunLimits } from '../../sandbox/limits.js';
import type { SandboxPool } from '../../sandbox/pool.js';
import type { InteractiveRun, RunResult, SandboxFile } from '../../sandbox/run-spec.js';
import { prepareProgram, type CompileFailure } from '../../judge/program.js';
import { gateFor } from './gate.js';

/**
 * Stdin a client may send in one session, in bytes. The program's stdin is a pipe fed through the
 * slot's control channel; without a cap a client could queue gigabytes behind a program that never reads.
 */
export const MAX_INTERACTIVE_STDIN_BYTES = 16 * 1024 * 1024;

/** One interactive program: what to compile and run, with limits already resolved. */
export interface InteractiveJob {
  language: LanguageDefinition;
  /** The program's files; the language's source file among them. */
  files: SandboxFile[];
  args: string[];
  /** Run limits, resolved (resolveRunLimits: the language's minimum included). */
  limits: RunLimits;
  /** Compile limits, resolved (resolveCompileLimits). */
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
  status: RunResult['status'] | CompileFailure;
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
      const prepared = await prepareProgram(
        lease,
        { language: job.language, files: job.files, compileLimits: job.compileLimits },
        { signal, onCompileStart: () => handlers.onCompileStart?.() },
      );
      if (prepared.compile) handlers.onCompiled?.(prepared.compile);
      if (!prepared.ok) return { status: prepared.status, compile: prepared.compile };
      const { compile } = prepared;
      if (signal.aborted) return { status: 'cancelled', compile };
      const run = lease.runInteractive(
        prepared.program.spec(job.limits, { args: job.args }),
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
