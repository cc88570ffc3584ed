import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { ArbiterError } from '../errors.js';
import type { TestCase } from '../judge/types.js';
import type { LanguageDefinition } from '../languages/language.js';
import type { SandboxFile } from '../sandbox/run-spec.js';
import type { StoredRequest } from '../store/types.js';

/**
 * A program file as a request sends it: text, or (encoding base64) any bytes. Files are bytes end to
 * end: what arrives base64-encoded is written into the box byte for byte, and text is never changed.
 */
export interface FileInput {
  name: string;
  content: string;
  encoding?: 'utf8' | 'base64';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64 strictly: Buffer.from would silently drop what is not base64. */
export function decodeBase64Bytes(text: string, field: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new ArbiterError('INVALID_INPUT', `${field} is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}

/** Decodes base64 that must be UTF-8 text once decoded; bytes that are not are refused, not replaced. */
export function decodeBase64(text: string, field: string): string {
  const bytes = decodeBase64Bytes(text, field);
  if (!isUtf8(bytes)) throw new ArbiterError('INVALID_INPUT', `${field} is not UTF-8 text once decoded`);
  return bytes.toString('utf8');
}

/** A lone UTF-16 surrogate: JSON can carry one (`"\\ud800"`), UTF-8 cannot, so writing it would replace it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses text that has no exact UTF-8 form (a lone surrogate), naming the field. */
export function checkText(text: string, field: string): void {
  if (LONE_SURROGATE.test(text)) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `${field} is not valid UTF-8 text (it has an unpaired UTF-16 surrogate, which no UTF-8 byte sequence encodes); send binary content base64-encoded`,
    );
  }
}

/**
 * A file's bytes as stored: text when they are UTF-8 (readable in the store and the answers),
 * otherwise base64 with encoding "base64".
 */
export function storedFile(name: string, bytes: Buffer): StoredRequest['files'][number] {
  return isUtf8(bytes)
    ? { name, content: bytes.toString('utf8') }
    : { name, content: bytes.toString('base64'), encoding: 'base64' };
}

/** Stored files as the sandbox writes them: base64 ones as their exact bytes. */
export function sandboxFiles(files: StoredRequest['files']): SandboxFile[] {
  return files.map((file) =>
    file.encoding === 'base64'
      ? { name: file.name, content: Buffer.from(file.content, 'base64') }
      : { name: file.name, content: file.content },
  );
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
    checkText(source, 'source');
    return [{ name: language.sourceFile, content: source }];
  }
  if (!files || files.length === 0)
    throw new ArbiterError('INVALID_INPUT', 'source (or files) is required: the program to run');
  const decoded = files.map((file, i) => {
    if (file.encoding === 'base64')
      return storedFile(file.name, decodeBase64Bytes(file.content, `files[${i}].content`));
    checkText(file.content, `files[${i}].content`);
    return { name: file.name, content: file.content };
  });
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

export function validateTests(tests: TestCase[]): TestCase[] {
  return tests.map((test, i) => {
    if (test.weight !== undefined && (!Number.isFinite(test.weight) || test.weight < 0)) {
      throw new ArbiterError('INVALID_INPUT', `tests[${i}].weight must be a non-negative number`);
    }
    return test;
  });
}

/** Key of the opt-in result cache: everything that decides the outcome, nothing that does not. */
export function resultCacheKey(
  parts: { language: string; version: string | null } & Pick<
    StoredRequest,
    | 'files'
    | 'stdin'
    | 'args'
    | 'limits'
    | 'tests'
    | 'groups'
    | 'checker'
    | 'stopOnFirstFailure'
    | 'compileLimits'
    | 'compilerOptions'
    | 'mergeStderr'
    | 'problemFiles'
    | 'grader'
    | 'outputOnly'
    | 'interactor'
    | 'interactorLimits'
  >,
): string {
  const canonical = JSON.stringify([
    parts.language,
    parts.version,
    [...parts.files]
      .sort((a, b) => a.name.localeCompare(b.name))
      // Text files keep the key they always had; a binary file's key says it is base64.
      .map((f) => (f.encoding === 'base64' ? [f.name, f.content, 'base64'] : [f.name, f.content])),
    parts.stdin ?? '',
    parts.args ?? [],
    Object.entries(parts.limits).sort(([a], [b]) => a.localeCompare(b)),
    parts.tests ?? null,
    parts.checker ?? null,
    parts.stopOnFirstFailure ?? false,
    parts.compileLimits ?? null,
    parts.compilerOptions ?? [],
    parts.mergeStderr ?? false,
    // Appended only when present, so the keys of submissions without groups stay what they were.
    ...(parts.groups ? [parts.groups] : []),
    ...(parts.problemFiles || parts.grader || parts.outputOnly
      ? [[parts.problemFiles ?? null, parts.grader ?? null, parts.outputOnly ?? false]]
      : []),
    ...(parts.interactor ? [[parts.interactor, parts.interactorLimits ?? null]] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
