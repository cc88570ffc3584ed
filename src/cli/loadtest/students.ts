import { setTimeout as delay } from 'node:timers/promises';
import { ArbiterApiError, isAbortError, type ArbiterClient } from '../submit-connection.js';
import type { LoadtestPlan } from './loadtest-options.js';
import { pickProgram } from './programs.js';
import type { Recorder } from './recorder.js';

/** How long one submission's result is awaited before it counts as lost (and an error). */
const WAIT_TIMEOUT_MS = 120_000;

export interface DriverContext {
  client: ArbiterClient;
  /**
   * A client of one student's own: a browser session of its own where the server gives one (an
   * anonymous class behind one address, as a NAT shows it), else `client`.
   */
  studentClient(): Promise<ArbiterClient>;
  plan: LoadtestPlan;
  recorder: Recorder;
  /** Aborts when no new submission may start: the duration is over, or the user interrupted. */
  stopStarting: AbortSignal;
  /** Aborts everything still in flight: the drain after the end is over, or the user interrupted. */
  hardStop: AbortSignal;
  /** requests mode: takes one of the remaining submissions; false when none is left. */
  claim(): boolean;
  /**
   * Who this student is, named as `user` in each submission when the load test runs with a key (a
   * site's backend calling for its whole class); without a key the session is the identity.
   */
  user?: string;
}

/** Starts every student (classroom) or client (requests) and resolves when all have stopped. */
export async function runDrivers(context: DriverContext): Promise<void> {
  const loop = context.plan.mode === 'classroom' ? student : client;
  const withKey = Boolean(context.client.options.apiKey);
  await Promise.all(
    Array.from({ length: context.plan.students }, (_, i) =>
      loop(withKey ? { ...context, user: `student-${i + 1}` } : context),
    ),
  );
}

/** One student: think, submit, wait for the verdict, again, until the bell rings. */
async function student(shared: DriverContext): Promise<void> {
  // The first pause spreads the class over one think time instead of everyone at second zero.
  let pause = Math.random() * shared.plan.thinkMs;
  let context: DriverContext | null = null;
  for (;;) {
    if (!(await think(pause, shared.stopStarting))) return;
    // Opening the editor comes first, as in a classroom: the session is this student's identity.
    context ??= { ...shared, client: await shared.studentClient() };
    await submitOnce(context);
    pause = shared.plan.thinkMs * (0.5 + Math.random());
  }
}

/** One client of a fixed-count run: submit and wait, as long as submissions are left. */
async function client(context: DriverContext): Promise<void> {
  while (!context.stopStarting.aborted && context.claim()) {
    await submitOnce(context);
    if (context.plan.thinkMs > 0 && !(await think(context.plan.thinkMs, context.stopStarting))) return;
  }
}

/** Pauses; false when stopped meanwhile (no new submission should start). */
async function think(ms: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  try {
    await delay(ms, undefined, { signal: stop });
    return true;
  } catch (error) {
    if (isAbortError(error)) return false;
    throw error;
  }
}

/** Submits one program and waits for its result, recording each step. Never throws. */
async function submitOnce(context: DriverContext): Promise<void> {
  try {
    await attempt(context);
  } finally {
    context.recorder.attemptsOver++;
  }
}

async function attempt(context: DriverContext): Promise<void> {
  const { client, plan, recorder, hardStop } = context;
  const program = pickProgram(plan.mix, plan.faultyRatio);
  const sentAt = Date.now();
  let id: string;
  try {
    const input = context.user ? { ...program.input, user: context.user } : program.input;
    ({ id } = await client.submit(input, { signal: hardStop }));
  } catch (error) {
    if (hardStop.aborted) return; // the test ended before the server answered: not a submission
    if (error instanceof ArbiterApiError && (error.status === 429 || error.status === 503)) {
      recorder.httpStatus(error.status);
      recorder.refusedWith(error.status);
    } else {
      recorder.error(`submit: ${describe(error)}`);
    }
    return;
  }
  recorder.sent();
  try {
    const result = await client.wait(id, { signal: hardStop, timeoutMs: WAIT_TIMEOUT_MS });
    const started = result.startedAt === null ? null : Date.parse(result.startedAt);
    const finished = result.finishedAt === null ? null : Date.parse(result.finishedAt);
    recorder.result({
      language: program.language,
      kind: program.kind,
      status: result.status,
      waitMs: result.queueMs,
      runMs: started !== null && finished !== null ? finished - started : null,
      endToEndMs: Date.now() - sentAt,
    });
  } catch (error) {
    recorder.lost();
    if (hardStop.aborted) return; // still running when the test ended: counted as unfinished only
    if (error instanceof ArbiterApiError) recorder.httpStatus(error.status);
    recorder.error(`wait: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof ArbiterApiError) return `${error.code} (HTTP ${error.status})`;
  if (error instanceof Error)
    return `${(error as Error & { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}
