/**
 * Judge0's configuration variables (GET /config_info) with this server's values. Limits that Arbiter
 * has too come from the server's own defaults and maxima, so one setting governs both APIs; knobs
 * only Judge0 has keep the defaults Judge0 CE documents.
 */
import type { ArbiterConfig } from '../../../config.js';
import type { RunLimits } from '../../../sandbox/limits.js';

/** Judge0's documented default and maximum of cpu_extra_time, in seconds. */
const CPU_EXTRA_TIME = { default: 0.5, max: 5 };
/** Judge0's documented default and maximum of number_of_runs. */
const NUMBER_OF_RUNS = { default: 1, max: 20 };
/** Judge0's documented batch size: submissions created or fetched in one request. */
const MAX_BATCH_SIZE = 20;
/** Judge0's documented cap on what additional_files may unpack to, in KB. */
const MAX_EXTRACT_KB = 10_240;
/** Judge0's documented maximum length of compiler_options and command_line_arguments. */
const MAX_OPTION_CHARS = 512;
/** Judge0's documented callback retries and per-attempt timeout. */
const CALLBACKS = { maxTries: 3, timeoutSeconds: 5 };

/** The per-submission configuration variables, in Judge0's units (seconds, kilobytes). */
export interface Judge0Limits {
  cpu_time_limit: number;
  cpu_extra_time: number;
  wall_time_limit: number;
  memory_limit: number;
  stack_limit: number;
  max_processes_and_or_threads: number;
  max_file_size: number;
  number_of_runs: number;
}

export interface Judge0Settings {
  defaults: Judge0Limits;
  max: Judge0Limits;
  maxQueueSize: number;
  maxBatchSize: number;
  maxExtractKb: number;
  maxOptionChars: number;
  callbacks: { maxTries: number; timeoutSeconds: number };
  /** Answer base64 unbroken instead of in Judge0's lines (config judge0StrictBase64). */
  strictBase64: boolean;
}

/** Arbiter's run limits in Judge0's names and units; the two Judge0-only settings at `which` bound. */
function judge0Limits(l: RunLimits, which: 'default' | 'max'): Judge0Limits {
  return {
    cpu_time_limit: l.cpuMs / 1000,
    cpu_extra_time: CPU_EXTRA_TIME[which],
    wall_time_limit: l.wallMs / 1000,
    memory_limit: l.memoryKb,
    stack_limit: l.stackKb,
    max_processes_and_or_threads: l.pids,
    // Judge0 writes the program's output to files, so one size bounds files and output alike.
    max_file_size: Math.min(l.fileSizeKb, l.outputKb),
    number_of_runs: NUMBER_OF_RUNS[which],
  };
}

export function judge0Settings(
  config: Pick<ArbiterConfig, 'defaultLimits' | 'maxLimits' | 'maxQueueLength'> &
    Partial<Pick<ArbiterConfig, 'judge0StrictBase64'>>,
): Judge0Settings {
  return {
    defaults: judge0Limits(config.defaultLimits, 'default'),
    max: judge0Limits(config.maxLimits, 'max'),
    maxQueueSize: config.maxQueueLength,
    maxBatchSize: MAX_BATCH_SIZE,
    maxExtractKb: MAX_EXTRACT_KB,
    maxOptionChars: MAX_OPTION_CHARS,
    callbacks: CALLBACKS,
    strictBase64: config.judge0StrictBase64 ?? false,
  };
}

/** GET /config_info: Judge0's keys, this server's values. */
export function configInfo(settings: Judge0Settings) {
  const { defaults: d, max: m } = settings;
  return {
    maintenance_mode: false,
    enable_wait_result: true,
    enable_compiler_options: true,
    allowed_languages_for_compile_options: [],
    enable_command_line_arguments: true,
    enable_submission_delete: true,
    enable_callbacks: true,
    callbacks_max_tries: settings.callbacks.maxTries,
    callbacks_timeout: settings.callbacks.timeoutSeconds,
    enable_additional_files: true,
    max_queue_size: settings.maxQueueSize,
    cpu_time_limit: d.cpu_time_limit,
    max_cpu_time_limit: m.cpu_time_limit,
    cpu_extra_time: d.cpu_extra_time,
    max_cpu_extra_time: m.cpu_extra_time,
    wall_time_limit: d.wall_time_limit,
    max_wall_time_limit: m.wall_time_limit,
    memory_limit: d.memory_limit,
    max_memory_limit: m.memory_limit,
    stack_limit: d.stack_limit,
    max_stack_limit: m.stack_limit,
    max_processes_and_or_threads: d.max_processes_and_or_threads,
    max_max_processes_and_or_threads: m.max_processes_and_or_threads,
    // Arbiter limits the whole process tree; a per-process request is accepted and met by the
    // tree-wide limit, which is never looser (docs/compat.md).
    enable_per_process_and_thread_time_limit: false,
    allow_enable_per_process_and_thread_time_limit: true,
    enable_per_process_and_thread_memory_limit: false,
    allow_enable_per_process_and_thread_memory_limit: true,
    max_file_size: d.max_file_size,
    max_max_file_size: m.max_file_size,
    number_of_runs: d.number_of_runs,
    max_number_of_runs: m.number_of_runs,
    redirect_stderr_to_stdout: false,
    max_extract_size: settings.maxExtractKb,
    enable_batched_submissions: true,
    max_submission_batch_size: settings.maxBatchSize,
    // The sandbox has no network (loopback only); a request for it is refused.
    allow_enable_network: false,
    enable_network: false,
    submission_cache_duration: 0,
    use_docs_as_homepage: false,
    disable_implicit_base64_encoding: false,
  };
}
