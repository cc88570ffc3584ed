/**
 * Judge0's submission routes: create (one or a batch, optionally waiting), get (one or a batch),
 * delete. Tokens are Arbiter submission ids, so /api/v1 sees the same submissions.
 */
import { chargeMore } from '../../rate-limit.js';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { isArbiterError } from '../../../errors.js';
import type { Caller } from '../../../service/caller.js';
import type { SubmissionRecord } from '../../../store/types.js';
import { checkWebhookTarget } from '../../../webhooks/ssrf-guard.js';
import { callerOf } from '../../auth.js';
import { Judge0Reply, judge0Error } from './errors.js';
import { parseFields } from './fields.js';
import { judge0Languages, type Judge0Language } from './languages.js';
import { translateSubmission } from './request.js';
import { NOT_UTF8_BATCH_MESSAGE, NOT_UTF8_MESSAGE, renderSubmission } from './response.js';
import type { Judge0Settings } from './settings.js';

/** GET /submissions: Judge0's page size when none is asked for, and the most this server gives. */
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

/** A page number as Judge0 reads it (Ruby's to_i): leading digits, else 0. */
function judge0Integer(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number.parseInt(text, 10);
  return Number.isNaN(value) ? 0 : value;
}

interface SubmissionQuery {
  base64_encoded?: boolean;
  wait?: boolean;
  fields?: string;
}

const booleanParam = (description: string) => ({ type: 'boolean', description }) as const;
const queryBase64 = booleanParam(
  'Texts are base64 in the request (source_code, stdin, expected_output) and answer',
);
const queryFields = {
  type: 'string',
  description:
    'Comma-separated attributes to return; * for all. Default: stdout,time,memory,stderr,token,compile_output,message,status',
} as const;

/** For /docs: the attributes a submission takes. Validation is done by request.ts, in Judge0's words. */
const submissionBody = {
  type: 'object',
  description:
    'Judge0 CE submission: source_code, language_id, compiler_options, command_line_arguments, stdin, expected_output, cpu_time_limit, cpu_extra_time, wall_time_limit, memory_limit, stack_limit, max_processes_and_or_threads, enable_per_process_and_thread_time_limit, enable_per_process_and_thread_memory_limit, max_file_size, redirect_stderr_to_stdout, enable_network, number_of_runs, additional_files, callback_url',
} as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Largest answer a batch or page of submissions may build, counted in characters of its text fields. */
const MAX_MANY_ANSWER_BYTES = 32 * 1024 * 1024;

/** Characters of the text values of one rendered submission: what its JSON costs, near enough. */
function textBytes(body: Record<string, unknown>): number {
  let total = 0;
  for (const value of Object.values(body)) if (typeof value === 'string') total += value.length;
  return total;
}

