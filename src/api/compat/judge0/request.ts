/**
 * A Judge0 submission request → Arbiter's SubmissionInput, or Judge0's 422 answer: field → messages.
 * Pure: the callback URL's network check and the submit itself happen in the routes.
 *
 * Mapping (docs/compat.md has the full table):
 * - cpu_time_limit + cpu_extra_time → limits.cpuMs (the program is killed only past both; the
 *   answer still reports Time Limit Exceeded once its time passes cpu_time_limit, as Judge0 does);
 *   wall_time_limit → wallMs; memory_limit → memoryKb; stack_limit → stackKb;
 *   max_processes_and_or_threads → pids; max_file_size → fileSizeKb and outputKb (Judge0's output
 *   goes to files, so one size bounds both).
 * - expected_output, or number_of_runs > 1 → that many identical tests, stopping at the first failure.
 * - compiler_options, command_line_arguments → argv words (split like a shell, never run by one).
 * - additional_files → files beside the source; language 89 → the multi-file wrapper on Bash.
 */
import { isUtf8 } from 'node:buffer';
import type { SubmissionInput } from '../../../service/submission-request.js';
import type { FileInput } from '../../../service/normalize.js';
import { extractZip, type ExtractedFile } from './additional-files.js';
import { decodeBase64Bytes } from './base64.js';
import { ECHO_KEY, type Judge0Echo } from './fields.js';
import type { Judge0Language } from './languages.js';
import { multiFileProgram } from './multi-file.js';
import type { Judge0Limits, Judge0Settings } from './settings.js';
import { splitShellWords } from './shell-words.js';
import { unavailableByJudge0Id, unavailableMessage } from '../../../languages/unavailable.js';

/** Judge0's 422 body: each attribute with what is wrong with it. */
export type FieldErrors = Record<string, string[]>;

export interface TranslateContext {
  /** The request's base64_encoded: source_code, stdin and expected_output arrive encoded. */
  base64: boolean;
  settings: Judge0Settings;
  /** Every Judge0 id this server knows, installed or not. */
  languages: readonly Judge0Language[];
  /** A fresh secret line for a multi-file program's failed compile (see multi-file.ts). */
  marker: string;
}

export type Translation = { input: SubmissionInput; echo: Judge0Echo } | { errors: FieldErrors };

const CANT_BE_BLANK = "can't be blank";

/** A lone UTF-16 surrogate: JSON can carry one, UTF-8 cannot (it would be replaced by U+FFFD). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Judge0's Executable: the program sent is run as it is (see translateSubmission). */
const EXECUTABLE_LANGUAGE = 'executable';

/**
 * Judge0's SQL language runs the script against `db.sqlite` when additional_files has one (its run
 * command pipes script.sql into `sqlite3 db.sqlite`). Arbiter's SQL language runs main.sql on an
 * in-memory database, so with a db.sqlite the script is saved as script.sql, Judge0's name, and
 * main.sql becomes two sqlite3 dot-commands that open db.sqlite and read it (error lines still
 * count from the script's first line).
 */
const SQL_LANGUAGE = 'sqlite';
const SQL_DATABASE = 'db.sqlite';
const SQL_SCRIPT = 'script.sql';
const SQL_DRIVER = `.open ${SQL_DATABASE}\n.read ${SQL_SCRIPT}\n`;

type Body = Record<string, unknown>;

class Checker {
  readonly errors: FieldErrors = {};

  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  /** null for absent, null or (for forms) empty; a string for strings, numbers and booleans. */
  text(body: Body, field: string): string | null {
    const value = body[field];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.add(field, 'must be a string');
    return null;
  }

