/**
 * The attributes of a Judge0 submission: which exist (in the order Judge0 lists them for
 * `fields=*`), which are sent by default, which are text (base64-encoded on request), and the
 * request attributes Arbiter keeps with each submission so it can echo them.
 */

import type { Judge0Limits } from './settings.js';

/** Every attribute, in Judge0's order. */
export const ALL_FIELDS = [
  'source_code',
  'language_id',
  'stdin',
  'expected_output',
  'stdout',
  'status_id',
  'created_at',
  'finished_at',
  'time',
  'memory',
  'stderr',
  'token',
  'number_of_runs',
  'cpu_time_limit',
  'cpu_extra_time',
  'wall_time_limit',
  'memory_limit',
  'stack_limit',
  'max_processes_and_or_threads',
  'enable_per_process_and_thread_time_limit',
  'enable_per_process_and_thread_memory_limit',
  'max_file_size',
  'compile_output',
  'exit_code',
  'exit_signal',
  'message',
  'wall_time',
  'compiler_options',
  'command_line_arguments',
  'redirect_stderr_to_stdout',
  'callback_url',
  'additional_files',
  'enable_network',
  'status',
  'language',
] as const;
export type Judge0Field = (typeof ALL_FIELDS)[number];

/** What GET /submissions/:token answers without `fields`. */
export const DEFAULT_FIELDS: readonly Judge0Field[] = [
  'stdout',
  'time',
  'memory',
  'stderr',
  'token',
  'compile_output',
  'message',
  'status',
];

/** Text attributes: base64-encoded in answers when base64_encoded=true. */
export const TEXT_FIELDS: ReadonlySet<Judge0Field> = new Set([
  'source_code',
  'stdin',
  'expected_output',
  'stdout',
  'stderr',
  'compile_output',
  'message',
]);

/** Request attributes sent base64-encoded when base64_encoded=true. */
export const ENCODED_INPUT_FIELDS = ['source_code', 'stdin', 'expected_output'] as const;

/**
 * `fields=a,b,c` → those attributes in the order asked; `*` → all; absent or empty → the defaults.
 * Names Judge0 does not have are ignored, as Judge0 does.
 */
export function parseFields(fields: string | undefined): Judge0Field[] {
  if (fields === undefined || fields.trim() === '') return [...DEFAULT_FIELDS];
  const asked = fields.split(',').map((f) => f.trim());
  if (asked.includes('*')) return [...ALL_FIELDS];
  const known = new Set<string>(ALL_FIELDS);
  return [...new Set(asked.filter((f): f is Judge0Field => known.has(f)))];
}

/**
 * A submission's request in Judge0's terms, as it was accepted (defaults filled in), kept with the
 * submission so GET can echo it. Texts are stored decoded; the limits are Judge0Limits'.
 */
export interface Judge0Echo extends Judge0Limits {
  language_id: number;
  source_code: string | null;
  /** An Executable's (id 44) program as sent, base64, when its bytes are not UTF-8 text (a binary). */
  source_code_base64?: string;
  stdin: string | null;
  expected_output: string | null;
  compiler_options: string | null;
  command_line_arguments: string | null;
  enable_per_process_and_thread_time_limit: boolean;
  enable_per_process_and_thread_memory_limit: boolean;
  redirect_stderr_to_stdout: boolean;
  enable_network: boolean;
  /** The archive as sent, base64 without line breaks. */
  additional_files: string | null;
  /**
   * As sent. Stored as null: the submission's `callback` holds it (migration 5 moved older ones
   * there); answers show that.
   */
  callback_url: string | null;
  /** Multi-file programs: the line the wrapper prints before the output of a failed compile. */
  compile_error_marker?: string;
}

/** Where the echo lives in the stored request's `compat`. */
export const ECHO_KEY = 'judge0';
