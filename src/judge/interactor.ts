import type { SandboxLease } from '../sandbox/lease.js';
import type { InteractiveRun, RunResult, RunSpec } from '../sandbox/run-spec.js';
import { readCheckerRun, readKattisValidatorRun, type CheckerVerdict } from './checker-protocol.js';
import {
  decideInteraction,
  programOutcome,
  type InteractionVerdict,
  type ProgramStop,
} from './interaction-verdict.js';
import type { CheckerProtocol, TestCase, Transcript } from './types.js';

/**
 * One interactive test: the contestant's program and the problem's interactor run at once, each in
 * a slot of its own (the judge holds the pair, see SandboxPool.acquirePair), each one's stdout
 * relayed by this process into the other's stdin as it is written. Both are metered and limited
 * like any run: the program with the submission's limits, the interactor with the problem's.
 *
 * The interactor runs testlib's way, `interactor input.txt output.txt [expected.txt]`: input.txt is
 * the test's stdin (the program never sees it), output.txt a file it may write, expected.txt the
 * test's expected output when the test has one. Its exit code is read as a checker's
 * (checker-protocol.ts); its report comes from stderr only, as its stdout is the conversation.
 * interaction-verdict.ts combines the two runs into the test's verdict.
 *
 * With `protocol: 'kattis'` the interactor is a Kattis interactive output validator instead:
 * `validator input.txt expected.txt feedback/` (expected.txt empty when the test has none), exit
 * 42 accepted, 43 wrong answer, anything else its failure; its report is
 * feedback/judgemessage.txt, else its stderr (checker-protocol.ts readKattisValidatorRun).
 *
 * When one side exits, the other's stdin is closed (it reads end of file, as through a real pipe)
 * and it has EXIT_GRACE_MS to exit too; after that it is killed, as contest systems do. A program
 * killed so is time_limit_exceeded; an interactor killed so is the problem's fault (internal_error).
 * The interactor's wall limit is raised to outlast the program's by the grace, so a deadlock (both
 * sides waiting to read) always ends at the program's wall limit: time_limit_exceeded.
 *
 * Memory stays bounded: each direction carries at most RELAY_MAX_BYTES per test (the supervisor
 * holds what the reader has not read yet, up to 8 MiB, so this keeps a non-reading side from
 * failing the slot). A program that writes more is stopped and judged output_limit_exceeded (its
 * own output limit, which also counts everything it writes, usually stops it first); an
 * interactor that does is the problem's fault. Transcripts keep the first TRANSCRIPT_BYTES of each
 * direction, and a submission's tests keep at most TRANSCRIPT_TOTAL_BYTES of them in all.
 */

/** Bytes one side may send the other in one test. Below the supervisor's 8 MiB of pending stdin. */
export const RELAY_MAX_BYTES = 4 * 1024 * 1024;
/** How long the other side may run on once one side has exited. */
export const EXIT_GRACE_MS = 2_000;
/** Bytes of each direction kept in a test's transcript. */
export const TRANSCRIPT_BYTES = 64 * 1024;
/** Bytes of transcripts one submission keeps over all its tests; later tests keep less or none. */
export const TRANSCRIPT_TOTAL_BYTES = 1024 * 1024;

/** What the judge needs of one interactive test. */
export interface InteractionOutcome {
  /** The program's run, its status and reason as decided (Arbiter's stops named as limits). */
  run: RunResult;
  verdict: InteractionVerdict;
  transcript: Transcript;
}

/** The two programs, compiled, in the two leases of one judge. */
export interface InteractionSetup {
  program: SandboxLease;
  interactor: SandboxLease;
  /** The program's run: its command, environment and the submission's limits. */
  programSpec: RunSpec;
  /** The interactor's run without its file arguments: its command, environment and limits. */
  interactorSpec: RunSpec;
  /** How the interactor is called and read. Default `testlib`. */
  protocol?: CheckerProtocol;
}

/** A Kattis validator's feedback directory in the interactor's box, emptied before each test. */
const FEEDBACK_DIR = 'feedback';

/** One direction of the conversation: counts what passes, keeps its start for the transcript. */
class Relay {
  sent = 0;
  readonly #kept: Buffer[] = [];
  #keptBytes = 0;
  truncated = false;

  constructor(readonly keep: number) {}

  /** Records a chunk; false when it would carry the direction past RELAY_MAX_BYTES. */
  pass(chunk: Buffer): boolean {
    if (this.sent + chunk.length > RELAY_MAX_BYTES) return false;
    this.sent += chunk.length;
    const room = this.keep - this.#keptBytes;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.#kept.push(part);
      this.#keptBytes += part.length;
    }
    return true;
  }

  text(): string {
    return Buffer.concat(this.#kept).toString('utf8');
  }

  get keptBytes(): number {
    return this.#keptBytes;
  }
}

export class Interaction {
  #transcriptBudget = TRANSCRIPT_TOTAL_BYTES;

  constructor(readonly setup: InteractionSetup) {}