  number(
    body: Body,
    field: string,
    rule: { integer: boolean; min: number; minExclusive?: boolean; max: number },
  ) {
    const value = body[field];
    if (value === undefined || value === null || value === '') return null;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
    if (typeof value === 'boolean' || !Number.isFinite(n)) {
      this.add(field, 'is not a number');
      return null;
    }
    if (rule.integer && !Number.isInteger(n)) {
      this.add(field, 'must be an integer');
      return null;
    }
    if (rule.minExclusive ? n <= rule.min : n < rule.min) {
      this.add(field, `must be greater than ${rule.minExclusive ? '' : 'or equal to '}${rule.min}`);
      return null;
    }
    if (n > rule.max) {
      this.add(field, `must be less than or equal to ${rule.max}`);
      return null;
    }
    return n;
  }

  boolean(body: Body, field: string): boolean | null {
    const value = body[field];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1' || value === 1) return true;
    if (value === 'false' || value === '0' || value === 0) return false;
    this.add(field, 'must be true or false');
    return null;
  }

  /**
   * A text attribute that arrives base64-encoded when the request says so. Arbiter keeps source,
   * stdin and expected output as text: decoded bytes that are not UTF-8 are refused, never replaced.
   */
  /** A base64 field's bytes, whatever they are (an Executable's program). */
  encodedBytes(body: Body, field: string): Buffer | null {
    const raw = this.text(body, field);
    if (raw === null) return null;
    const bytes = decodeBase64Bytes(raw);
    if (!bytes) this.add(field, 'is not valid base64 (the request has base64_encoded=true)');
    return bytes;
  }

  encodedText(body: Body, field: string, base64: boolean): string | null {
    const raw = this.text(body, field);
    if (raw === null) return null;
    if (!base64) {
      if (LONE_SURROGATE.test(raw)) {
        this.add(field, 'is not valid UTF-8 text (it has an unpaired UTF-16 surrogate)');
        return null;
      }
      return raw;
    }
    const bytes = decodeBase64Bytes(raw);
    if (!bytes) {
      this.add(field, 'is not valid base64 (the request has base64_encoded=true)');
      return null;
    }
    if (!isUtf8(bytes)) {
      this.add(field, 'is not UTF-8 text once decoded from base64 (Arbiter keeps it as text)');
      return null;
    }
    return bytes.toString('utf8');
  }
}

/**
 * Judge0's per-submission limits with their rules, in Judge0's units. The lower bounds are Judge0's
 * (its submission model): a wall time of at least 1 s and memory of at least 2048 KB; where Judge0
 * takes 0 (CPU time, stack), Arbiter wants more than 0, since a zero limit runs nothing.
 */
const LIMIT_RULES: Record<keyof Judge0Limits, { integer: boolean; min: number; minExclusive?: boolean }> = {
  cpu_time_limit: { integer: false, min: 0, minExclusive: true },
  cpu_extra_time: { integer: false, min: 0 },
  wall_time_limit: { integer: false, min: 1 },
  memory_limit: { integer: false, min: 2048 },
  stack_limit: { integer: true, min: 0, minExclusive: true },
  max_processes_and_or_threads: { integer: true, min: 0, minExclusive: true },
  max_file_size: { integer: true, min: 0 },
  number_of_runs: { integer: true, min: 0, minExclusive: true },
};

