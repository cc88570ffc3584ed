import { LIMIT_NAMES } from '../sandbox/limits.js';
import { MAX_USER_LENGTH } from '../service/caller.js';

/** JSON schemas shared by routes; they validate requests and feed the OpenAPI page. */
export const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Limits for each run; unset ones come from the problem or the server defaults.',
  properties: Object.fromEntries(LIMIT_NAMES.map((name) => [name, { type: 'number', minimum: 0 }])),
} as const;

export const fileSchema = {
  type: 'object',
  required: ['name', 'content'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    content: { type: 'string' },
    encoding: { type: 'string', enum: ['utf8', 'base64'] },
  },
} as const;

export const testSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stdin: { type: 'string' },
    expected: { type: 'string' },
    weight: { type: 'number', minimum: 0 },
    hidden: { type: 'boolean' },
    name: { type: 'string', maxLength: 200 },
  },
} as const;

export const checkerSchema = {
  description: 'exact | trailing_whitespace (default) | tokens | float | {type:"custom", language, source}',
  anyOf: [{ type: 'string' }, { type: 'object' }],
} as const;

export const submissionBodySchema = {
  type: 'object',
  required: ['language'],
  additionalProperties: false,
  properties: {
    language: { type: 'string', minLength: 1, maxLength: 50 },
    version: { type: 'string', maxLength: 50 },
    user: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_USER_LENGTH,
      // Printable, no control characters: it is shown in listings and logs.
      pattern: '^[^\\u0000-\\u001f\\u007f]+$',
      description:
        "Who the submission is for, in the caller's terms (a student's id on a site that calls Arbiter with one key). With a key, each user has a rate of its own and the queue is fair between users.",
    },
    source: { type: 'string' },
    files: { type: 'array', items: fileSchema, minItems: 1, maxItems: 100 },
    stdin: { type: 'string' },
    args: { type: 'array', items: { type: 'string' }, maxItems: 100 },
    limits: limitsSchema,
    tests: { type: 'array', items: testSchema, maxItems: 1000 },
    problemId: { type: 'string', minLength: 1, maxLength: 100 },
    checker: checkerSchema,
    stopOnFirstFailure: { type: 'boolean' },
    priority: { type: 'integer', minimum: 0 },
    callbackUrl: { type: 'string', maxLength: 2000 },
    cache: { type: 'boolean' },
    compileLimits: limitsSchema,
    compilerOptions: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50 },
    mergeStderr: { type: 'boolean' },
  },
} as const;

/**
 * A test's expected-vs-actual diff (judge/output-diff.ts), listed in the OpenAPI document's
 * components: results are not serialised through a schema, so this one documents and tests pin it.
 */
export const outputDiffSchema = {
  type: 'object',
  description:
    "Where a visible test's wrong output first differs from the expected one (built-in checkers only; never on a hidden test, nor under feedback verdicts or score). Each side's lines from line `from`: up to 2 before and 2 after `line`, each cut to 200 characters (a cut line ends with …); a side that ended has fewer lines. The first 10 such tests of a result carry one.",
  required: ['line', 'from', 'expected', 'actual'],
  properties: {
    line: { type: 'integer', minimum: 1, description: 'The first differing line, from 1' },
    from: { type: 'integer', minimum: 1, description: 'The line number of expected[0] and actual[0]' },
    expected: { type: 'array', items: { type: 'string' }, maxItems: 5 },
    actual: { type: 'array', items: { type: 'string' }, maxItems: 5 },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

/**
 * The one error body (src/contract.ts ErrorBody). The native routes' 4xx and 5xx answers are
 * declared with it (error-responses.ts), so it is on the OpenAPI page and is also what serialises
 * them: every field the body has must be listed here, or Fastify drops it.
 */
export const errorResponse = {
  type: 'object',
  description: 'The one error body of the native API: a stable code, a message and where it happened.',
  required: ['error', 'message', 'status', 'timestamp', 'path', 'requestId'],
  properties: {
    error: { type: 'string', description: 'Stable error code, ARB_ERR_* (docs/errors.md)' },
    message: { type: 'string' },
    status: { type: 'integer', description: 'The HTTP status, repeated' },
    timestamp: { type: 'string', description: 'ISO 8601' },
    path: { type: 'string' },
    requestId: { type: 'string', description: 'Also in the x-request-id header, and in the server log' },
    retryAfter: { type: 'integer', description: 'Seconds to wait before retrying (429, 503)' },
  },
} as const;
