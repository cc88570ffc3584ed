// The one place a run's limits are decided, for every path that runs a program (native, Judge0 and
// Piston submissions, interactive sessions, the CLI, checkers). The sandbox only enforces what it
// is given. Authority, lowest first: the request, the problem, the language's minimum, the server's
// maximum, which always allows the language's minimum (see ceilingOf). A request may lower a
// problem's limits, never raise them (a student could otherwise pass a 500 ms problem with 1.5 s of
// CPU).
import type { LanguageDefinition } from '../languages/language.js';
import {
  ceilingOf,
  checkLimitsWithin,
  DEFAULT_COMPILE_LIMITS,
  LIMIT_NAMES,
  resolveLimits,
  type RunLimits,
} from '../sandbox/limits.js';

export interface LimitSources {
  /** What the request asked for; above `max` it is refused, above the problem's it is lowered. */
  requested?: Partial<RunLimits>;
  /** The problem's limits (binding on the request); unset ones come from `defaults`. */
  problem?: Partial<RunLimits>;
  /** Limits for what neither sets: the server's run defaults, or the language's compile defaults. */
  defaults: Readonly<RunLimits>;
  /** Floors its runtime needs to start at all (a JVM's threads). */
  language: Pick<LanguageDefinition, 'minimumLimits'>;
  /** The server's ceiling, above everything else. */
  max: Readonly<RunLimits>;
  /**
   * What a request above `max` gets: refused with LIMIT_INVALID (submissions: the client hears why)
   * or lowered to it (interactive sessions, whose clients ask for a generous wall time). Default refuse.
   */
  aboveMax?: 'refuse' | 'clamp';
}

/** Resolves the limits of one run; throws LIMIT_INVALID for a request above the server maximum. */
export function resolveRunLimits(sources: LimitSources): RunLimits {
  if (sources.aboveMax !== 'clamp') checkLimitsWithin(sources.requested, sources.max);
  const binding = resolveLimits(sources.problem, sources.defaults, sources.max);
  const limits = resolveLimits(sources.requested, binding, sources.max);
  if (sources.problem) for (const name of LIMIT_NAMES) limits[name] = Math.min(limits[name], binding[name]);
  // The language's minimum is part of what the maximum allows (ceilingOf): the pool's safety clamp
  // to that same ceiling can never undo it.
  const ceiling = ceilingOf(sources.max, sources.language.minimumLimits);
  for (const [name, floor] of Object.entries(sources.language.minimumLimits ?? {}) as [
    keyof RunLimits,
    number,
  ][]) {
    limits[name] = Math.min(Math.max(limits[name], floor), ceiling[name]);
  }
  return limits;
}

/** A language's compile defaults: the server's compile limits with the language's overrides. */
export function compileLimitsFor(language: Pick<LanguageDefinition, 'compileLimits'>): RunLimits {
  return { ...DEFAULT_COMPILE_LIMITS, ...language.compileLimits };
}

/** The compile limits of a request: what it asks, over the language's compile defaults. */
export function resolveCompileLimits(
  requested: Partial<RunLimits> | undefined,
  language: Pick<LanguageDefinition, 'compileLimits' | 'minimumLimits'>,
  max: Readonly<RunLimits>,
  aboveMax: LimitSources['aboveMax'] = 'refuse',
): RunLimits {
  return resolveRunLimits({ requested, defaults: compileLimitsFor(language), language, max, aboveMax });
}
