import type { RunLimits } from '../sandbox/limits.js';

/**
 * A package's limits as a problem's, whatever its format's units: the time limit is CPU time, and
 * the wall limit, which no format gives, is twice it plus a second, for a shared machine.
 */

/** Limits as a package states them, converted to Arbiter's units (possibly fractional). */
export interface StatedLimits {
  timeMs?: number | undefined;
  memoryKb?: number | undefined;
  outputKb?: number | undefined;
}

/** The problem's limits, each rounded up to a whole unit; undefined when the package states none. */
export function packageLimits(stated: StatedLimits): Partial<RunLimits> | undefined {
  const limits: Partial<RunLimits> = {};
  if (stated.timeMs !== undefined) {
    limits.cpuMs = Math.ceil(stated.timeMs);
    limits.wallMs = limits.cpuMs * 2 + 1000;
  }
  if (stated.memoryKb !== undefined) limits.memoryKb = Math.ceil(stated.memoryKb);
  if (stated.outputKb !== undefined) limits.outputKb = Math.ceil(stated.outputKb);
  return Object.keys(limits).length > 0 ? limits : undefined;
}
