import { createHash } from 'node:crypto';
import { ArbiterError } from '../errors.js';
import type { CheckerSpec, TestCase } from '../judge/types.js';
import type { LanguageDefinition } from '../languages/language.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { StoredRequest } from '../store/types.js';

export interface FileInput {
  name: string;
  content: string;
  encoding?: 'utf8' | 'base64';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64 strictly: Buffer.from would silently drop what is not base64. */
export function decodeBase64(text: string, field: string): string {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new ArbiterError('INVALID_INPUT', `${field} is not valid base64`);
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/**
 * The program's files: `source` becomes the language's source file; with `files`, one named like
 * the language's source file is the entry point, otherwise the first file becomes it.
 */
export function normalizeFiles(
  language: LanguageDefinition,
  source: string | undefined,
  files: FileInput[] | undefined,
): StoredRequest['files'] {
  if (source !== undefined && files !== undefined && files.length > 0) {
    throw new ArbiterError('INVALID_INPUT', 'give either source or files, not both');
  }
  if (source !== undefined) {
    if (source.length === 0) throw new ArbiterError('INVALID_INPUT', 'source is empty');
    return [{ name: language.sourceFile, content: source }];
  }
  if (!files || files.length === 0)
    throw new ArbiterError('INVALID_INPUT', 'source (or files) is required: the program to run');
  const decoded = files.map((file, i) => ({
    name: file.name,
    content: file.encoding === 'base64' ? decodeBase64(file.content, `files[${i}].content`) : file.content,
  }));
  const names = new Set<string>();
  for (const [i, file] of decoded.entries()) {
    if (!file.name || file.name.includes('..') || file.name.startsWith('/') || file.name.includes('\0')) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `files[${i}].name must be a relative path inside the work directory`,
      );
    }
    if (names.has(file.name))
      throw new ArbiterError('INVALID_INPUT', `files[${i}].name ${file.name} appears twice`);
    names.add(file.name);
  }
  if (!names.has(language.sourceFile)) decoded[0] = { ...decoded[0]!, name: language.sourceFile };
  return decoded;
}

/** Accepts "3.11" for an installed "3.11.2"; anything else names what is installed. */
export function checkVersion(
  language: LanguageDefinition,
  requested: string | undefined,
  installed: string | null,
): void {
  if (requested === undefined || requested === '*' || requested === 'latest') return;
  if (installed && (installed === requested || installed.startsWith(`${requested}.`))) return;
  throw new ArbiterError(
    'LANGUAGE_UNAVAILABLE',
    `${language.name} ${requested} is not installed; this server has ${installed ?? 'an unknown version'}`,
  );
}

export function validateTests(tests: TestCase[]): TestCase[] {
  return tests.map((test, i) => {
    if (test.weight !== undefined && (!Number.isFinite(test.weight) || test.weight < 0)) {
      throw new ArbiterError('INVALID_INPUT', `tests[${i}].weight must be a non-negative number`);
    }
    return test;
  });
}

/** Key of the opt-in result cache: everything that decides the outcome, nothing that does not. */
export function resultCacheKey(parts: {
  language: string;
  version: string | null;
  files: StoredRequest['files'];
  stdin?: string;
  args?: string[];
  limits: RunLimits;
  tests?: TestCase[];
  checker?: CheckerSpec;
  stopOnFirstFailure?: boolean;
  compileLimits?: RunLimits;
  compilerOptions?: string[];
  mergeStderr?: boolean;
}): string {
  const canonical = JSON.stringify([
    parts.language,
    parts.version,
    [...parts.files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => [f.name, f.content]),
    parts.stdin ?? '',
    parts.args ?? [],
    Object.entries(parts.limits).sort(([a], [b]) => a.localeCompare(b)),
    parts.tests ?? null,
    parts.checker ?? null,
    parts.stopOnFirstFailure ?? false,
    parts.compileLimits ?? null,
    parts.compilerOptions ?? [],
    parts.mergeStderr ?? false,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
