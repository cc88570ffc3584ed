import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { ArbiterError } from '../errors.js';
import { withTimeout } from '../timeout.js';
import { buildBwrapArgs, type BoxLayout } from './bwrap-args.js';
import type { LineReader } from './protocol.js';

/** How long a new slot may take to report ready before it counts as failed. */
const SLOT_START_TIMEOUT_MS = 10_000;

export interface SlotConfig {
  index: number;
  layout: BoxLayout;
  /** One directory per cgroup hierarchy (see createSlotCgroups). */
  cgroupDirs: string[];
}

/** A slot's bubblewrap process, just spawned, and the pipe on which bubblewrap reports the box's pid. */
export interface SpawnedSlot {
  proc: ChildProcess;
  info: Readable;
}

/**
 * Spawns bubblewrap for one slot. The cgroup directories and the files bubblewrap copies into the
 * box are opened here and handed over as fds (see BoxFds); this process's copies are closed again.
 */
export function spawnSlot(config: SlotConfig): SpawnedSlot {
  const { layout } = config;
  const dirFds = config.cgroupDirs.map((dir) => openSync(dir, 'r'));
  const copied = [
    layout.supervisorPath,
    layout.etcFiles.passwd,
    layout.etcFiles.group,
    layout.etcFiles.hosts,
  ];
  const fileFds: number[] = [];
  const infoFd = 3 + dirFds.length;
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
    const proc = spawn('bwrap', args, {
      stdio: ['pipe', 'pipe', 'pipe', ...dirFds, 'pipe', ...fileFds],
      env: {},
    });
    return { proc, info: proc.stdio[infoFd] as Readable };
  } finally {
    for (const fd of [...dirFds, ...fileFds]) closeSync(fd);
  }
}

/** The box's pid as bubblewrap's info pipe reports it ({"child-pid": N}). */
function childPidOf(info: Readable, stderr: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let text = '';
    info.setEncoding('utf8');
    info.on('data', (chunk: string) => {
      text += chunk;
      const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    info.on('end', () =>
      reject(new ArbiterError('SANDBOX_FAILED', `bubblewrap gave no child pid: ${stderr()}`)),
    );
  });
}

/**
 * Waits, SLOT_START_TIMEOUT_MS at most, for the box's pid and the supervisor's "ready"; returns the
 * pid. `stderr` is what the slot printed so far, for the failure message.
 */
export async function awaitSupervisor(
  spawned: SpawnedSlot,
  reader: LineReader,
  index: number,
  stderr: () => string,
): Promise<number> {
  const started = async (): Promise<number> => {
    const pid = await childPidOf(spawned.info, stderr);
    const ready = await reader.next();
    if (ready !== 'ready') throw new ArbiterError('SANDBOX_FAILED', `supervisor said ${ready.slice(0, 200)}`);
    return pid;
  };
  try {
    return await withTimeout(
      started(),
      SLOT_START_TIMEOUT_MS,
      () => new ArbiterError('SANDBOX_FAILED', `sandbox slot ${index} did not start: ${stderr()}`),
    );
  } finally {
    spawned.info.destroy();
  }
}
