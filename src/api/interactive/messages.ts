// The native interactive protocol's messages: what a client sends, checked, and the exit message.
import { ArbiterError } from '../../errors.js';
import { resolveCompileLimits, resolveRunLimits } from '../../judge/limits-policy.js';
import type { ArbiterService } from '../../service/arbiter-service.js';
import { LIMIT_NAMES, type RunLimits } from '../../sandbox/limits.js';
import { normalizeFiles, sandboxFiles, type FileInput } from '../../service/normalize.js';
import { parseJsonText } from '../request-body.js';
import type { InteractiveJob, InteractiveOutcome } from './session.js';

/** A stage result as the native interactive protocol's exit message shows it. */
export interface ExitResult {
  status: InteractiveOutcome['status'];
  exitCode: number | null;
  signal: number | null;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  reason?: string;
  message?: string;
}

export function exitResult(outcome: InteractiveOutcome): ExitResult {
  const last = outcome.run ?? outcome.compile;
  const result: ExitResult = {
    status: outcome.status,
    exitCode: last?.exitCode ?? null,
    signal: last?.signal ?? null,
    cpuMs: last ? Math.round(last.cpuMs * 1000) / 1000 : 0,
    wallMs: last ? Math.round(last.wallMs * 1000) / 1000 : 0,
    memoryKb: last?.memoryKb ?? 0,
  };
  if (last?.reason) result.reason = last.reason;
  if (last?.message) result.message = last.message;
  return result;
}

/** The first message of a native interactive session. */
export interface StartMessage {
  type: 'start';
  language: string;
  version?: string;
  source?: string;
  files?: FileInput[];
  args?: string[];
  limits?: Partial<RunLimits>;
  compileLimits?: Partial<RunLimits>;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function invalid(message: string): ArbiterError {
  return new ArbiterError('INVALID_INPUT', message);
}

function checkLimitsObject(value: unknown, field: string): Partial<RunLimits> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid(`${field} must be an object`);
  for (const [name, limit] of Object.entries(value)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name))
      throw invalid(`${field}.${name} is not a limit; limits are ${LIMIT_NAMES.join(', ')}`);
    if (typeof limit !== 'number') throw invalid(`${field}.${name} must be a number`);
  }
  return value as Partial<RunLimits>;
}

/** Checks the shape of a start message; names the first field that is wrong. */
export function parseStartMessage(message: Record<string, unknown>): StartMessage {
  const { language, version, source, files, args } = message;
  const known = ['type', 'language', 'version', 'source', 'files', 'args', 'limits', 'compileLimits'];
  const extra = Object.keys(message).find((key) => !known.includes(key));
  if (extra !== undefined) throw invalid(`start: unknown field ${extra}`);
  if (typeof language !== 'string' || language.length === 0)
    throw invalid('start: language is required, as a string');
  if (version !== undefined && typeof version !== 'string') throw invalid('start: version must be a string');
  if (source !== undefined && typeof source !== 'string') throw invalid('start: source must be a string');
  if (files !== undefined) {
    if (!Array.isArray(files) || files.length > 100)
      throw invalid('start: files must be an array of at most 100 files');
    for (const [i, file] of files.entries()) {
      if (!isObject(file) || typeof file.name !== 'string' || typeof file.content !== 'string')
        throw invalid(`start: files[${i}] must be {name, content, encoding?} with string name and content`);
      if (file.encoding !== undefined && file.encoding !== 'utf8' && file.encoding !== 'base64')
        throw invalid(`start: files[${i}].encoding must be utf8 or base64`);
    }
  }
  if (
    args !== undefined &&
    (!Array.isArray(args) || args.length > 100 || !args.every((a) => typeof a === 'string'))
  )
    throw invalid('start: args must be an array of at most 100 strings');
  return {
    type: 'start',
    language,
    version: version as string | undefined,
    source: source as string | undefined,
    files: files as FileInput[] | undefined,
    args: args as string[] | undefined,
    limits: checkLimitsObject(message.limits, 'limits'),
    compileLimits: checkLimitsObject(message.compileLimits, 'compileLimits'),
  };
}

/** Turns a start message into a job: language installed, files checked, limits clamped to the server's. */
export async function startMessageToJob(
  arbiter: Pick<ArbiterService, 'config' | 'languages'>,
  start: StartMessage,
): Promise<InteractiveJob> {
  const language = await arbiter.languages.resolve(start.language, start.version);
  const files = sandboxFiles(normalizeFiles(language, start.source, start.files));
  const { defaultLimits, maxLimits } = arbiter.config;
  return {
    language,
    files,
    args: start.args ?? [],
    limits: resolveRunLimits({
      requested: start.limits,
      defaults: defaultLimits,
      language,
      max: maxLimits,
      aboveMax: 'clamp',
    }),
    compileLimits: resolveCompileLimits(start.compileLimits, language, maxLimits, 'clamp'),
  };
}

/**
 * A client message: a JSON object with a string "type", or INVALID_INPUT. What each type carries is
 * checked by the route, in the protocol's order (a session must start before anything else counts).
 */
export function parseClientMessage(
  text: string,
  maxJsonDepth: number,
): Record<string, unknown> & { type: string } {
  let message: unknown;
  try {
    message = parseJsonText(text, maxJsonDepth);
  } catch {
    throw invalid('messages are JSON objects with a "type"');
  }
  if (!isObject(message) || typeof message.type !== 'string')
    throw invalid('messages are JSON objects with a "type"');
  return message as Record<string, unknown> & { type: string };
}
