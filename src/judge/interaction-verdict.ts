import type { RunReason, RunStatus } from '../sandbox/run-spec.js';
import type { CheckerVerdict } from './checker-protocol.js';
import type { FinalStatus } from './types.js';

/**
 * How one interactive test is decided from its two runs: the contestant's program and the
 * problem's interactor, which talked through each other's stdin and stdout (see interactor.ts).
 * Pure, so every rule below is pinned by interaction-verdict.test.ts.
 *
 * 1. The submission was cancelled: cancelled.
 * 2. The program's sandbox failed: internal_error.
 * 3. The interactor failed (crashed, hit one of its limits, exit 3, did not exit in time, an
 *    unreadable share): internal_error, whatever the program did. The problem is at fault, and
 *    its own output (detail) is for operators only.
 * 4. The program failed on its own (time, memory, output limit, runtime error), and either it
 *    ended first or the interactor accepted: the program's verdict. An interactor usually says
 *    "wrong answer" only because the program died mid-conversation; that is not the real cause.
 * 5. Otherwise the interactor's verdict: accepted, wrong_answer, or wrong_answer with a share
 *    (testlib's exit 7, partial points).
 */

/** Why Arbiter itself stopped the program (its run then reports `cancelled`). */
export type ProgramStop =
  /** It wrote more to the interactor than one test may carry (interactor.ts RELAY_MAX_BYTES). */
  | 'relay_cap'
  /** It was still running a grace period after the interactor had exited. */
  | 'grace';

export interface InteractionRuns {
  program: { status: RunStatus; reason: RunReason | null };
  /** Set when Arbiter stopped the program; absent when it ended by itself or by its limits. */
  programStop?: ProgramStop;
  /** The interactor's run read testlib's way (readCheckerRun), or the reason Arbiter stopped it. */
  interactor: CheckerVerdict;
  /** Whether the program's run ended before the interactor's. */
  programEndedFirst: boolean;
  /** The submission was cancelled while the test ran. */
  cancelled: boolean;
}

export interface InteractionVerdict {
  status: FinalStatus;
  /** The limit or event behind a program's own failure. */
  reason?: RunReason;
  /** The interactor's message on a wrong answer or partial points. */
  message?: string;
  /** The share earned, 0 to 1, with partial points. */
  fraction?: number;
  /** Why the interactor failed, for operators only. */
  detail?: string;
}

/** The program's own status, with Arbiter's stops named as the limit each one stands for. */
export function programOutcome(
  program: InteractionRuns['program'],
  stop: ProgramStop | undefined,
): { status: RunStatus; reason: RunReason | null } {
  if (stop === 'relay_cap') return { status: 'output_limit_exceeded', reason: 'output' };
  if (stop === 'grace') return { status: 'time_limit_exceeded', reason: 'wall' };
  return program;
}

export function decideInteraction(runs: InteractionRuns): InteractionVerdict {
  if (runs.cancelled) return { status: 'cancelled' };
  const program = programOutcome(runs.program, runs.programStop);
  if (program.status === 'internal_error') return { status: 'internal_error', reason: 'sandbox' };
  // A stop nobody asked for (no cancel, no stop of ours) is the sandbox's doing.
  if (program.status === 'cancelled') return { status: 'internal_error', reason: 'sandbox' };
  const { interactor } = runs;
  if (interactor.kind === 'failed') {
    const verdict: InteractionVerdict = { status: 'internal_error', message: interactor.reason };
    if (interactor.report !== undefined) verdict.detail = interactor.report;
    return verdict;
  }
  if (program.status !== 'accepted' && (runs.programEndedFirst || interactor.kind === 'accepted')) {
    const verdict: InteractionVerdict = { status: program.status };
    if (program.reason !== null) verdict.reason = program.reason;
    return verdict;
  }
  if (interactor.kind === 'accepted') return { status: 'accepted' };
  const verdict: InteractionVerdict = { status: 'wrong_answer' };
  if (interactor.kind === 'partial') verdict.fraction = interactor.share;
  if (interactor.message !== undefined) verdict.message = interactor.message;
  return verdict;
}
