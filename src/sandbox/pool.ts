import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { ArbiterError } from '../errors.js';
import { DEFAULT_ETC_ENTRIES, type BoxLayout } from './bwrap-args.js';
import {
  claimSubtree,
  createSlotCgroups,
  removeCgroupTree,
  removeStaleInstances,
  removeStaleRuntimeDirs,
  type CgroupSystem,
} from './cgroups.js';
import { clampLimits, DEFAULT_MAX_LIMITS, type RunLimits } from './limits.js';
import { SandboxLease } from './lease.js';
import { checkSandboxPrerequisites } from './prerequisites.js';
import type { RunResult, RunSpec, SandboxFile } from './run-spec.js';
import { SandboxSlot } from './slot.js';
import { ensureSupervisor } from './supervisor-binary.js';

/** Where each pool keeps its generated passwd, group and hosts, in a directory named by its pid. */
const RUNTIME_PARENT = '/run/arbiter';

export interface SandboxPoolOptions {
  /** Warm slots, i.e. programs running at once. Default: the number of cores. */
  concurrency?: number;
  /** Slot i runs programs as uid and gid uidBase + i. Default: 60000. */
  uidBase?: number;
  /** Host directory for this pool's generated files (passwd, group, hosts). Default: /run/arbiter/<pid>. */
  runtimeDir?: string;
  /** Work directory size cap per slot, KiB. Default: 256 MiB. */
  boxSizeKb?: number;
  /** /tmp and /dev/shm size cap per slot, KiB. Default: 64 MiB. */
  tmpSizeKb?: number;
  /**
   * Inodes (files and directories) each of a slot's work directory, /tmp and /dev/shm may hold; it
   * bounds the kernel memory a program's empty files pin and the work of wiping them. Default: 16,384.
   */
  maxInodes?: number;
  /** Server-wide ceilings; RunSpec limits above them are clamped. Default: DEFAULT_MAX_LIMITS. */
  maxLimits?: RunLimits;
  /** Extra host directories visible read-only (toolchains outside /usr). Default: none. */
  readOnlyDirs?: string[];
  /** /etc entries visible read-only. Default: DEFAULT_ETC_ENTRIES. */
  etcEntries?: readonly string[];
  /**
   * Measure peak memory as on a kernel without cgroup v2's memory.peak (before 5.19): sampled
   * memory.current and the processes' maximum resident sets. For tests of that path. Default: false.
   */
  sampledMemory?: boolean;
}

export const DEFAULT_POOL_OPTIONS = {
  concurrency: availableParallelism(),
  uidBase: 60_000,
  boxSizeKb: 256 * 1024,
  tmpSizeKb: 64 * 1024,
  maxInodes: 16_384,
  maxLimits: DEFAULT_MAX_LIMITS,
  readOnlyDirs: [] as string[],
  etcEntries: DEFAULT_ETC_ENTRIES,
  sampledMemory: false,
} as const;

export interface SandboxPoolStats {
  slots: number;
  busy: number;
  waiting: number;
  /**
   * Slots replaced because a reset could not be proven clean, a program left more files than a reset
   * deletes one by one (RESET_MAX_ENTRIES), or the slot died.
   */
  rebuilt: number;
  runs: number;
  cgroupVersion: 'v1' | 'v2';
  /** Where peak memory comes from: the kernel's high-water mark, or sampling (v2 before 5.19). */
  memoryPeak: 'max_usage_in_bytes' | 'memory.peak' | 'sampled';
  /** How the last run entered its cgroup: clone3(CLONE_INTO_CGROUP), or a write after fork. */
  cgroupEntry: 'clone3' | 'migration' | 'none yet';
}

