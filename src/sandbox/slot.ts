import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { chmod, chown, rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { ArbiterError } from '../errors.js';
import { countEntries, freezeEntries, removeEntries } from './box-tree.js';
import { buildBwrapArgs, type BoxLayout } from './bwrap-args.js';
import {
  encodeRequest,
  encodeStdinChunk,
  IO_DIR,
  LineReader,
  parseOutputChunk,
  parseReport,
  STDIN_EOF_LINE,
  STDIN_PATH,
} from './protocol.js';
import type { InteractiveIO, InteractiveRun, RunResult, RunSpec, SandboxFile } from './run-spec.js';
import { decideVerdict } from './verdict.js';

/** How long a new slot may take to report ready before it counts as failed. */
const SLOT_START_TIMEOUT_MS = 10_000;
/** Directories wiped between leases; together with a fresh cgroup per run this is the whole reset. */
const RESET_DIRS = ['box', 'tmp', 'dev/shm'];
/**
 * Most entries (files and directories, all of RESET_DIRS together) a reset between leases deletes
 * one by one. Past it the slot is rebuilt instead: killing bubblewrap drops its tmpfs mounts, and
 * everything in them, at once, and a new box starts in a few milliseconds.
 */
export const RESET_MAX_ENTRIES = 10_000;

/** Checks a file name from a request: relative, inside the work directory, no tricks. */
export function safeRelativePath(name: string): string {
  const clean = normalize(name);
  if (
    name.length === 0 ||
    name.length > 255 ||
    name.includes('\0') ||
    clean.startsWith('/') ||
    clean === '..' ||
    clean.startsWith('../') ||
    clean === '.'
  ) {
    throw new ArbiterError(
      'FILE_NAME_INVALID',
      `file name ${JSON.stringify(name)} must be a relative path inside the work directory`,
    );
  }
  return clean;
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export interface SlotConfig {
  index: number;
  layout: BoxLayout;
  /** One directory per cgroup hierarchy (see createSlotCgroups). */
  cgroupDirs: string[];
}

/**
 * One warm sandbox: a bubblewrap box whose namespaces and mounts are made once, with the supervisor
 * as its PID 1. Runs go through it one at a time; between leases its writable directories are wiped.
 * The host reaches into the box through an fd opened on /proc/PID/root while PID was proven to be
 * this box's supervisor: a path through the fd names the box's root for as long as the fd is open,
 * so even a reset that takes many turns of the event loop can never be pointed at the host's own
 * /tmp by a recycled PID.
 */
export class SandboxSlot {
  readonly index: number;
  readonly uid: number;
  #proc: ChildProcess;
  #reader: LineReader;
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
    this.#reader = new LineReader(proc.stdout as Readable);
    (proc.stderr as Readable).on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-4096);
    });
    proc.on('exit', (code, signal) => {
      const why = `sandbox slot ${this.index} exited (${signal ?? code}): ${this.#stderrTail.trim() || 'no message'}`;
      this.#broken ??= why;
      this.#reader.fail(new ArbiterError('SANDBOX_FAILED', why));
    });
    proc.on('error', (error) => {
      this.#broken ??= `sandbox slot ${this.index} failed: ${error.message}`;
      this.#reader.fail(new ArbiterError('SANDBOX_FAILED', this.#broken));
    });
    (proc.stdin as Writable).on('error', () => {
      this.#broken ??= `sandbox slot ${this.index}: control pipe closed`;
    });
  }

  static async start(config: SlotConfig): Promise<SandboxSlot> {
    const { layout } = config;
    const dirFds = config.cgroupDirs.map((dir) => openSync(dir, 'r'));
    // Files bubblewrap copies into the box: opened here, read by it at start (see BoxFds).
    const copied = [
      layout.supervisorPath,
      layout.etcFiles.passwd,
      layout.etcFiles.group,
      layout.etcFiles.hosts,
    ];
    const fileFds: number[] = [];
    const infoFd = 3 + dirFds.length;
    let proc: ChildProcess;
    try {
      for (const path of copied) fileFds.push(openSync(path, 'r'));
      const at = (i: number): number => infoFd + 1 + i;
      const args = buildBwrapArgs(layout, {
        info: infoFd,
        supervisor: at(0),
        passwd: at(1),
        group: at(2),
        hosts: at(3),
      });
      proc = spawn('bwrap', args, {
        stdio: ['pipe', 'pipe', 'pipe', ...dirFds, 'pipe', ...fileFds],
        env: {},
      });
    } finally {
      for (const fd of [...dirFds, ...fileFds]) closeSync(fd);
    }
    const slot = new SandboxSlot(config, proc);
    try {
      await slot.#handshake(proc.stdio[infoFd] as Readable);
    } catch (error) {
      slot.#kill();
      slot.#closeRootFd();
      throw error;
    }
    return slot;
  }

  async #handshake(info: Readable): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ArbiterError(
              'SANDBOX_FAILED',
              `sandbox slot ${this.index} did not start: ${this.#stderrTail.trim()}`,
            ),
          ),
        SLOT_START_TIMEOUT_MS,
      );
    });
    const childPid = new Promise<number>((resolve, reject) => {
      let text = '';
      info.setEncoding('utf8');
      info.on('data', (chunk: string) => {
        text += chunk;
        const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (match) resolve(Number(match[1]));
      });
      info.on('end', () =>
        reject(
          new ArbiterError('SANDBOX_FAILED', `bubblewrap gave no child pid: ${this.#stderrTail.trim()}`),
        ),
      );
    });
    try {
      this.#pid = await Promise.race([childPid, timeout]);
      const ready = await Promise.race([this.#reader.next(), timeout]);
      if (ready !== 'ready')
        throw new ArbiterError('SANDBOX_FAILED', `supervisor said ${ready.slice(0, 200)}`);
    } finally {
      clearTimeout(timer);
      info.destroy();
    }
    this.#mountNs = readlinkSync(`/proc/${this.#pid}/ns/mnt`);
    this.#rootFd = openSync(`/proc/${this.#pid}/root`, 'r');
    // The supervisor answered "ready" just now, so PID is ours; checked again all the same.
    this.#checkSupervisor();
    this.#prepareBox();
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

  #prepareBox(): void {
    const box = join(this.root, 'box');
    chownSync(box, this.uid, this.uid);
    chmodSync(box, 0o755);
  }

  /**
   * Places files in the work directory, owned by the slot's uid. A program that ran earlier in the
   * lease may have left symlinks; through /proc/PID/root they would resolve against the host's root,
   * so every directory on the way is checked with lstat and never followed. Nothing of the program
   * is running while this happens (the supervisor proved its cgroup empty), so the check cannot race.
   */
  writeFiles(files: readonly SandboxFile[]): void {
    const box = join(this.root, 'box');
    for (const file of files) {
      const rel = safeRelativePath(file.name);
      let dir = box;
      for (const part of dirname(rel) === '.' ? [] : dirname(rel).split('/')) {
        dir = join(dir, part);
        const stat = lstatOrNull(dir);
        if (stat && !stat.isDirectory()) {
          throw new ArbiterError(
            'FILE_NAME_INVALID',
            `cannot write ${file.name}: ${part} exists and is not a directory`,
          );
        }
        if (!stat) {
          mkdirSync(dir);
          lchownSync(dir, this.uid, this.uid);
        }
      }
      const path = join(box, rel);
      // 'wx' is O_CREAT|O_EXCL: it refuses an existing name, a dangling symlink included.
      writeFileSync(path, file.content, { mode: file.executable ? 0o755 : 0o644, flag: 'wx' });
      lchownSync(path, this.uid, this.uid);
    }
  }

  /**
   * Reads a file the program left in the work directory, refusing symlinks: a link inside the box
   * would otherwise resolve against the host's root.
   */
  readFile(name: string): Buffer | null {
    const path = join(this.root, 'box', safeRelativePath(name));
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return null;
    }
    if (!stat.isFile()) return null;
    for (let dir = dirname(path); dir !== join(this.root, 'box'); dir = dirname(dir)) {
      if (lstatSync(dir).isSymbolicLink()) return null;
    }
    return readFileSync(path);
  }

  /**
   * Lists the regular files under the work directory (relative paths), without following symlinks,
   * for carrying a compiler's output into the compile cache. Stops at `maxFiles`.
   */
  listFiles(maxFiles = 1000): { name: string; size: number; executable: boolean }[] {
    const box = join(this.root, 'box');
    const out: { name: string; size: number; executable: boolean }[] = [];
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (out.length >= maxFiles) return;
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(join(dir, entry.name), rel);
        else if (entry.isFile()) {
          const stat = lstatSync(join(dir, entry.name));
          out.push({ name: rel, size: stat.size, executable: (stat.mode & 0o111) !== 0 });
        }
      }
    };
    walk(box, '');
    return out;
  }

  /** Removes one file or directory from the work directory (a symlink itself, never its target). */
  removeFile(name: string): void {
    const box = join(this.root, 'box');
    const path = join(box, safeRelativePath(name));
    for (let dir = dirname(path); dir !== box; dir = dirname(dir)) {
      if (lstatOrNull(dir)?.isSymbolicLink())
        throw new ArbiterError('FILE_NAME_INVALID', `cannot remove ${name}: a parent is a symlink`);
    }
    rmSync(path, { recursive: true, force: true });
  }

  /** Runs one program. Sandbox faults come back as internal_error results, and the slot is marked broken. */
  run(spec: RunSpec, signal?: AbortSignal): Promise<RunResult> {
    return this.#execute(spec, signal);
  }

  /** Starts a program whose stdin is fed while it runs and whose output streams to `io`. */
  runInteractive(spec: RunSpec, io: InteractiveIO, signal?: AbortSignal): InteractiveRun {
    const control = this.#proc.stdin as Writable;
    let ended = false;
    return {
      write: (data) => {
        if (ended || this.#broken) return;
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        // Chunked so no control line comes near the supervisor's line limit.
        for (let at = 0; at < bytes.length; at += 64 * 1024)
          control.write(encodeStdinChunk(bytes.subarray(at, at + 64 * 1024)));
      },
      end: () => {
        if (ended) return;
        ended = true;
        control.write(STDIN_EOF_LINE);
      },
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
    const onAbort = (): void => {
      (this.#proc.stdin as Writable).write('kill\n');
    };
    try {
      const root = this.root;
      const stdin = spec.stdin ?? '';
      const hasStdin = stdin.length > 0;
      if (hasStdin) writeFileSync(join(root, STDIN_PATH), stdin);
      (this.#proc.stdin as Writable).write(encodeRequest(spec, hasStdin, io !== undefined));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      let line = await this.#reader.next();
      for (let chunk = parseOutputChunk(line); chunk; chunk = parseOutputChunk(line)) {
        if (chunk.stream === 'stdout') io?.onStdout?.(chunk.data);
        else io?.onStderr?.(chunk.data);
        line = await this.#reader.next();
      }
      const report = parseReport(line);
      this.runs++;
      this.cgroupEntry = report.intoCgroup ? 'clone3' : 'migration';
      if (!report.clean) this.#broken = `sandbox slot ${this.index}: run left processes or its cgroup behind`;
      const verdict = decideVerdict(report, spec.limits);
      return {
        ...verdict,
        exitCode: report.signal === 0 && report.exit >= 0 ? report.exit : null,
        signal: report.signal === 0 ? null : report.signal,
        stdout: report.outBytes > 0 ? readFileSync(join(root, IO_DIR, 'stdout')) : Buffer.alloc(0),
        stderr: report.errBytes > 0 ? readFileSync(join(root, IO_DIR, 'stderr')) : Buffer.alloc(0),
        stdoutTruncated: report.outTruncated,
        stderrTruncated: report.errTruncated,
        cpuMs: report.cpuUs / 1000,
        wallMs: report.wallUs / 1000,
        memoryKb: Math.round(report.memBytes / 1024),
      };
    } catch (error) {
      if (error instanceof ArbiterError && error.code !== 'ARB_ERR_SANDBOX_FAILED') throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.#broken ??= message;
      return internalErrorResult(message);
    } finally {
      signal?.removeEventListener('abort', onAbort);
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
   * Wipes the work directory, /tmp and /dev/shm between leases, without holding the event loop.
   * Returns false, with the slot marked broken so the pool rebuilds it, when the slot cannot be
   * proven clean or holds more than RESET_MAX_ENTRIES entries.
   */
  reset(): Promise<boolean> {
    return this.#walk(async () => {
      try {
        const root = this.root;
        // The three directories are counted, and then wiped, side by side: a slot waits for the
        // slowest directory's round trips rather than for the sum of all (issue [M]: the reset
        // between leases was the largest part of a C hello's cost in the pool). Each count stops
        // just past the whole budget, so together they read at most 3 x RESET_MAX_ENTRIES entries.
        const counts = await Promise.all(
          RESET_DIRS.map((dir) => countEntries(join(root, dir), RESET_MAX_ENTRIES)),
        );
        if (counts.reduce((sum, n) => sum + n, 0) > RESET_MAX_ENTRIES) {
          this.#broken ??= `sandbox slot ${this.index}: more than ${RESET_MAX_ENTRIES} files left; rebuilt`;
          return false;
        }
        const wiped = await Promise.allSettled([
          ...RESET_DIRS.map(async (dir, i) => {
            // Found empty, and nothing of the program runs any more (its cgroup was proven empty).
            if (counts[i] === 0) return;
            await removeEntries(join(root, dir));
            if ((await countEntries(join(root, dir), 0)) !== 0)
              throw new Error(`${dir} is not empty after reset`);
          }),
          rm(join(root, STDIN_PATH), { force: true }),
        ]);
        for (const step of wiped) if (step.status === 'rejected') throw step.reason;
        this.#baseline = null;
        await Promise.all([chown(join(root, 'box'), this.uid, this.uid), chmod(join(root, 'box'), 0o755)]);
        return true;
      } catch (error) {
        this.#broken ??= `sandbox slot ${this.index}: reset failed: ${(error as Error).message}`;
        return false;
      }
    });
  }

  /**
   * Fresh state for each of a series of runs of one program (a submission's tests, a checker's
   * runs), cheap when a run changed nothing. The first call freezes the work directory as it is (the
   * compiled program): everything in it becomes root-owned and read-only, and the directory itself
   * root-owned and sticky, so runs may add files beside it but can neither change, replace nor
   * delete it. Every call then removes what runs added to the work directory since, and empties
   * /tmp and /dev/shm. Throws SANDBOX_FAILED, with the slot marked broken, when that fails.
   */
  resetBetweenRuns(): Promise<void> {
    return this.#walk(async () => {
      try {
        const root = this.root;
        const box = join(root, 'box');
        const resetBox = async (): Promise<void> => {
          if (this.#baseline === null) {
            this.#baseline = await freezeEntries(box);
            await chown(box, 0, 0);
            await chmod(box, 0o1777);
          } else {
            await removeEntries(box, this.#baseline);
          }
        };
        // No bound here as between leases: the inode cap of each tmpfs (BoxLayout.maxInodes) bounds
        // what a run can leave, and only this submission's own lease waits for its removal. All
        // three settle before this returns, so none outlives the walk (see close()).
        const steps = await Promise.allSettled([
          resetBox(),
          removeEntries(join(root, 'tmp')),
          removeEntries(join(root, 'dev/shm')),
        ]);
        for (const step of steps) if (step.status === 'rejected') throw step.reason;
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
      (this.#proc.stdin as Writable).end();
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

export function internalErrorResult(message: string): RunResult {
  return {
    status: 'internal_error',
    reason: 'sandbox',
    exitCode: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    cpuMs: 0,
    wallMs: 0,
    memoryKb: 0,
    limitsHit: [],
    message,
  };
}
