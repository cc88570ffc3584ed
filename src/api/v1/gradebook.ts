import type { FastifyInstance } from 'fastify';
import { ArbiterError } from '../../errors.js';
import { SUBMISSION_STATUSES } from '../../judge/types.js';
import { MAX_USER_LENGTH, isAdmin } from '../../service/caller.js';
import {
  DEFAULT_GRADEBOOK_PAGE,
  MAX_GRADEBOOK_PAGE,
  gradebookCsv,
  gradebookScope,
  toGradebookEntry,
} from '../../service/gradebook.js';
import { callerOf, requireAdmin } from '../auth.js';
import { idParams } from '../schemas.js';

interface GradebookQuerystring {
  format: 'json' | 'csv';
  limit: number;
  offset: number;
  keyId?: string;
  user?: string;
}

const at = { type: 'string', format: 'date-time', description: 'When the submission was made' } as const;
const score = { type: ['number', 'null'] } as const;

/** The rows' shape, for the OpenAPI page (and Fastify's serializer, which drops anything else). */
const entrySchema = {
  type: 'object',
  required: ['user', 'submissions', 'best', 'latest'],
  properties: {
    user: {
      type: ['string', 'null'],
      description: "The submissions' user; null for a key's submissions that named none",
    },
    keyId: {
      type: ['string', 'null'],
      description: 'The key that made them (admins only; null: anonymous submissions)',
    },
    submissions: { type: 'integer', description: 'How many submissions, whatever their status' },
    best: {
      type: ['object', 'null'],
      description: 'The highest score (the earliest on a tie); null until one is judged with a score',
      properties: {
        score: { type: 'number' },
        maxScore: score,
        submissionId: { type: 'string' },
        at,
      },
    },
    latest: {
      type: 'object',
      description: 'The newest submission; its score is null until it is judged',
      properties: {
        score,
        status: { type: 'string', enum: [...SUBMISSION_STATUSES] },
        submissionId: { type: 'string' },
        at,
      },
    },
  },
} as const;

/** A file name for the export: the problem id, with anything a header could trip on replaced. */
const csvFileName = (problemId: string): string =>
  `gradebook-${problemId.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;

export async function registerGradebookRoutes(app: FastifyInstance): Promise<void> {
  const store = app.arbiter.problems;

  app.get<{ Params: { id: string }; Querystring: GradebookQuerystring }>(
    '/api/v1/problems/:id/gradebook',
    {
      schema: {
        summary: "Each user's best and latest submission of a problem, as JSON or CSV",
        description:
          "Admins read every key's rows (keyId narrows to one key); any other key reads only the rows of " +
          'its own submissions; callers without a key are refused. One row per key and user, ordered ' +
          'by key id then user; pass nextOffset back as offset for the next page (CSV: the ' +
          'X-Next-Offset header). See docs/problems.md, "Gradebook".',
        tags: ['problems'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_GRADEBOOK_PAGE,
              default: DEFAULT_GRADEBOOK_PAGE,
            },
            offset: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 0 },
            keyId: { type: 'string', minLength: 1, maxLength: 100 },
            user: { type: 'string', minLength: 1, maxLength: MAX_USER_LENGTH },
          },
        },
        response: {
          200: {
            type: 'object',
            description: 'The JSON page (format=json); format=csv answers text/csv instead',
            properties: {
              problemId: { type: 'string' },
              rows: { type: 'array', items: entrySchema },
              nextOffset: { type: ['integer', 'null'], description: 'null on the last page' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { id } = request.params;
      const { format, limit, offset, keyId, user } = request.query;
      // Checked first, so a caller learns nothing of another key by asking for it.
      const query = gradebookScope(caller, id, {
        limit: limit + 1, // one more than asked: whether another page follows
        offset,
        ...(keyId === undefined ? {} : { keyId }),
        ...(user === undefined ? {} : { user }),
      });
      if (!(await store.getProblem(id)))
        throw new ArbiterError('PROBLEM_NOT_FOUND', `no problem with id ${id}`);
      const found = await store.gradebook(query);
      const rows = found.slice(0, limit).map((row) => toGradebookEntry(row, caller));
      const nextOffset = found.length > limit ? offset + limit : null;
      if (format === 'csv') {
        if (nextOffset !== null) reply.header('x-next-offset', String(nextOffset));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${csvFileName(id)}"`)
          .send(gradebookCsv(rows, isAdmin(caller)));
      }
      return { problemId: id, rows, nextOffset };
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { user?: string } }>(
    '/api/v1/problems/:id/submissions',
    {
      schema: {
        summary: "Delete a problem's finished submissions (its gradebook), or one user's",
        description:
          "A problem's submissions are kept until deleted here (or until problemResultTtlMs, when an " +
          'operator sets one), apart from ad-hoc runs, which go after resultTtlMs. Admins only. Queued ' +
          'and running submissions stay. Works for a problem already deleted, to clear what it left.',
        tags: ['problems'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { user: { type: 'string', minLength: 1, maxLength: MAX_USER_LENGTH } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              problemId: { type: 'string' },
              deleted: { type: 'integer', description: 'How many submissions were deleted' },
            },
          },
        },
      },
    },
    async (request) => {
      requireAdmin(callerOf(request));
      const { id } = request.params;
      const deleted = await store.deleteProblemSubmissions(id, request.query.user);
      return { problemId: id, deleted };
    },
  );
}
