import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, openSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ArbiterError } from '../errors.js';
import { listBoxFiles, readBoxFile, removeBoxFile, writeBoxFiles, type BoxFileEntry } from './box-files.js';
import { LineReader } from './protocol.js';
import type { InteractiveIO, InteractiveRun, RunResult, RunSpec, SandboxFile } from './run-spec.js';
import { awaitSupervisor, spawnSlot, type SlotConfig } from './slot-process.js';
import { RESET_MAX_ENTRIES, resetForNextRun, wipeSlot } from './slot-reset.js';
import { exchangeRun, interactiveInput, internalErrorResult, type SupervisorChannel } from './slot-run.js';

export type { SlotConfig } from './slot-process.js';

/**
 * One warm sandbox: a bubblewrap box whose namespaces and mounts are made once, with the supervisor
 * as its PID 1. Runs go through it one at a time; between leases the supervisor wipes its writable
 * directories. The host reaches into the box through an fd opened on /proc/PID/root while PID was
 * proven to be this box's supervisor: a path through the fd names the box's root for as long as the
 * fd is open, so even work that takes many turns of the event loop can never be pointed at the
 * host's own /tmp by a recycled PID. What each job is: starting (slot-process.ts), files in the box
 * (box-files.ts), a run (slot-run.ts), the resets (slot-reset.ts); this class keeps the slot's state.
 */
export class SandboxSlot {
  readonly index: number;
  readonly uid: number;
  #proc: ChildProcess;
  #channel: SupervisorChannel;
  #pid = 0;
  #mountNs = '';
  /** An fd on the box's root (opened through /proc/PID/root); see `root`. */
  #rootFd = -1;
  /** Work in progress that holds paths through the root fd, which stays open until it is done. */
  readonly #walks = new Set<Promise<unknown>>();
  /**
   * Names in the work directory when the first resetBetweenRuns() of the lease froze it (the
   * compiled program); null until then.
   */
  #baseline: Set<string> | null = null;
  #stderrTail = '';
  #broken: string | null = null;
  #busy = false;
  runs = 0;
  /** How the last run entered its cgroup (see SandboxPoolStats.cgroupEntry). */
  cgroupEntry: 'clone3' | 'migration' | 'none yet' = 'none yet';