/** A fixed set of warm slots shared by every run of the process. */
export class SandboxPool {
  readonly options: typeof DEFAULT_POOL_OPTIONS & { runtimeDir: string };
  readonly cgroups: CgroupSystem;
  readonly #instance = `${process.pid}-${Date.now().toString(36)}`;
  readonly #supervisor: string;
  readonly #slots: (SandboxSlot | null)[];
  readonly #slotCgroups: (string[] | null)[];
  readonly #idle: SandboxSlot[] = [];
  /** Who waits for slots, first come first served; a pair waiter takes two slots at once. */
  readonly #waiters: {
    count: 1 | 2;
    resolve: (slots: SandboxSlot[]) => void;
    reject: (error: Error) => void;
    signal?: AbortSignal;
  }[] = [];
  #closed = false;
  #rebuilt = 0;
  #runs = 0;
  /** Slot starts so far; names each start's cgroup, since a dead slot's may not be removable yet. */
  #generation = 0;
  /** Where peak memory comes from; a fact of the kernel, settled once the slots have started. */
  #memoryPeak: SandboxPoolStats['memoryPeak'] = 'sampled';
  #starting = new Set<Promise<void>>();
  /** Slots being wiped between leases. */
  #recycling = new Set<Promise<void>>();

  private constructor(options: SandboxPoolOptions, cgroups: CgroupSystem) {
    const concurrency = options.concurrency ?? DEFAULT_POOL_OPTIONS.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 512) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `sandbox concurrency must be an integer from 1 to 512, got ${concurrency}`,
      );
    }
    this.options = {
      ...DEFAULT_POOL_OPTIONS,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      concurrency,
      runtimeDir: options.runtimeDir ?? join(RUNTIME_PARENT, String(process.pid)),
    } as SandboxPool['options'];
    const { maxInodes } = this.options;
    if (!Number.isInteger(maxInodes) || maxInodes < 64 || maxInodes > 16_777_216) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `sandbox maxInodes must be an integer from 64 to 16777216, got ${maxInodes}`,
      );
    }
    this.cgroups = cgroups;
    this.#supervisor = ensureSupervisor();
    this.#slots = new Array<SandboxSlot | null>(concurrency).fill(null);
    this.#slotCgroups = new Array<string[] | null>(concurrency).fill(null);
  }

  /** Starts every slot. Fails with SANDBOX_UNAVAILABLE, naming the fix, when the machine cannot sandbox. */
  static async create(options: SandboxPoolOptions = {}): Promise<SandboxPool> {
    try {
      const cgroups = checkSandboxPrerequisites();
      claimSubtree(cgroups);
      removeStaleInstances(cgroups);
      const pool = new SandboxPool(options, cgroups);
      // Only Arbiter's own parent is swept: a caller's runtimeDir may sit among unrelated directories.
      if (dirname(pool.options.runtimeDir) === RUNTIME_PARENT) removeStaleRuntimeDirs(RUNTIME_PARENT);
      pool.#writeEtcFiles();
      try {
        await Promise.all(pool.#slots.map((_, index) => pool.#startSlot(index)));
        pool.#memoryPeak = pool.#memoryPeakSource(pool.#slotCgroups[0]![0]!);
      } catch (error) {
        await pool.close();
        throw error;
      }
      return pool;
    } catch (error) {
      // Whatever the host refused reaches `serve`, `run` and `doctor` as one clear error, not a stack.
      if (error instanceof ArbiterError) throw error;
      throw new ArbiterError('SANDBOX_UNAVAILABLE', `the sandbox cannot start: ${(error as Error).message}`);
    }
  }

  #etcFiles(): BoxLayout['etcFiles'] {
    const dir = this.options.runtimeDir;
    return { passwd: join(dir, 'passwd'), group: join(dir, 'group'), hosts: join(dir, 'hosts') };
  }

  #writeEtcFiles(): void {
    // Explicit modes: a restrictive umask would otherwise hide these files from the slots' uids.
    mkdirSync(this.options.runtimeDir, { recursive: true });
    chmodSync(this.options.runtimeDir, 0o755);
    const files = this.#etcFiles();
    const users = this.#slots.map((_, i) => this.options.uidBase + i);
    writeFileSync(
      files.passwd,
      [
        'root:x:0:0:root:/nonexistent:/usr/sbin/nologin',
        ...users.map((u) => `arbiter${u}:x:${u}:${u}:arbiter:/tmp:/bin/sh`),
      ].join('\n') + '\n',
    );
    writeFileSync(files.group, ['root:x:0:', ...users.map((u) => `arbiter${u}:x:${u}:`)].join('\n') + '\n');
    writeFileSync(files.hosts, '127.0.0.1 localhost arbiter\n::1 localhost\n');
    for (const file of Object.values(files)) chmodSync(file, 0o644);
  }

  #layout(index: number): BoxLayout {
    const uid = this.options.uidBase + index;
    const outputKb = this.options.maxLimits.outputKb;
    return {
      supervisorPath: this.#supervisor,
      cgroupVersion: this.cgroups.version,
      uid,
      gid: uid,
      boxSizeKb: this.options.boxSizeKb,
      tmpSizeKb: this.options.tmpSizeKb,
      // Both captured streams at their maximum, plus a stdin file of the same size.
      ioSizeKb: outputKb * 3 + 1024,
      maxInodes: this.options.maxInodes,
      etcFiles: this.#etcFiles(),
      readOnlyDirs: this.options.readOnlyDirs,
      etcEntries: this.options.etcEntries,
      sampledMemory: this.options.sampledMemory,
    };
  }

  async #startSlot(index: number): Promise<void> {
    const cgroupDirs = createSlotCgroups(this.cgroups, this.#instance, `slot-${index}-${++this.#generation}`);
    let slot: SandboxSlot;
    try {
      slot = await SandboxSlot.start({ index, layout: this.#layout(index), cgroupDirs });
    } catch (error) {
      for (const dir of cgroupDirs) removeCgroupTree(dir);
      throw error;
    }
    const previous = this.#slotCgroups[index];
    this.#slotCgroups[index] = cgroupDirs;
    // The replaced slot's cgroups empty once its box is gone; what is still busy goes at close().
    for (const dir of previous ?? []) removeCgroupTree(dir);
    if (this.#closed) {
      await slot.close();
      return;
    }
    this.#slots[index] = slot;
    this.#handOut(slot);
  }

  /** v1's high-water mark; v2's memory.peak (kernel 5.19+), which the supervisor samples without. */
  #memoryPeakSource(slotCgroup: string): SandboxPoolStats['memoryPeak'] {
    if (this.cgroups.version === 'v1') return 'max_usage_in_bytes';
    const hasPeak = existsSync(join(slotCgroup, 'run', 'memory.peak'));
    return hasPeak && !this.options.sampledMemory ? 'memory.peak' : 'sampled';
  }

  /** Replaces a broken slot in the background; capacity is one lower until it is back. */
  #rebuild(index: number): void {
    this.#slots[index] = null;
    this.#rebuilt++;
    const attempt = async (delayMs: number): Promise<void> => {
      if (this.#closed) return;
      try {
        await this.#startSlot(index);
      } catch (error) {
        process.emitWarning(`sandbox slot ${index} failed to restart: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return attempt(Math.min(delayMs * 2, 30_000));
      }
    };
    const started = attempt(100).finally(() => this.#starting.delete(started));
    this.#starting.add(started);
  }

  #handOut(slot: SandboxSlot): void {
    this.#idle.push(slot);
    this.#serveWaiters();
  }

  /**
   * Gives idle slots to waiters strictly in arrival order: while the first waiter wants a pair and
   * one slot is idle, that slot stays idle and the singles behind it wait too, so a pair is never
   * starved by a stream of singles. A pair is taken whole or not at all (see acquirePair).
   */
  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!;
      if (waiter.signal?.aborted) {
        this.#waiters.shift();
        continue;
      }
      if (this.#idle.length < waiter.count) return;
      this.#waiters.shift();
      waiter.resolve(this.#idle.splice(-waiter.count));
    }
  }

  /** Called by SandboxLease.release(). */
  giveBack(slot: SandboxSlot): void {
    this.#runs += slot.runs;
    slot.runs = 0;
    if (this.#closed) {
      void slot.close();
      return;
    }
    // A lease given back mid-run (an interactive client went away) cannot be reset under the
    // program's feet: the slot is replaced, which kills everything in it.
    if (slot.busy) slot.markBroken(`sandbox slot ${slot.index}: released while a run was in progress`);
    // The wipe starts on the next turn of the event loop, so the result this lease produced is
    // recorded and answered first; nobody can lease the slot until it is clean.
    const recycled = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#recycle(slot))
      .finally(() => this.#recycling.delete(recycled));
    this.#recycling.add(recycled);
  }

  /** Wipes a slot (asynchronously, see SandboxSlot.reset) and hands it out, or rebuilds it. */
  async #recycle(slot: SandboxSlot): Promise<void> {
    const clean = !this.#closed && !slot.broken && (await slot.reset());
    if (this.#closed) {
      void slot.close();
      return;
    }
    if (!clean) {
      void slot.close();
      this.#rebuild(slot.index);
      return;
    }
    this.#handOut(slot);
  }

  /** Waits for a free slot (FIFO). */
  async acquire(signal?: AbortSignal): Promise<SandboxLease> {
    const [lease] = await this.#take(1, signal);
    return lease!;
  }

  /**
   * Waits for two slots at once (an interactive test's program and interactor run side by side),
   * in the same FIFO as acquire(). Why this cannot deadlock: no caller ever holds a slot while it
   * waits (a pair is handed over in one step, when two are idle, never one now and one later), every
   * lease ends in bounded time (each run has a wall limit), and the first waiter is always served
   * next, so the slots a pair waits for are not taken by singles queued after it. With fewer than
   * two slots configured a pair could never be served: that fails at once instead of waiting.
   */
  acquirePair(signal?: AbortSignal): Promise<[SandboxLease, SandboxLease]> {
    if (this.options.concurrency < 2) {
      return Promise.reject(
        new ArbiterError(
          'SANDBOX_UNAVAILABLE',
          'an interactive problem needs two sandbox slots at once; this server has 1 (raise workers to 2 or more)',
        ),
      );
    }
    return this.#take(2, signal) as Promise<[SandboxLease, SandboxLease]>;
  }

  #take(count: 1 | 2, signal?: AbortSignal): Promise<SandboxLease[]> {
    if (this.#closed) return Promise.reject(new ArbiterError('SANDBOX_CLOSED', 'the sandbox pool is closed'));
    signal?.throwIfAborted();
    const wrap = (slots: SandboxSlot[]): SandboxLease[] => slots.map((s) => new SandboxLease(s, this));
    // Idle slots go to nobody ahead of an earlier waiter (a pair waiting for its second slot).
    if (this.#waiters.length === 0 && this.#idle.length >= count) {
      return Promise.resolve(wrap(this.#idle.splice(-count)));
    }
    return new Promise((resolve, reject) => {
      const waiter = { count, resolve: (s: SandboxSlot[]) => resolve(wrap(s)), reject, signal };
      this.#waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          reject(signal.reason as Error);
          // A pair that gave up at the head may have been holding back singles behind it.
          this.#serveWaiters();
        },
        { once: true },
      );
    });
  }

  /** One program in a fresh work directory: acquire, write files, run, release. */
  async run(spec: RunSpec & { files?: readonly SandboxFile[] }, signal?: AbortSignal): Promise<RunResult> {
    const lease = await this.acquire(signal);
    try {
      if (spec.files) lease.writeFiles(spec.files);
      return await lease.run(spec, signal);
    } finally {
      lease.release();
    }
  }

  /**
   * A safety net, not a policy: limits are resolved by the caller (judge/limits-policy.ts); this
   * only keeps a spec within the server-wide maximum, which allows the language's minimum.
   */
  clampSpec(spec: RunSpec): RunSpec {
    return { ...spec, limits: clampLimits(spec.limits, this.options.maxLimits, spec.minimumLimits) };
  }

  stats(): SandboxPoolStats {
    const live = this.#slots.filter((s): s is SandboxSlot => s !== null);
    return {
      slots: live.length,
      busy: live.length - this.#idle.length,
      waiting: this.#waiters.length,
      rebuilt: this.#rebuilt,
      runs: this.#runs,
      cgroupVersion: this.cgroups.version,
      memoryPeak: this.#memoryPeak,
      cgroupEntry: live.map((s) => s.cgroupEntry).find((e) => e !== 'none yet') ?? 'none yet',
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new ArbiterError('SANDBOX_CLOSED', 'the sandbox pool is closed'));
    }
    await Promise.allSettled([...this.#starting, ...this.#recycling]);
    await Promise.all(this.#slots.map((slot) => slot?.close()));
    this.#idle.length = 0;
    for (const root of Object.values(this.cgroups.roots))
      removeCgroupTree(join(root, 'arbiter', this.#instance));
    rmSync(this.options.runtimeDir, { recursive: true, force: true });
  }
}
