import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release } from 'node:os';

/** First line of a tool's version output, for the report header. */
export function versionOf(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\n')[0]!
    .trim();
}

/** The facts every report starts with: when, and on what machine. */
export function machineFacts(): [name: string, value: string][] {
  return [
    ['date', new Date().toISOString()],
    ['nproc', String(availableParallelism())],
    ['kernel', release()],
    ['cpu', cpus()[0]?.model.trim() ?? 'unknown'],
    ['node', process.version],
  ];
}
