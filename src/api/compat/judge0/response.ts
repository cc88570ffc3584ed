/**
 * An Arbiter submission → Judge0's submission object. Pure: the routes pass the record, the fields
 * asked for and whether to base64-encode.
 *
 * Status rules (docs/compat.md explains each):
 * - runtime_error: by signal — SIGSEGV 7, SIGXFSZ 8, SIGFPE 9, SIGABRT 10, any other 12 — else a
 *   non-zero exit is NZEC 11.
 * - memory_limit_exceeded: Runtime Error (Other), 12, signal 9: Judge0 CE limits memory with a cgroup
 *   by default, whose OOM killer ends the program with SIGKILL.
 * - output_limit_exceeded: Runtime Error (SIGXFSZ), 8: Judge0 writes output to files capped by
 *   max_file_size, so too much output ends in SIGXFSZ.
 * - any run whose CPU time passed cpu_time_limit is Time Limit Exceeded, 5, even when it finished
 *   within the extra time (isolate reports the real time and still says the limit was exceeded).
 * - cancelled (DELETE, or a queue timeout) and internal_error: Internal Error, 13, with the reason
 *   in `message`. Exec Format Error, 14, is never produced.
 */
import { stageBytes } from '../../../judge/stage.js';
import type { StageResult } from '../../../judge/types.js';
import type { SubmissionRecord } from '../../../store/types.js';
import { encodeBase64Lines } from './base64.js';
import { ECHO_KEY, TEXT_FIELDS, type Judge0Echo, type Judge0Field } from './fields.js';
import type { Judge0Language } from './languages.js';
import { failedCompileOutput } from './multi-file.js';
import { SIGNALS, STATUS, judge0Status, runtimeErrorStatus } from './statuses.js';

/** What a run came to, in Judge0's terms, before fields are picked and encoded. */
export interface Judge0Outcome {
  statusId: number;
  /** Text, or the exact bytes when the program's output is not UTF-8. */
  stdout: Judge0Text | null;
  stderr: Judge0Text | null;
  compileOutput: Judge0Text | null;
  message: string | null;
  exitCode: number | null;
  exitSignal: number | null;
  /** CPU seconds. */
  time: number | null;
  wallTime: number | null;
  /** KB. */
  memory: number | null;
}

export interface RenderOptions {
  fields: readonly Judge0Field[];
  base64: boolean;
  /** Base64 as one unbroken string instead of Judge0's 60-character lines (judge0StrictBase64). */
  strictBase64?: boolean;
  /** Every Judge0 language (names for `language`, the echo of a submission made through /api/v1). */
  languages: readonly Judge0Language[];
}

export type Rendered = { body: Record<string, unknown> } | { notUtf8: true };

/** Judge0's answer to a request whose output is not UTF-8 and that did not ask for base64. */
export const NOT_UTF8_MESSAGE =
  'some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter';
export const NOT_UTF8_BATCH_MESSAGE =
  'some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter';

/** Output as Judge0 fields carry it: text, or a Buffer of bytes that are not UTF-8. */
export type Judge0Text = string | Buffer;

const orNull = (text: string | undefined | null): string | null => (text ? text : null);

/** A stream of a stage: its text, or its exact bytes when they are not UTF-8; null when empty. */
function output(
  stage: Partial<Pick<StageResult, 'stdout' | 'stderr' | 'stdoutBase64' | 'stderrBase64'>>,
  stream: 'stdout' | 'stderr',
): Judge0Text | null {
  const exact = stream === 'stdout' ? stage.stdoutBase64 : stage.stderrBase64;
  return exact === undefined ? orNull(stage[stream]) : stageBytes(stage, stream);
}

/** Two outputs one after the other, as bytes when either is bytes. */
function joined(a: Judge0Text | null, b: Judge0Text | null): Judge0Text | null {
  if (a === null || b === null) return a ?? b;
  return typeof a === 'string' && typeof b === 'string'
    ? a + b
    : Buffer.concat([Buffer.from(a), Buffer.from(b)]);
}
const EMPTY: Omit<Judge0Outcome, 'statusId'> = {
  stdout: null,
  stderr: null,
  compileOutput: null,
  message: null,
  exitCode: null,
  exitSignal: null,
  time: null,
  wallTime: null,
  memory: null,
};