export function translateSubmission(body: Body, context: TranslateContext): Translation {
  const { settings } = context;
  const check = new Checker();

  const language = resolveLanguage(body, context, check);
  // Executable (id 44) runs the program it is sent: with base64_encoded=true that is any bytes (an
  // ELF binary), written into the box exactly; as text it is a script like any other source.
  const sourceBytes =
    language?.definition.id === EXECUTABLE_LANGUAGE && context.base64
      ? check.encodedBytes(body, 'source_code')
      : null;
  const binarySource = sourceBytes !== null && !isUtf8(sourceBytes) ? sourceBytes : null;
  const source = sourceBytes
    ? binarySource
      ? binarySource.toString('base64')
      : sourceBytes.toString('utf8')
    : check.encodedText(body, 'source_code', context.base64);
  const stdin = check.encodedText(body, 'stdin', context.base64);
  const expectedRaw = check.encodedText(body, 'expected_output', context.base64);
  // An empty expected_output (a blank form field) compares nothing, like an absent one.
  const expected = expectedRaw === '' ? null : expectedRaw;
  const compilerOptions = check.text(body, 'compiler_options');
  const commandLine = check.text(body, 'command_line_arguments');
  const callbackUrl = check.text(body, 'callback_url');
  const archiveText = check.text(body, 'additional_files');

  const limits = {} as Judge0Limits;
  for (const [field, rule] of Object.entries(LIMIT_RULES) as [
    keyof Judge0Limits,
    (typeof LIMIT_RULES)[keyof Judge0Limits],
  ][]) {
    limits[field] =
      check.number(body, field, { ...rule, max: settings.max[field] }) ?? settings.defaults[field];
  }
  const perProcessTime = check.boolean(body, 'enable_per_process_and_thread_time_limit') ?? false;
  const perProcessMemory = check.boolean(body, 'enable_per_process_and_thread_memory_limit') ?? false;
  const mergeStderr = check.boolean(body, 'redirect_stderr_to_stdout') ?? false;
  if (check.boolean(body, 'enable_network') === true) {
    check.add(
      'enable_network',
      'network access is not allowed on this server (programs run without a network)',
    );
  }

  for (const [field, text] of [
    ['compiler_options', compilerOptions],
    ['command_line_arguments', commandLine],
  ] as const) {
    if (text !== null && text.length > settings.maxOptionChars) {
      check.add(field, `is too long (maximum is ${settings.maxOptionChars} characters)`);
    }
  }
  const compilerWords = words(check, 'compiler_options', compilerOptions);
  const args = words(check, 'command_line_arguments', commandLine);
  if (language && !language.multiFile && compilerWords.length > 0 && !language.definition.compile) {
    check.add('compiler_options', 'setting compiler options is only allowed for compiled languages');
  }
  if (callbackUrl !== null && callbackUrl.length > 2048)
    check.add('callback_url', 'is too long (maximum is 2048 characters)');

  let extracted: ExtractedFile[] = [];
  let archive: string | null = null;
  if (archiveText !== null && archiveText.trim() !== '') {
    archive = archiveText.replace(/\s+/g, '');
    const bytes = decodeBase64Bytes(archive);
    if (!bytes) check.add('additional_files', 'is not valid base64 (it must be a base64-encoded .zip)');
    else {
      const result = extractZip(bytes, settings.maxExtractKb * 1024);
      if ('error' in result) check.add('additional_files', result.error);
      else extracted = result;
    }
  }

  let files: FileInput[] | undefined;
  let marker: string | undefined;
  if (language?.multiFile) {
    if (source !== null && source.trim() !== '') {
      check.add(
        'source_code',
        'must be blank for a Multi-file program (send every file in additional_files)',
      );
    }
    if (archive === null) check.add('additional_files', CANT_BE_BLANK);
    else if (check.ok) {
      const program = multiFileProgram(extracted, {
        compilerOptions: compilerWords,
        marker: context.marker,
        runs: limits.number_of_runs,
      });
      if ('error' in program) check.add('additional_files', program.error);
      else {
        files = program.files;
        marker = context.marker;
      }
    }
  } else {
    if (source === null || source.trim() === '') check.add('source_code', CANT_BE_BLANK);
  }
  if (language && !language.multiFile) {
    const sourceFile = language.definition.sourceFile;
    const withDatabase =
      language.definition.id === SQL_LANGUAGE && extracted.some((f) => f.name === SQL_DATABASE);
    for (const file of extracted) {
      if (file.name === sourceFile) {
        check.add('additional_files', `has ${file.name}, the name the source code is saved under`);
      } else if (withDatabase && file.name === SQL_SCRIPT) {
        check.add('additional_files', `has ${file.name}, the name the SQL script is saved under`);
      }
    }
    if (extracted.length > 0 && source !== null) {
      // Bytes stay bytes: a file that is not UTF-8 (a database, an image) is carried base64-encoded
      // and written into the work directory exactly.
      const others: FileInput[] = extracted.map((f) =>
        f.text
          ? { name: f.name, content: f.data.toString('utf8') }
          : { name: f.name, content: f.data.toString('base64'), encoding: 'base64' },
      );
      files = withDatabase
        ? [{ name: sourceFile, content: SQL_DRIVER }, { name: SQL_SCRIPT, content: source }, ...others]
        : [{ name: sourceFile, content: source, ...(binarySource ? { encoding: 'base64' } : {}) }, ...others];
    } else if (binarySource && source !== null) {
      files = [{ name: sourceFile, content: source, encoding: 'base64' }];
    }
  }

  if (!check.ok || !language || (!language.multiFile && source === null)) return { errors: check.errors };

  const echo: Judge0Echo = {
    language_id: language.id,
    source_code: language.multiFile || binarySource ? null : source,
    stdin,
    expected_output: expected,
    compiler_options: compilerOptions,
    command_line_arguments: commandLine,
    ...limits,
    enable_per_process_and_thread_time_limit: perProcessTime,
    enable_per_process_and_thread_memory_limit: perProcessMemory,
    redirect_stderr_to_stdout: mergeStderr,
    enable_network: false,
    additional_files: archive,
    callback_url: callbackUrl,
  };
  if (marker) echo.compile_error_marker = marker;
  if (binarySource) echo.source_code_base64 = source!;

  const input: SubmissionInput = {
    language: language.definition.id,
    limits: {
      // Killed only past the extra time; the answer applies cpu_time_limit itself (response.ts).
      cpuMs: Math.round(
        Math.min(limits.cpu_time_limit + limits.cpu_extra_time, settings.max.cpu_time_limit) * 1000,
      ),
      wallMs: Math.round(limits.wall_time_limit * 1000),
      memoryKb: Math.floor(limits.memory_limit),
      stackKb: limits.stack_limit,
      pids: limits.max_processes_and_or_threads,
      fileSizeKb: limits.max_file_size,
      outputKb: limits.max_file_size,
    },
    // The callback is the submission's own (sent in Judge0's shape by the one callback outbox), not
    // the echo's: the echo keeps what only Judge0's answers need.
    compat: { [ECHO_KEY]: { ...echo, callback_url: null } },
  };
  if (callbackUrl !== null) {
    input.callbackUrl = callbackUrl;
    input.callbackFormat = 'judge0';
  }
  if (files) input.files = files;
  else input.source = source!;
  if (expected !== null || limits.number_of_runs > 1) {
    const test = expected === null ? { stdin: stdin ?? '' } : { stdin: stdin ?? '', expected };
    input.tests = Array.from({ length: limits.number_of_runs }, () => ({ ...test }));
    input.stopOnFirstFailure = true;
  } else if (stdin !== null) {
    input.stdin = stdin;
  }
  if (args.length > 0) input.args = args;
  if (!language.multiFile && compilerWords.length > 0) input.compilerOptions = compilerWords;
  if (mergeStderr) input.mergeStderr = true;
  return { input, echo };
}

function resolveLanguage(body: Body, context: TranslateContext, check: Checker): Judge0Language | null {
  const raw = body.language_id;
  if (raw === undefined || raw === null || raw === '') {
    check.add('language_id', CANT_BE_BLANK);
    return null;
  }
  const id = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(id)) {
    check.add('language_id', 'is not a number');
    return null;
  }
  const language = context.languages.find((l) => l.id === id);
  if (!language) {
    // A language Debian cannot supply (Swift, Python 2) is named, with the reason, not "unknown".
    const unavailable = unavailableByJudge0Id(id);
    check.add(
      'language_id',
      unavailable
        ? `language with id ${id} is unavailable: ${unavailableMessage(unavailable)}`
        : `language with id ${id} doesn't exist`,
    );
    return null;
  }
  if (language.isArchived) {
    check.add('language_id', `language with id ${id} is not installed on this server`);
    return null;
  }
  return language;
}

function words(check: Checker, field: string, text: string | null): string[] {
  if (text === null) return [];
  const split = splitShellWords(text);
  if (Array.isArray(split)) return split;
  check.add(field, split.error);
  return [];
}