  private constructor(config: SlotConfig, proc: ChildProcess) {
    this.index = config.index;
    this.uid = config.layout.uid;
    this.#proc = proc;
    const reader = new LineReader(proc.stdout as Readable);
    this.#channel = { control: proc.stdin as Writable, reader };
    (proc.stderr as Readable).on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-4096);
    });
    proc.on('exit', (code, signal) => {
      const why = `sandbox slot ${this.index} exited (${signal ?? code}): ${this.#stderrTail.trim() || 'no message'}`;
      this.#broken ??= why;
      reader.fail(new ArbiterError('SANDBOX_FAILED', why));
    });
    proc.on('error', (error) => {
      this.#broken ??= `sandbox slot ${this.index} failed: ${error.message}`;
      reader.fail(new ArbiterError('SANDBOX_FAILED', this.#broken));
    });
    this.#channel.control.on('error', () => {
      this.#broken ??= `sandbox slot ${this.index}: control pipe closed`;
    });
  }

  static async start(config: SlotConfig): Promise<SandboxSlot> {
    const spawned = spawnSlot(config);
    const slot = new SandboxSlot(config, spawned.proc);
    try {
      slot.#pid = await awaitSupervisor(spawned, slot.#channel.reader, slot.index, () =>
        slot.#stderrTail.trim(),
      );
      slot.#mountNs = readlinkSync(`/proc/${slot.#pid}/ns/mnt`);
      slot.#rootFd = openSync(`/proc/${slot.#pid}/root`, 'r');
      // The supervisor answered "ready" just now, so PID is ours; checked again all the same.
      slot.#checkSupervisor();
      const box = join(slot.root, 'box');
      chownSync(box, slot.uid, slot.uid);
      chmodSync(box, 0o755);
    } catch (error) {
      slot.#kill();
      slot.#closeRootFd();
      throw error;
    }
    return slot;
  }

  #checkSupervisor(): void {
    let ns = '';
    try {
      ns = readlinkSync(`/proc/${this.#pid}/ns/mnt`);
    } catch {
      ns = 'gone';
    }
    if (ns !== this.#mountNs) {
      this.#broken = `sandbox slot ${this.index}: supervisor ${this.#pid} is gone`;
      throw new ArbiterError('SANDBOX_FAILED', this.#broken);
    }
  }

  /** The box's root as the host sees it. Throws if the slot is broken or its supervisor is gone. */
  get root(): string {
    if (this.#broken) throw new ArbiterError('SANDBOX_FAILED', this.#broken);
    this.#checkSupervisor();
    return `/proc/self/fd/${this.#rootFd}`;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get broken(): string | null {
    return this.#broken;
  }

  markBroken(why: string): void {
    this.#broken ??= why;
  }

  /** Places files in the work directory, owned by the slot's uid (see writeBoxFiles). */
  writeFiles(files: readonly SandboxFile[]): void {
    writeBoxFiles(this.root, this.uid, files);
  }

  /** Reads a file the program left in the work directory, refusing symlinks (see readBoxFile). */
  readFile(name: string): Buffer | null {
    return readBoxFile(this.root, name);
  }

  /** The regular files under the work directory, at most `maxFiles` (see listBoxFiles). */
  listFiles(maxFiles?: number): BoxFileEntry[] {
    return listBoxFiles(this.root, maxFiles);
  }

  /** Removes one file or directory from the work directory (a symlink itself, never its target). */
  removeFile(name: string): void {
    removeBoxFile(this.root, name);
  }

  /** Runs one program. Sandbox faults come back as internal_error results, and the slot is marked broken. */
  run(spec: RunSpec, signal?: AbortSignal): Promise<RunResult> {
    return this.#execute(spec, signal);
  }

  /** Starts a program whose stdin is fed while it runs and whose output streams to `io`. */
  runInteractive(spec: RunSpec, io: InteractiveIO, signal?: AbortSignal): InteractiveRun {
    return {
      ...interactiveInput(this.#channel.control, () => this.#broken === null),
      result: this.#execute({ ...spec, stdin: undefined }, signal, io),
    };
  }

  /** A run holds paths through the root fd across awaits (its captured output is read after it). */
  #execute(spec: RunSpec, signal?: AbortSignal, io?: InteractiveIO): Promise<RunResult> {
    return this.#walk(() => this.#executeOnce(spec, signal, io));
  }

  async #executeOnce(spec: RunSpec, signal?: AbortSignal, io?: InteractiveIO): Promise<RunResult> {
    if (this.#busy) throw new ArbiterError('SANDBOX_FAILED', `sandbox slot ${this.index} is already running`);
    this.#busy = true;
    try {
      const { report, result } = await exchangeRun(this.#channel, this.root, spec, signal, io);
      this.runs++;
      this.cgroupEntry = report.intoCgroup ? 'clone3' : 'migration';
      if (!report.clean) this.#broken = `sandbox slot ${this.index}: run left processes or its cgroup behind`;
      return result;
    } catch (error) {
      if (error instanceof ArbiterError && error.code !== 'ARB_ERR_SANDBOX_FAILED') throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.#broken ??= message;
      return internalErrorResult(message);
    } finally {
      this.#busy = false;
    }
  }

  /** Runs `work` (which uses paths through the root fd) so that close() waits for it before closing the fd. */
  async #walk<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.#walks.add(running);
    try {
      return await running;
    } finally {
      this.#walks.delete(running);
    }
  }

  /**
   * Wipes the work directory, /tmp and /dev/shm between leases, in the supervisor (see wipeSlot):
   * the event loop is never held and pays one round trip. Returns false, with the slot marked broken
   * so the pool rebuilds it, when the slot cannot be proven clean or holds more than
   * RESET_MAX_ENTRIES entries.
   */
  async reset(): Promise<boolean> {
    if (this.#broken) return false;
    try {
      if ((await wipeSlot(this.#channel)) === 'full') {
        this.#broken ??= `sandbox slot ${this.index}: more than ${RESET_MAX_ENTRIES} files left; rebuilt`;
        return false;
      }
      this.#baseline = null;
      return true;
    } catch (error) {
      this.#broken ??= `sandbox slot ${this.index}: reset failed: ${(error as Error).message}`;
      return false;
    }
  }

  /**
   * Fresh state for each of a series of runs of one program (a submission's tests, a checker's
   * runs), cheap when a run changed nothing: the first call freezes the compiled program, every call
   * removes what runs added since (see resetForNextRun). Throws SANDBOX_FAILED, with the slot marked
   * broken, when that fails.
   */
  resetBetweenRuns(): Promise<void> {
    return this.#walk(async () => {
      try {
        this.#baseline = await resetForNextRun(this.root, this.#baseline);
      } catch (error) {
        const message = `sandbox slot ${this.index}: reset between runs failed: ${(error as Error).message}`;
        this.#broken ??= message;
        throw error instanceof ArbiterError ? error : new ArbiterError('SANDBOX_FAILED', message);
      }
    });
  }

  #kill(): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }

  /** Stops the slot; bubblewrap's death takes the whole box with it. */
  async close(): Promise<void> {
    this.#broken ??= 'closed';
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.#proc.once('exit', () => resolve()));
      this.#channel.control.end();
      this.#kill();
      await exited;
    }
    // A walk still running holds paths through the fd: closed under it, the number could be
    // reused for an unrelated directory. A walk that fails is its own caller's to report.
    await Promise.allSettled([...this.#walks]);
    this.#closeRootFd();
  }

  #closeRootFd(): void {
    if (this.#rootFd < 0) return;
    closeSync(this.#rootFd);
    this.#rootFd = -1;
  }
}
