import { chmod, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { freezeEntries, removeEntries } from './box-tree.js';
import { encodeReset, parseResetAnswer } from './protocol.js';
import type { SupervisorChannel } from './slot-run.js';

/**
 * Most entries (files and directories, of the work directory, /tmp and /dev/shm together) a reset
 * between leases deletes one by one. Past it the slot is rebuilt instead: killing bubblewrap drops
 * its tmpfs mounts, and everything in them, at once, and a new box starts in a few milliseconds.
 */
export const RESET_MAX_ENTRIES = 10_000;

/**
 * The wipe between leases: one request to the supervisor, which empties the work directory, /tmp
 * and /dev/shm inside the box and gives the work directory back to the slot's uid (see "reset N" in
 * supervisor.c). 'full' when they held more than RESET_MAX_ENTRIES entries: the caller rebuilds the
 * slot. Throws SANDBOX_FAILED when the supervisor could not wipe it.
 */
export async function wipeSlot(channel: SupervisorChannel): Promise<'clean' | 'full'> {
  channel.control.write(encodeReset(RESET_MAX_ENTRIES));
  return parseResetAnswer(await channel.reader.next());
}

/**
 * Fresh state for the next of a series of runs of one program, in the box under `root`. Without a
 * `baseline` (the first call of a lease) it freezes the work directory as it is (the compiled
 * program): everything in it becomes root-owned and read-only, and the directory itself root-owned
 * and sticky, so runs may add files beside it but can neither change, replace nor delete it. With
 * one it removes every entry of the work directory not named in it. Either way it empties /tmp and
 * /dev/shm. Returns the baseline: the work directory's names when it was frozen.
 */
export async function resetForNextRun(root: string, baseline: Set<string> | null): Promise<Set<string>> {
  const box = join(root, 'box');
  const resetBox = async (): Promise<Set<string>> => {
    if (baseline !== null) {
      await removeEntries(box, baseline);
      return baseline;
    }
    const frozen = await freezeEntries(box);
    await chown(box, 0, 0);
    await chmod(box, 0o1777);
    return frozen;
  };
  // No bound here as between leases: the inode cap of each tmpfs (BoxLayout.maxInodes) bounds what a
  // run can leave, and only this submission's own lease waits for its removal. All three settle
  // before this returns, so none outlives the caller's hold on the root fd (see SandboxSlot.close).
  const [boxStep, ...others] = await Promise.allSettled([
    resetBox(),
    removeEntries(join(root, 'tmp')),
    removeEntries(join(root, 'dev/shm')),
  ]);
  for (const step of [boxStep!, ...others]) if (step.status === 'rejected') throw step.reason;
  return (boxStep as PromiseFulfilledResult<Set<string>>).value;
}
