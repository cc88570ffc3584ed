import { randomUUID } from 'node:crypto';
import { isArbiterError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Caller } from '../service/caller.js';
import type { ProblemVerification, ReferenceSolution, VerificationResult } from '../store/types.js';
import { gotExpectedVerdict } from './reference-solutions.js';

/**
 * Verified problems: a problem's reference solutions are judged as ordinary submissions (by the
 * same queue, workers and judge as a student's) and each verdict is compared with the one the
 * package expects. Until every one got its verdict, the problem is closed to non-admin callers
 * (PROBLEM_NOT_VERIFIED, in the submission service), unless an admin opened it.
 *
 * A run is named by a runId kept in the problem: an import or update of the problem while a run
 * is under way starts a new run, and the old one's results are dropped, never written over the
 * new problem. A run that a restart cut short stays `running` until an admin asks again
 * (POST /api/v1/problems/:id/verify, `arbiter problems verify ID`).
 */

/**
 * The key id verification submissions carry: no API key has it (their ids are UUIDs), so no caller
 * but an admin sees them, and the gradebook lists them apart from every student's.
 */
export const VERIFY_KEY_ID = 'arbiter:verify';

/** How long one reference solution may wait in the queue and run before it counts as failed. */
export const VERIFY_SOLUTION_TIMEOUT_MS = 10 * 60_000;

/** The verification a problem with these solutions starts with; undefined without solutions. */
export function pendingVerification(
  solutions: readonly ReferenceSolution[] | undefined,
): ProblemVerification | undefined {
  if (!solutions || solutions.length === 0) return undefined;
  return {
    state: 'pending',
    runId: randomUUID(),
    startedAt: null,
    finishedAt: null,
    results: solutions.map((s) => ({ name: s.name, expected: s.expected })),
  };
}

/** Where a verification that failed in Arbiter itself is reported (the server's logger). */
export interface VerifierLog {
  error(details: object, message: string): void;
}

const verifiers = new WeakMap<Runtime, ProblemVerifier>();

/** The runtime's one verifier (made, with `log`, on the first call). */
export function verifierOf(runtime: Runtime, log: VerifierLog): ProblemVerifier {
  let verifier = verifiers.get(runtime);
  if (!verifier) {
    verifier = new ProblemVerifier(runtime, log);
    verifiers.set(runtime, verifier);
  }
  return verifier;
}

export class ProblemVerifier {
  readonly #runtime: Runtime;
  readonly #log: VerifierLog;

  constructor(runtime: Runtime, log: VerifierLog) {
    this.#runtime = runtime;
    this.#log = log;
  }

  /** Starts the problem's pending verification in the background; its progress is in the problem. */
  start(problemId: string): void {
    void this.run(problemId).catch((error: unknown) => {
      this.#log.error({ err: error, problemId }, 'problem verification failed');
    });
  }

  /** Runs the problem's pending verification to its end (see the module's comment). */
  async run(problemId: string): Promise<void> {
    const { store, service, config } = this.#runtime;
    const problem = await store.getProblem(problemId);
    const verification = problem?.verification;
    if (!problem || !verification || !problem.solutions?.length) return;
    const { runId } = verification;
    if (!(await this.#update(problemId, runId, (v) => ({ ...v, state: 'running', startedAt: Date.now() }))))
      return;
    const caller: Caller = {
      keyId: VERIFY_KEY_ID,
      role: 'admin',
      priority: config.priorities.admin,
      identity: `verify:${problemId}`,
    };
    const results = await Promise.all(
      problem.solutions.map(async (solution): Promise<VerificationResult> => {
        const result: VerificationResult = { name: solution.name, expected: solution.expected };
        try {
          const { record } = await service.submit(
            { language: solution.language, source: solution.source, problemId },
            caller,
          );
          result.submissionId = record.id;
          const final = await service.waitForFinal(record.id, VERIFY_SOLUTION_TIMEOUT_MS, caller);
          if (final.status === 'queued' || final.status === 'running') {
            result.passed = false;
            result.message = `not judged within ${VERIFY_SOLUTION_TIMEOUT_MS / 1000} s`;
            return result;
          }
          const outcome = {
            status: final.status,
            score: final.result?.score ?? null,
            maxScore: final.result?.maxScore ?? null,
          };
          result.status = outcome.status;
          result.score = outcome.score;
          result.maxScore = outcome.maxScore;
          result.passed = gotExpectedVerdict(solution.expected, outcome);
        } catch (error) {
          // An unknown or missing language, a full queue: the solution could not be judged.
          if (!isArbiterError(error)) throw error;
          result.passed = false;
          result.message = error.message;
        }
        return result;
      }),
    );
    const passed = results.every((r) => r.passed === true);
    await this.#update(problemId, runId, (v) => ({
      ...v,
      state: passed ? 'passed' : 'failed',
      finishedAt: Date.now(),
      results,
    }));
  }

  /** Writes the run's progress, unless the problem is gone or a newer run replaced this one. */
  async #update(
    problemId: string,
    runId: string,
    change: (verification: ProblemVerification) => ProblemVerification,
  ): Promise<boolean> {
    const { store } = this.#runtime;
    const current = await store.getProblem(problemId);
    if (!current?.verification || current.verification.runId !== runId) return false;
    await store.putProblem({ ...current, verification: change(current.verification) });
    return true;
  }
}
