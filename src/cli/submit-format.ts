import type { StageResult, Submission } from './submit-connection.js';
import type { RunResult } from '../sandbox/run-spec.js';
import { stageBytes } from '../judge/stage.js';
import { formatMs, verdictLine } from './format.js';

/** A stage of a remote result in the shape verdictLine() reads (the local RunResult). */
export function stageAsRunResult(stage: StageResult): RunResult {
  const result: RunResult = {
    status: stage.status,
    reason: stage.reason ?? null,
    exitCode: stage.exitCode,
    signal: stage.signal,
    // The program's own bytes where the text could not carry them.
    stdout: stageBytes(stage, 'stdout'),
    stderr: stageBytes(stage, 'stderr'),
    stdoutTruncated: stage.stdoutTruncated ?? false,
    stderrTruncated: stage.stderrTruncated ?? false,
    cpuMs: stage.cpuMs,
    wallMs: stage.wallMs,
    memoryKb: stage.memoryKb,
    limitsHit: [],
  };
  if (stage.message !== undefined) result.message = stage.message;
  return result;
}

/** The one verdict line of `arbiter run`, plus the score when the submission was judged. */
export function remoteVerdictLine(submission: Submission): string {
  const stage = submission.run ?? submission.compile;
  const parts = [verdictLine(submission.status, stage ? stageAsRunResult(stage) : undefined)];
  if (submission.maxScore !== null) {
    const passed = submission.tests.filter((t) => t.status === 'accepted').length;
    parts.push(
      `tests ${passed}/${submission.tests.length}`,
      `score ${submission.score ?? 0}/${submission.maxScore}`,
    );
  }
  if (submission.message && !stage?.message) parts.push(submission.message);
  return parts.join(' · ');
}

/** A stage's output as printed: the local run's bytes, or a remote result's text. */
interface PrintedStage {
  stdout: string | Uint8Array;
  stderr: string | Uint8Array;
  stdoutTruncated?: boolean;
}

/**
 * The program's part of `arbiter run`'s and `arbiter submit`'s output: the compiler's output on a
 * compile error (on stderr), then the run's stdout and stderr, each to its own stream.
 */
export function writeOutputs(result: { status: string; compile?: PrintedStage; run?: PrintedStage }): void {
  if (result.compile && result.status === 'compilation_error') {
    process.stderr.write(result.compile.stdout);
    process.stderr.write(result.compile.stderr);
  }
  if (result.run) {
    process.stdout.write(result.run.stdout);
    process.stderr.write(result.run.stderr);
    if (result.run.stdoutTruncated) process.stderr.write('\n[stdout truncated at the output limit]\n');
  }
}

/**
 * Writes a finished submission as `arbiter run` does: the compiler's output on a compile error,
 * the program's stdout and stderr, then the verdict line on stderr headed by `label`.
 */
export function printResult(submission: Submission, label: string): void {
  writeOutputs(submission);
  const failure = firstFailure(submission);
  if (failure) process.stderr.write(`\n${failure}`);
  process.stderr.write(`\n${label} [${submission.language}]: ${remoteVerdictLine(submission)}\n`);
}

/**
 * The first judged test that did not pass, with what the checker or interactor said of it: the
 * one place an interactive test (whose output is a conversation, never returned) or an output-only
 * one ("no output: … 2.out") says why. Undefined when every judged test passed.
 */
export function firstFailure(submission: Submission): string | undefined {
  const index = submission.tests.findIndex((t) => t.status !== 'accepted' && t.status !== 'skipped');
  const test = submission.tests[index];
  if (!test) return undefined;
  const name = test.name === undefined ? '' : ` (${test.name})`;
  const parts = [`test ${index + 1}${name}: ${test.status}`];
  if (test.fraction !== undefined) parts.push(`${test.fraction} of its points`);
  if (test.message) parts.push(test.message);
  return parts.join(' · ');
}

/** `arbiter status`: the submission as label/value rows. */
export function statusRows(submission: Submission): string[][] {
  const rows: string[][] = [
    ['id', submission.id],
    ['status', submission.status],
    ['language', [submission.language, submission.version].filter(Boolean).join(' ')],
  ];
  if (submission.problemId) rows.push(['problem', submission.problemId]);
  if (submission.user !== undefined) rows.push(['user', submission.user]);
  if (submission.position !== undefined) rows.push(['position', `${submission.position} (0 runs next)`]);
  rows.push(['created', submission.createdAt]);
  if (submission.queueMs !== null) rows.push(['waited', formatMs(submission.queueMs)]);
  if (submission.startedAt && submission.finishedAt)
    rows.push(['took', formatMs(Date.parse(submission.finishedAt) - Date.parse(submission.startedAt))]);
  if (submission.compile)
    rows.push(['compile', verdictLine(submission.compile.status, stageAsRunResult(submission.compile))]);
  if (submission.run)
    rows.push(['run', verdictLine(submission.run.status, stageAsRunResult(submission.run))]);
  if (submission.maxScore !== null) {
    const passed = submission.tests.filter((t) => t.status === 'accepted').length;
    const skipped = submission.tests.filter((t) => t.status === 'skipped').length;
    rows.push([
      'tests',
      `${passed}/${submission.tests.length} passed${skipped ? ` (${skipped} skipped)` : ''} · score ${submission.score ?? 0}/${submission.maxScore}`,
    ]);
  }
  // A problem with test groups: each group's points, as its score is what a contestant is given.
  for (const group of submission.groups ?? []) {
    const status = group.status ? ` · ${group.status}` : '';
    rows.push([`group ${group.id}`, `${group.score}/${group.points}${status}`]);
  }
  const failure = firstFailure(submission);
  if (failure) rows.push(['first failed', failure]);
  // The first visible wrong answer's difference, as one line: the editor shows the lines around it.
  const index = submission.tests.findIndex((t) => t.diff !== undefined);
  const diff = submission.tests[index]?.diff;
  if (diff) {
    const at = diff.line - diff.from;
    const side = (lines: string[]) => (at < lines.length ? JSON.stringify(lines[at]) : 'nothing (it ended)');
    rows.push([
      'diff',
      `test ${index + 1}, line ${diff.line}: expected ${side(diff.expected)}, got ${side(diff.actual)}`,
    ]);
  }
  if (submission.message) rows.push(['message', submission.message]);
  return rows;
}