export function outcomeOf(record: SubmissionRecord, echo: Judge0Echo): Judge0Outcome {
  if (record.status === 'queued') return { statusId: STATUS.IN_QUEUE, ...EMPTY };
  if (record.status === 'running') return { statusId: STATUS.PROCESSING, ...EMPTY };
  const result = record.result;
  if (!result) return { statusId: STATUS.INTERNAL_ERROR, ...EMPTY, message: 'the submission has no result' };
  const compile = result.compile;
  const compileOutput = compile ? joined(output(compile, 'stdout'), output(compile, 'stderr')) : null;

  if (record.status === 'compilation_error') {
    const message = compile?.status === 'time_limit_exceeded' ? 'Compilation time limit exceeded' : null;
    return { statusId: STATUS.COMPILATION_ERROR, ...EMPTY, compileOutput, message };
  }

  const run = runOf(result);
  const outcome: Judge0Outcome = { statusId: STATUS.ACCEPTED, ...EMPTY, compileOutput, ...run };
  if (record.status === 'cancelled' || record.status === 'internal_error') {
    return { ...outcome, statusId: STATUS.INTERNAL_ERROR, message: result.message ?? record.status };
  }

  const compileFailure = failedCompileOutput(String(outcome.stdout ?? ''), echo.compile_error_marker);
  if (compileFailure !== null) {
    return { statusId: STATUS.COMPILATION_ERROR, ...EMPTY, compileOutput: orNull(compileFailure) };
  }

  switch (record.status) {
    case 'accepted':
      break;
    case 'wrong_answer':
      outcome.statusId = STATUS.WRONG_ANSWER;
      break;
    case 'time_limit_exceeded':
      outcome.statusId = STATUS.TIME_LIMIT_EXCEEDED;
      outcome.message = 'Time limit exceeded';
      break;
    case 'memory_limit_exceeded':
      outcome.statusId = STATUS.OTHER;
      outcome.exitSignal ??= SIGNALS.SIGKILL;
      outcome.message = 'Memory limit exceeded';
      break;
    case 'output_limit_exceeded':
      outcome.statusId = STATUS.SIGXFSZ;
      outcome.exitSignal = SIGNALS.SIGXFSZ;
      outcome.message = 'Output limit exceeded (max_file_size)';
      break;
    case 'runtime_error':
      outcome.statusId = runtimeErrorStatus(outcome.exitSignal, outcome.exitCode);
      outcome.message = outcome.exitSignal
        ? `Caught fatal signal ${outcome.exitSignal}`
        : `Exited with error status ${outcome.exitCode ?? 'unknown'}`;
      break;
  }
  if (outcome.time !== null && outcome.time * 1000 > Math.round(echo.cpu_time_limit * 1000)) {
    outcome.statusId = STATUS.TIME_LIMIT_EXCEEDED;
    outcome.message = 'Time limit exceeded';
  }
  return outcome;
}

/** Output, exit and the (average, over number_of_runs) time and memory of the run Judge0 would show. */
function runOf(result: NonNullable<SubmissionRecord['result']>): Partial<Judge0Outcome> {
  const tests = result.tests;
  if (tests.length === 0) return result.run ? fromStage(result.run) : {};
  const failed = tests.some((t) => t.status !== 'accepted');
  const first = tests[0]!;
  const shown =
    failed && result.run
      ? fromStage(result.run)
      : {
          stdout: output(first, 'stdout'),
          stderr: output(first, 'stderr'),
          exitCode: first.exitCode ?? null,
          exitSignal: null,
        };
  // Tests skipped on a problem with test groups did not run: they are in no average.
  const ran = tests.filter((t) => t.status !== 'skipped');
  const average = (pick: (t: (typeof tests)[number]) => number) =>
    ran.length === 0 ? 0 : ran.reduce((sum, t) => sum + pick(t), 0) / ran.length;
  // A test a student sees by its verdict only has no memory figure; none shown then.
  const measured = ran.length > 0 && ran.every((t) => t.memoryKb !== undefined);
  return {
    ...shown,
    time: average((t) => t.cpuMs) / 1000,
    wallTime: average((t) => t.wallMs) / 1000,
    memory: measured ? Math.round(average((t) => t.memoryKb!)) : null,
  };
}

function fromStage(stage: StageResult): Partial<Judge0Outcome> {
  return {
    stdout: output(stage, 'stdout'),
    stderr: output(stage, 'stderr'),
    exitCode: stage.exitCode,
    exitSignal: stage.signal || null,
    time: stage.cpuMs / 1000,
    wallTime: stage.wallMs / 1000,
    memory: Math.round(stage.memoryKb),
  };
}

