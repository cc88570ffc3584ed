import { ArbiterError } from '../errors.js';
import type { SandboxPool } from './pool.js';
import type { InteractiveIO, InteractiveRun, RunResult, RunSpec, SandboxFile } from './run-spec.js';
import type { SandboxSlot } from './slot.js';

/**
 * A lease on one slot: files written, programs run (a compile, then each test), all in one work
 * directory, until release() wipes it for the next lease.
 */
export class SandboxLease {
  #released = false;
  constructor(
    readonly slot: SandboxSlot,
    readonly pool: SandboxPool,
  ) {}

  writeFiles(files: readonly SandboxFile[]): void {
    this.slot.writeFiles(files);
  }

  readFile(name: string): Buffer | null {
    return this.slot.readFile(name);
  }

  removeFile(name: string): void {
    this.slot.removeFile(name);
  }

  listFiles(maxFiles?: number): { name: string; size: number; executable: boolean }[] {
    return this.slot.listFiles(maxFiles);
  }

  /**
   * Call before each run of a series against one program (a submission's tests, a checker's runs),
   * so no run sees what an earlier one left: the first call freezes the work directory as it is (the
   * compiled program, which no run can then change); every call removes what runs added to it since
   * and empties /tmp and /dev/shm. See SandboxSlot.resetBetweenRuns.
   */
  async resetBetweenRuns(): Promise<void> {
    if (this.#released) throw new ArbiterError('SANDBOX_FAILED', 'lease already released');
    await this.slot.resetBetweenRuns();
  }

  run(spec: RunSpec, signal?: AbortSignal): Promise<RunResult> {
    if (this.#released) throw new ArbiterError('SANDBOX_FAILED', 'lease already released');
    return this.slot.run(this.pool.clampSpec(spec), signal);
  }

  /** An interactive run (see SandboxSlot.runInteractive); limits are clamped like any run's. */
  runInteractive(spec: RunSpec, io: InteractiveIO, signal?: AbortSignal): InteractiveRun {
    if (this.#released) throw new ArbiterError('SANDBOX_FAILED', 'lease already released');
    return this.slot.runInteractive(this.pool.clampSpec(spec), io, signal);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.pool.giveBack(this.slot);
  }
}