  /** Runs one test with both sides at once; never throws for anything either program did. */
  async runTest(test: TestCase, signal?: AbortSignal): Promise<InteractionOutcome> {
    const { program, interactor, programSpec, interactorSpec } = this.setup;
    // Nothing an earlier test left (in either box) reaches this one.
    await program.resetBetweenRuns();
    await interactor.resetBetweenRuns();
    const kattis = this.setup.protocol === 'kattis';
    for (const name of ['input.txt', 'output.txt', 'expected.txt', FEEDBACK_DIR]) interactor.removeFile(name);
    const files = [{ name: 'input.txt', content: test.stdin ?? '' }];
    if (kattis) files.push({ name: 'expected.txt', content: test.expected ?? '' });
    else {
      files.push({ name: 'output.txt', content: '' });
      if (test.expected !== undefined) files.push({ name: 'expected.txt', content: test.expected });
    }
    // testlib's order: input, output, then the answer when there is one; Kattis's: input, answer, feedback/.
    const fileArgs = kattis ? ['input.txt', 'expected.txt', `${FEEDBACK_DIR}/`] : files.map((f) => f.name);
    interactor.writeFiles(kattis ? [...files, { name: `${FEEDBACK_DIR}/.keep`, content: '' }] : files);

    const keep = Math.min(TRANSCRIPT_BYTES, Math.floor(this.#transcriptBudget / 2));
    const toInteractor = new Relay(keep);
    const toProgram = new Relay(keep);
    const programStop = new AbortController();
    const interactorStop = new AbortController();
    let programStopReason: ProgramStop | undefined;
    let interactorStopReason: string | undefined;
    const onCancel = (): void => {
      programStop.abort();
      interactorStop.abort();
    };
    signal?.addEventListener('abort', onCancel, { once: true });
    if (signal?.aborted) onCancel();

    let programDone = false;
    let interactorDone = false;
    let programEndedFirst = false;
    const timers: NodeJS.Timeout[] = [];
    // The program's run starts first, so its relay finds the interactor's run here once it exists.
    const peer: { interactor?: InteractiveRun } = {};
    const programRun = program.runInteractive(
      programSpec,
      {
        // Called only from the run's output loop, after both runs below have started.
        onStdout: (chunk) => {
          if (interactorDone || programStop.signal.aborted) return;
          if (!toInteractor.pass(chunk)) {
            programStopReason ??= 'relay_cap';
            programStop.abort();
            return;
          }
          peer.interactor?.write(chunk);
        },
      },
      programStop.signal,
    );
    const started = interactor.runInteractive(
      { ...interactorSpec, command: [...interactorSpec.command, ...fileArgs] },
      {
        onStdout: (chunk) => {
          if (programDone || interactorStop.signal.aborted) return;
          if (!toProgram.pass(chunk)) {
            interactorStopReason ??= `the interactor wrote more than ${RELAY_MAX_BYTES} bytes to the program`;
            interactorStop.abort();
            return;
          }
          programRun.write(chunk);
        },
      },
      interactorStop.signal,
    );
    peer.interactor = started;
    const programEnded = programRun.result.then((result) => {
      programDone = true;
      if (!interactorDone) programEndedFirst = true;
      started.end();
      timers.push(
        setTimeout(() => {
          interactorStopReason ??= `the interactor did not exit within ${EXIT_GRACE_MS} ms after the program ended`;
          interactorStop.abort();
        }, EXIT_GRACE_MS),
      );
      return result;
    });
    const interactorEnded = started.result.then((result) => {
      interactorDone = true;
      programRun.end();
      timers.push(
        setTimeout(() => {
          programStopReason ??= 'grace';
          programStop.abort();
        }, EXIT_GRACE_MS),
      );
      return result;
    });
    let programResult: RunResult;
    let interactorResult: RunResult;
    try {
      [programResult, interactorResult] = await Promise.all([programEnded, interactorEnded]);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
    }

    const interactorVerdict = interactorVerdictOf(
      interactorResult,
      interactorResult.status === 'cancelled' ? interactorStopReason : undefined,
      kattis ? (interactor.readFile(`${FEEDBACK_DIR}/judgemessage.txt`)?.toString('utf8') ?? '') : undefined,
    );
    // Only a stop that really ended the program counts; one that came after it exited did nothing.
    const programStopUsed = programResult.status === 'cancelled' ? programStopReason : undefined;
    const verdict = decideInteraction({
      program: { status: programResult.status, reason: programResult.reason },
      programStop: programStopUsed,
      interactor: interactorVerdict,
      programEndedFirst,
      cancelled: signal?.aborted ?? false,
    });
    if (verdict.status === 'internal_error' && verdict.detail === undefined && programResult.message) {
      verdict.detail = programResult.message;
    }
    const decided = programOutcome(programResult, programStopUsed);
    this.#transcriptBudget -= toInteractor.keptBytes + toProgram.keptBytes;
    const transcript: Transcript = { toInteractor: toInteractor.text(), toProgram: toProgram.text() };
    if (toInteractor.truncated || toProgram.truncated) transcript.truncated = true;
    return {
      run: { ...programResult, status: decided.status, reason: decided.reason },
      verdict,
      transcript,
    };
  }
}

/**
 * The interactor's run read testlib's way, its report from stderr (its stdout was the
 * conversation); or, given its judge message (a Kattis validator's), read the Kattis way.
 */
function interactorVerdictOf(
  run: RunResult,
  stoppedBecause: string | undefined,
  judgeMessage: string | undefined,
): CheckerVerdict {
  const stderr = run.stderr.toString('utf8');
  if (stoppedBecause !== undefined) {
    return {
      kind: 'failed',
      reason: stoppedBecause,
      report: (judgeMessage ?? '').trim() || stderr.trim() || undefined,
    };
  }
  const seen = { status: run.status, exitCode: run.exitCode, stdout: '', stderr };
  const verdict =
    judgeMessage === undefined ? readCheckerRun(seen) : readKattisValidatorRun(seen, judgeMessage);
  if (verdict.kind !== 'failed') return verdict;
  return { ...verdict, reason: verdict.reason.replace(/^the (checker|output validator)/, 'the interactor') };
}