export function registerSubmissionRoutes(app: FastifyInstance, settings: Judge0Settings): void {
  const { arbiter, rateLimits } = app;
  const service = arbiter.submissions;

  /** Validates, checks the callback target, queues. Throws Judge0Reply (422, 503) or ArbiterError. */
  const create = async (
    body: unknown,
    base64: boolean,
    languages: readonly Judge0Language[],
    caller: Caller,
  ): Promise<SubmissionRecord> => {
    if (!isObject(body)) throw judge0Error(400, 'a submission must be a JSON object of its attributes');
    const marker = `arbiter-judge0-compile-failed-${randomUUID()}`;
    const translation = translateSubmission(body, { base64, settings, languages, marker });
    if ('errors' in translation) throw new Judge0Reply(422, translation.errors);
    const { input, echo } = translation;
    if (echo.callback_url !== null) {
      try {
        await checkWebhookTarget(echo.callback_url, { allowlist: arbiter.config.webhookAllowlist });
      } catch (error) {
        if (!isArbiterError(error)) throw error;
        throw new Judge0Reply(422, { callback_url: [error.message] });
      }
    }
    try {
      return (await service.submit(input, caller)).record;
    } catch (error) {
      // Shutting down and a full queue are the server's state, answered as they are (503, Retry-After).
      if (isArbiterError(error, 'QUEUE_FULL') || isArbiterError(error, 'SHUTTING_DOWN')) throw error;
      // What the translation could not foresee (a toolchain removed meanwhile) is still the input's fault.
      if (isArbiterError(error) && error.status < 500) throw judge0Error(422, error.message);
      throw error;
    }
  };

  /**
   * Several submissions in one answer (a batch, a page), each as the query's fields and encoding
   * ask; null (a token not found) stays null. One that is not UTF-8 fails the whole answer, as in Judge0.
   */
  const renderMany = async (records: (SubmissionRecord | null)[], query: SubmissionQuery) => {
    const options = {
      fields: parseFields(query.fields),
      strictBase64: settings.strictBase64,
      base64: query.base64_encoded ?? false,
      languages: await judge0Languages(arbiter.languages),
    };
    let bytes = 0;
    // The same record named again is rendered once (a batch may name one token many times).
    const renderedOnce = new Map<SubmissionRecord, ReturnType<typeof renderSubmission>>();
    return records.map((record) => {
      if (!record) return null;
      const rendered = renderedOnce.get(record) ?? renderSubmission(record, options);
      renderedOnce.set(record, rendered);
      if ('notUtf8' in rendered) throw judge0Error(400, NOT_UTF8_BATCH_MESSAGE);
      // Each entry is bounded (a result keeps little output), but an answer naming one large
      // submission many times once built hundreds of megabytes: the answer as a whole is bounded too.
      bytes += textBytes(rendered.body);
      if (bytes > MAX_MANY_ANSWER_BYTES) {
        throw judge0Error(
          400,
          `the answer would exceed ${MAX_MANY_ANSWER_BYTES / 1024 / 1024} MiB: ask for fewer submissions, or leave stdout, stderr, stdin and source_code out of fields`,
        );
      }
      return rendered.body;
    });
  };

  app.post<{ Querystring: SubmissionQuery }>(
    '/submissions',
    {
      schema: {
        summary: 'Judge0: create a submission',
        description:
          '201 {token}; with wait=true, 201 with the submission once finished (bounded by the server maximum wait, after which it is answered as it stands).',
        tags: ['judge0'],
        querystring: {
          type: 'object',
          properties: {
            base64_encoded: queryBase64,
            wait: booleanParam('Answer with the result instead of the token'),
            fields: queryFields,
          },
        },
        body: submissionBody,
      },
    },
    async (request, reply) => {
      const base64 = request.query.base64_encoded ?? false;
      const languages = await judge0Languages(arbiter.languages);
      const record = await create(request.body, base64, languages, callerOf(request));
      if (!request.query.wait) return reply.code(201).send({ token: record.id });
      const done = await service.waitForFinal(record.id, arbiter.config.maxWaitMs, callerOf(request));
      const rendered = renderSubmission(done, {
        fields: parseFields(request.query.fields),
        strictBase64: settings.strictBase64,
        base64,
        languages,
      });
      if ('notUtf8' in rendered) return reply.code(201).send({ token: record.id, error: NOT_UTF8_MESSAGE });
      return reply.code(201).send(rendered.body);
    },
  );

  app.post<{ Querystring: SubmissionQuery; Body: { submissions?: unknown } }>(
    '/submissions/batch',
    {
      schema: {
        summary: 'Judge0: create a batch of submissions',
        description: `201 with one entry per submission, in order: {token} or its errors. At most ${settings.maxBatchSize}.`,
        tags: ['judge0'],
        querystring: { type: 'object', properties: { base64_encoded: queryBase64 } },
        body: {
          type: 'object',
          properties: { submissions: { type: 'array', items: submissionBody } },
        },
      },
    },
    async (request, reply) => {
      const submissions = request.body.submissions;
      if (!Array.isArray(submissions) || submissions.length === 0) {
        throw judge0Error(400, 'there should be at least one submission in a batch');
      }
      if (submissions.length > settings.maxBatchSize) {
        throw judge0Error(
          400,
          `number of submissions in a batch should be less than or equal to ${settings.maxBatchSize}`,
        );
      }
      const base64 = request.query.base64_encoded ?? false;
      const caller = callerOf(request);
      // The request itself paid one token; each further submission pays its own, before any work
      // (the language list may wait on version probes while the bucket refills).
      await chargeMore(rateLimits, request, caller, submissions.length - 1);
      const languages = await judge0Languages(arbiter.languages);
      const answers: Record<string, unknown>[] = [];
      let created = 0;
      for (const body of submissions) {
        try {
          answers.push({ token: (await create(body, base64, languages, caller)).id });
          created += 1;
        } catch (error) {
          if (error instanceof Judge0Reply) answers.push(error.body);
          else if (isArbiterError(error) && error.status < 500) answers.push({ error: error.message });
          else if (isArbiterError(error, 'QUEUE_FULL')) answers.push({ error: 'queue is full' });
          else throw error;
        }
      }
      // As Judge0: 201 when at least one was created, 422 when none was (the answers say why).
      return reply.code(created > 0 ? 201 : 422).send(answers);
    },
  );

  app.get<{ Querystring: SubmissionQuery & { tokens?: string } }>(
    '/submissions/batch',
    {
      schema: {
        summary: 'Judge0: get a batch of submissions',
        description:
          'tokens=a,b,c; {submissions: [...]} in the same order, null for a token that is not found.',
        tags: ['judge0'],
        querystring: {
          type: 'object',
          properties: { tokens: { type: 'string' }, base64_encoded: queryBase64, fields: queryFields },
        },
      },
    },
    async (request) => {
      const tokens = (request.query.tokens ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (tokens.length === 0) throw judge0Error(400, 'tokens must name at least one submission');
      if (tokens.length > settings.maxBatchSize) {
        throw judge0Error(
          400,
          `number of submissions in a batch should be less than or equal to ${settings.maxBatchSize}`,
        );
      }
      const caller = callerOf(request);
      // A token named many times is read once: each read parses the whole stored result.
      const distinct = [...new Set(tokens)];
      const found = new Map(
        await Promise.all(distinct.map(async (token) => [token, await find(token, caller)] as const)),
      );
      return {
        submissions: await renderMany(
          tokens.map((token) => found.get(token) ?? null),
          request.query,
        ),
      };
    },
  );

  app.get<{ Querystring: SubmissionQuery & { page?: string; per_page?: string } }>(
    '/submissions',
    {
      schema: {
        summary: 'Judge0: list submissions, a numbered page at a time',
        description: `Newest first, as Judge0. {submissions, meta: {current_page, next_page, prev_page, total_pages, total_count}}. Admin keys see every submission, other keys their own. per_page defaults to ${DEFAULT_PER_PAGE} and is capped at ${MAX_PER_PAGE}.`,
        tags: ['judge0'],
        querystring: {
          type: 'object',
          properties: {
            page: { type: 'string', description: 'Page number, from 1. Default 1' },
            per_page: { type: 'string', description: `Submissions per page. Default ${DEFAULT_PER_PAGE}` },
            base64_encoded: queryBase64,
            fields: queryFields,
          },
        },
      },
    },
    async (request) => {
      const page = judge0Integer(request.query.page, 1);
      const perPage = judge0Integer(request.query.per_page, DEFAULT_PER_PAGE);
      if (page <= 0) throw judge0Error(400, `invalid page: ${page}`);
      if (perPage <= 0) throw judge0Error(400, `invalid per_page: ${perPage}`);
      const limit = Math.min(perPage, MAX_PER_PAGE);
      const caller = callerOf(request);
      // Newest first, as Judge0 lists.
      const { records, total } = await service.listNumberedPage(caller, {
        offset: (page - 1) * limit,
        limit,
        newestFirst: true,
      });
      const submissions = await renderMany(records, request.query);
      const totalPages = Math.ceil(total / limit);
      return {
        submissions,
        meta: {
          current_page: page,
          next_page: page < totalPages ? page + 1 : null,
          prev_page: page > 1 ? page - 1 : null,
          total_pages: totalPages,
          total_count: total,
        },
      };
    },
  );

  /** The submission, if it exists and this caller may see it. */
  const find = async (token: string, caller: Caller): Promise<SubmissionRecord | null> => {
    try {
      return await service.get(token, caller);
    } catch (error) {
      if (isArbiterError(error, 'SUBMISSION_NOT_FOUND')) return null;
      throw error;
    }
  };

  const tokenParams = {
    type: 'object',
    required: ['token'],
    properties: { token: { type: 'string', minLength: 1, maxLength: 100 } },
  } as const;

  app.get<{ Params: { token: string }; Querystring: SubmissionQuery }>(
    '/submissions/:token',
    {
      schema: {
        summary: 'Judge0: get a submission',
        tags: ['judge0'],
        params: tokenParams,
        querystring: { type: 'object', properties: { base64_encoded: queryBase64, fields: queryFields } },
      },
    },
    async (request) => {
      const record = await find(request.params.token, callerOf(request));
      if (!record) throw judge0Error(404, 'submission not found');
      const rendered = renderSubmission(record, {
        fields: parseFields(request.query.fields),
        strictBase64: settings.strictBase64,
        base64: request.query.base64_encoded ?? false,
        languages: await judge0Languages(arbiter.languages),
      });
      if ('notUtf8' in rendered) throw judge0Error(400, NOT_UTF8_MESSAGE);
      return rendered.body;
    },
  );

  app.delete<{ Params: { token: string }; Querystring: SubmissionQuery }>(
    '/submissions/:token',
    {
      schema: {
        summary: 'Judge0: delete (cancel) a submission',
        description:
          'A queued or running submission is cancelled (status 13, Internal Error, message "cancelled …"); the answer is always base64-encoded, as in Judge0.',
        tags: ['judge0'],
        params: tokenParams,
        querystring: { type: 'object', properties: { fields: queryFields } },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      if (!(await find(request.params.token, caller))) throw judge0Error(404, 'submission not found');
      const record = await service.cancel(request.params.token, caller);
      const rendered = renderSubmission(record, {
        fields: parseFields(request.query.fields),
        strictBase64: settings.strictBase64,
        base64: true,
        languages: await judge0Languages(arbiter.languages),
      });
      return 'body' in rendered ? rendered.body : {};
    },
  );
}
