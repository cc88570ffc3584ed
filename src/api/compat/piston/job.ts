import { ArbiterError } from '../../../errors.js';
import type { LanguageDefinition } from '../../../languages/language.js';
import type { LanguageRegistry } from '../../../languages/registry.js';
import type { RunLimits } from '../../../sandbox/limits.js';
import { normalizeFiles, type FileInput } from '../../../service/normalize.js';
import { resolveRuntime, type ResolvedRuntime } from './runtimes.js';
import { unavailableByName, unavailableMessage } from '../../../languages/unavailable.js';

/**
 * A Piston job (the body of POST /api/v2/execute, or the init message of /api/v2/connect), checked
 * and translated: files decoded, the first one the program's entry point, limits in Arbiter's units.
 */
export interface PistonJob {
  runtime: ResolvedRuntime;
  /**
   * As stored: text, or base64 (encoding "base64") when the bytes are not UTF-8, so they reach the
   * box exactly; the first file renamed to the language's source file.
   */
  files: FileInput[];
  stdin: string;
  args: string[];
  /** Only what the request set; the rest comes from the server's defaults. */
  limits: Partial<RunLimits>;
  compileLimits: Partial<RunLimits>;
}

/** Piston's limit fields: which Arbiter limit each sets, and how a value converts (bytes → KiB). */
const LIMIT_FIELDS = [
  { field: 'run_timeout', stage: 'limits', limit: 'wallMs', unit: 'ms' },
  { field: 'run_cpu_time', stage: 'limits', limit: 'cpuMs', unit: 'ms' },
  { field: 'run_memory_limit', stage: 'limits', limit: 'memoryKb', unit: 'bytes' },
  { field: 'compile_timeout', stage: 'compileLimits', limit: 'wallMs', unit: 'ms' },
  { field: 'compile_cpu_time', stage: 'compileLimits', limit: 'cpuMs', unit: 'ms' },
  { field: 'compile_memory_limit', stage: 'compileLimits', limit: 'memoryKb', unit: 'bytes' },
] as const;

const MAX_FILES = 100;
const MAX_ARGS = 100;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string) => new ArbiterError('INVALID_INPUT', message);

/** Hex → the same bytes in base64 (normalizeFiles stores them as text when they are UTF-8). */
function hexAsBase64(text: string, field: string): string {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw invalid(`${field} is not valid hex`);
  return Buffer.from(text, 'hex').toString('base64');
}

function decodeFiles(language: LanguageDefinition, value: unknown): FileInput[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('files is required as a non-empty array');
  if (value.length > MAX_FILES) throw invalid(`files may hold at most ${MAX_FILES} files`);
  const files = value.map((file: unknown, i): FileInput => {
    if (!isObject(file)) throw invalid(`files[${i}] must be an object`);
    if (typeof file.content !== 'string') throw invalid(`files[${i}].content is required as a string`);
    if (file.name !== undefined && file.name !== null && typeof file.name !== 'string')
      throw invalid(`files[${i}].name must be a string`);
    const encoding = file.encoding ?? 'utf8';
    // Piston makes up a name for an unnamed file; the first one is renamed below anyway.
    const name = typeof file.name === 'string' && file.name.length > 0 ? file.name : `file${i}.code`;
    // Bytes stay bytes: base64 and hex are decoded by normalizeFiles into exact file contents.
    if (encoding === 'utf8') return { name, content: file.content };
    if (encoding === 'base64') return { name, content: file.content, encoding: 'base64' };
    if (encoding === 'hex')
      return { name, content: hexAsBase64(file.content, `files[${i}].content`), encoding: 'base64' };
    throw invalid(`files[${i}].encoding must be one of utf8, base64, hex`);
  });
  // Piston runs the first file. Arbiter runs the language's source file, so the first file takes its name.
  const main = language.sourceFile;
  const clash = files.findIndex((file, i) => i > 0 && file.name === main);
  if (clash > 0)
    throw invalid(`files[${clash}] is named ${main}, the name the first (main) file is run under; rename it`);
  files[0] = { ...files[0]!, name: main };
  return normalizeFiles(language, undefined, files);
}

function readLimits(
  body: Record<string, unknown>,
  max: Readonly<RunLimits>,
): Pick<PistonJob, 'limits' | 'compileLimits'> {
  const out: Pick<PistonJob, 'limits' | 'compileLimits'> = { limits: {}, compileLimits: {} };
  for (const { field, stage, limit, unit } of LIMIT_FIELDS) {
    const value = body[field];
    // -1 means "the configured default", as in Piston.
    if (value === undefined || value === null || value === -1) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw invalid(`${field} must be a non-negative number, or -1 for the default`);
    const converted = unit === 'bytes' ? Math.ceil(value / 1024) : Math.floor(value);
    if (converted > max[limit]) {
      const shown = unit === 'bytes' ? max[limit] * 1024 : max[limit];
      throw invalid(`${field} cannot exceed the configured limit of ${shown} ${unit}`);
    }
    out[stage][limit] = converted;
  }
  return out;
}

/** Piston's answer for a language or version it does not have. */
export function unknownRuntime(language: unknown, version: unknown): ArbiterError {
  return new ArbiterError('LANGUAGE_UNKNOWN', `${String(language)}-${String(version)} runtime is unknown`);
}

/**
 * Checks a Piston job and resolves its runtime. Every refusal is an ArbiterError with status 400
 * and a message naming the field; Piston clients read only `message`.
 */
export async function parsePistonJob(
  body: unknown,
  registry: LanguageRegistry,
  maxLimits: Readonly<RunLimits>,
): Promise<PistonJob> {
  if (!isObject(body)) throw invalid('the body must be a JSON object');
  const { language, stdin, args } = body;
  // Piston requires a version; a missing one is read as "*" so that minimal clients work.
  const version = body.version ?? '*';
  if (typeof language !== 'string' || language.length === 0)
    throw invalid('language is required as a string');
  if (typeof version !== 'string') throw invalid('version must be a string');
  const runtime = await resolveRuntime(registry, language, version);
  if (!runtime) {
    const unavailable = unavailableByName(language);
    throw unavailable ? invalid(unavailableMessage(unavailable)) : unknownRuntime(language, version);
  }
  if (stdin !== undefined && stdin !== null && typeof stdin !== 'string')
    throw invalid('stdin must be a string');
  if (
    args !== undefined &&
    args !== null &&
    (!Array.isArray(args) || args.length > MAX_ARGS || !args.every((a) => typeof a === 'string'))
  )
    throw invalid(`args must be an array of at most ${MAX_ARGS} strings`);
  return {
    runtime,
    files: decodeFiles(runtime.definition, body.files),
    stdin: typeof stdin === 'string' ? stdin : '',
    args: Array.isArray(args) ? (args as string[]) : [],
    ...readLimits(body, maxLimits),
  };
}