/** Seconds as Judge0 prints them: a decimal string, at most 3 places, at least one ("2.0", "0.012"). */
export function decimalString(seconds: number): string {
  const text = String(Number(seconds.toFixed(3)));
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The Judge0 request kept with the submission, or one read back from a native submission's request. */
export function echoOf(record: SubmissionRecord, languages: readonly Judge0Language[]): Judge0Echo {
  const kept = record.request.compat?.[ECHO_KEY] as Judge0Echo | undefined;
  if (kept) return kept;
  const language = languages.find((l) => !l.multiFile && l.definition.id === record.language);
  const { request } = record;
  const test = request.tests?.[0];
  return {
    language_id: language?.id ?? 0,
    source_code: request.files.find((f) => f.name === language?.definition.sourceFile)?.content ?? null,
    stdin: request.stdin ?? test?.stdin ?? null,
    expected_output: test?.expected ?? null,
    compiler_options: request.compilerOptions?.join(' ') ?? null,
    command_line_arguments: request.args?.join(' ') ?? null,
    cpu_time_limit: request.limits.cpuMs / 1000,
    cpu_extra_time: 0,
    wall_time_limit: request.limits.wallMs / 1000,
    memory_limit: request.limits.memoryKb,
    stack_limit: request.limits.stackKb,
    max_processes_and_or_threads: request.limits.pids,
    enable_per_process_and_thread_time_limit: false,
    enable_per_process_and_thread_memory_limit: false,
    max_file_size: request.limits.fileSizeKb,
    redirect_stderr_to_stdout: request.mergeStderr ?? false,
    enable_network: false,
    number_of_runs: 1,
    additional_files: null,
    callback_url: record.callback?.url ?? null,
  };
}

/** The submission as Judge0 shows it, with `fields` picked; notUtf8 when plain text cannot carry it. */
export function renderSubmission(record: SubmissionRecord, options: RenderOptions): Rendered {
  const echo = echoOf(record, options.languages);
  const outcome = outcomeOf(record, echo);
  const status = judge0Status(outcome.statusId);
  const languageName = options.languages.find((l) => l.id === echo.language_id)?.name ?? null;
  const decimal = (n: number | null) => (n === null ? null : decimalString(n));

  const values: Record<Judge0Field, unknown> = {
    source_code:
      echo.source_code_base64 === undefined
        ? echo.source_code
        : Buffer.from(echo.source_code_base64, 'base64'),
    language_id: echo.language_id,
    stdin: echo.stdin,
    expected_output: echo.expected_output,
    stdout: outcome.stdout,
    status_id: status.id,
    created_at: iso(record.createdAt),
    finished_at: iso(record.finishedAt),
    time: decimal(outcome.time),
    memory: outcome.memory,
    stderr: outcome.stderr,
    token: record.id,
    number_of_runs: echo.number_of_runs,
    cpu_time_limit: decimalString(echo.cpu_time_limit),
    cpu_extra_time: decimalString(echo.cpu_extra_time),
    wall_time_limit: decimalString(echo.wall_time_limit),
    memory_limit: echo.memory_limit,
    stack_limit: echo.stack_limit,
    max_processes_and_or_threads: echo.max_processes_and_or_threads,
    enable_per_process_and_thread_time_limit: echo.enable_per_process_and_thread_time_limit,
    enable_per_process_and_thread_memory_limit: echo.enable_per_process_and_thread_memory_limit,
    max_file_size: echo.max_file_size,
    compile_output: outcome.compileOutput,
    exit_code: outcome.exitCode,
    exit_signal: outcome.exitSignal,
    message: outcome.message,
    wall_time: decimal(outcome.wallTime),
    compiler_options: echo.compiler_options,
    command_line_arguments: echo.command_line_arguments,
    redirect_stderr_to_stdout: echo.redirect_stderr_to_stdout,
    callback_url: record.callback?.url ?? null,
    additional_files: echo.additional_files,
    enable_network: echo.enable_network,
    status: { id: status.id, description: status.description },
    language: { id: echo.language_id, name: languageName },
  };

  const body: Record<string, unknown> = {};
  for (const field of options.fields) {
    const value = values[field];
    if (TEXT_FIELDS.has(field) && (typeof value === 'string' || Buffer.isBuffer(value))) {
      // Bytes that are not UTF-8 go out exactly in base64; as plain text Judge0 refuses them.
      if (options.base64) body[field] = encodeBase64Lines(value, options.strictBase64);
      else if (Buffer.isBuffer(value)) return { notUtf8: true };
      else body[field] = value;
    } else {
      body[field] = value;
    }
  }
  return { body };
}
