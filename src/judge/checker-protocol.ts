/**
 * How a custom checker's run is read: testlib's protocol, which contest problems (Polygon,
 * Codeforces, most olympiads) already use, and which Arbiter's earlier "exit 0 or 1, message on
 * stdout" checkers are a case of.
 *
 * The checker runs as `checker input.txt output.txt expected.txt` (testlib's order: the test's
 * input, the contestant's output, the expected answer), with the same three files in its working
 * directory. Its exit code is the verdict:
 *
 * | exit | testlib   | Arbiter                                                          |
 * |------|-----------|------------------------------------------------------------------|
 * | 0    | _ok       | accepted                                                         |
 * | 1    | _wa       | wrong_answer                                                     |
 * | 2    | _pe       | wrong_answer (Arbiter has no presentation error; the report says) |
 * | 3    | _fail     | internal_error: the checker found the test or itself at fault     |
 * | 4    | _dirt     | wrong_answer (extra output; testlib normally reports it as 2)    |
 * | 7    | _points   | partial points: the share (0 to 1) is read from the report       |
 * | 8    | unexpected EOF (testlib built with ENABLE_UNEXPECTED_EOF) | wrong_answer       |
 * | else | -         | internal_error                                                   |
 *
 * The report is what the checker printed on stdout, or, when that is empty, on stderr (where
 * testlib writes "ok …", "wrong answer …", "points 0.5 …"). With exit 7 it starts with the share,
 * optionally after the word "points" (testlib's quitp prints "points <value> <message>"); the rest
 * is the message. A share outside 0 to 1, or none, is the checker's fault: internal_error.
 */

/** Characters of a checker's report kept as a test's message. */
export const CHECKER_MESSAGE_CHARS = 1000;

/** What a checker's run decided. */
export type CheckerVerdict =
  | { kind: 'accepted'; message?: string }
  | { kind: 'wrong_answer'; message?: string }
  | { kind: 'partial'; share: number; message?: string }
  /** The checker failed (crashed, hit a limit, reported _fail, gave an unreadable share). */
  | { kind: 'failed'; reason: string; report?: string };

/** The part of a sandbox run the protocol reads. */
export interface CheckerRun {
  status: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const WRONG_ANSWER_EXITS = new Set([1, 2, 4, 8]);
const FAIL_EXIT = 3;
const POINTS_EXIT = 7;
/** "points 0.25 rest" or "0.25 rest": the share as a plain decimal, then the message. */
const POINTS_REPORT = /^(?:points\s+)?([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\s+([\s\S]*))?$/;

/** Reads one checker run. Never throws: whatever the checker did is a verdict. */
export function readCheckerRun(run: CheckerRun): CheckerVerdict {
  const report = (run.stdout.trim() || run.stderr.trim()).slice(0, CHECKER_MESSAGE_CHARS);
  const message = report || undefined;
  if (run.status === 'accepted') return { kind: 'accepted', message };
  if (run.status !== 'runtime_error' || run.exitCode === null) {
    return { kind: 'failed', reason: `the checker failed (${run.status})`, report: message };
  }
  if (WRONG_ANSWER_EXITS.has(run.exitCode)) return { kind: 'wrong_answer', message };
  if (run.exitCode === FAIL_EXIT) {
    return { kind: 'failed', reason: 'the checker reported a failure (exit 3)', report: message };
  }
  if (run.exitCode === POINTS_EXIT) {
    const match = POINTS_REPORT.exec(report);
    const share = match ? Number(match[1]) : Number.NaN;
    if (!(share >= 0 && share <= 1)) {
      return {
        kind: 'failed',
        reason: 'the checker gave partial points (exit 7) without a share from 0 to 1 in its report',
        report: message,
      };
    }
    const rest = match![2]?.trim();
    if (share === 1) return { kind: 'accepted', message: rest || undefined };
    return { kind: 'partial', share, message: rest || undefined };
  }
  return { kind: 'failed', reason: `the checker failed (exit ${run.exitCode})`, report: message };
}

/**
 * The Kattis output validator's protocol (the problem package format's): the validator runs as
 * `validator input answer feedback_dir < output` and exits 42 for accepted, 43 for wrong answer;
 * anything else (a crash, a limit, another exit code) is the validator's failure. Its message for
 * the judges is feedback_dir/judgemessage.txt; when that is empty, its stdout, else its stderr.
 */
export const KATTIS_ACCEPTED_EXIT = 42;
export const KATTIS_WRONG_ANSWER_EXIT = 43;

/** Reads one Kattis validator run; `judgeMessage` is feedback/judgemessage.txt's text, if any. Never throws. */
export function readKattisValidatorRun(run: CheckerRun, judgeMessage?: string): CheckerVerdict {
  const report = (judgeMessage?.trim() || run.stdout.trim() || run.stderr.trim()).slice(
    0,
    CHECKER_MESSAGE_CHARS,
  );
  const message = report || undefined;
  // A non-zero exit is the sandbox's runtime_error; anything else (a limit hit) is not a verdict.
  if (run.status === 'runtime_error' && run.exitCode === KATTIS_ACCEPTED_EXIT)
    return { kind: 'accepted', message };
  if (run.status === 'runtime_error' && run.exitCode === KATTIS_WRONG_ANSWER_EXIT) {
    return { kind: 'wrong_answer', message };
  }
  const how = run.exitCode === null || run.status !== 'runtime_error' ? run.status : `exit ${run.exitCode}`;
  return {
    kind: 'failed',
    reason: `the output validator failed (${how}; it must exit 42 or 43)`,
    report: message,
  };
}
