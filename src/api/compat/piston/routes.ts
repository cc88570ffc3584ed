import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ArbiterError } from '../../../errors.js';
import { compileLimitsFor } from '../../../judge/limits-policy.js';
import type { SubmissionInput } from '../../../service/submission-request.js';
import { isFinal } from '../../../service/submission-view.js';
import type { SubmissionRecord } from '../../../store/types.js';
import { callerOf } from '../../auth.js';
import { toArbiterError } from '../../error-format.js';
import { parseJsonText } from '../../request-body.js';
import { handlePistonConnect } from './connect.js';
import { parsePistonJob } from './job.js';
import { listRuntimes, type ResolvedRuntime } from './runtimes.js';
import { toPistonStage, type PistonStage } from './stage.js';

/** Added to a job's own limits when bounding how long an execute request waits for it. */
const WAIT_SLACK_MS = 30_000;

/** POST /api/v2/execute's answer. */
export interface PistonExecuteAnswer {
  language: string;
  version: string;
  run: PistonStage;
  compile?: PistonStage;
}

/**
 * A finished submission as Piston answers it. When the compile failed there is no run stage; Piston's
 * v2 API then repeats the compile stage as `run`, so clients that read `run.output` see the errors.
 */
function executeAnswer(
  runtime: ResolvedRuntime,
  record: SubmissionRecord,
): { status: number; body: PistonExecuteAnswer | { message: string } } {
  const result = record.result;
  const compile = result?.compile ? toPistonStage(result.compile) : undefined;
  const run = result?.run ? toPistonStage(result.run) : compile;
  if (!run) {
    // Nothing ran: cancelled in the queue (it waited too long) or an internal fault.
    const message = result?.message ?? `the job ended as ${record.status}`;
    return { status: record.status === 'cancelled' ? 503 : 500, body: { message } };
  }
  const body: PistonExecuteAnswer = { language: runtime.language, version: runtime.version, run };
  if (compile) body.compile = compile;
  return { status: 200, body };
}

/** Piston answers every error as {message}; the HTTP status and Retry-After stay Arbiter's. */
function sendPistonError(request: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const { error, retryAfter, internal } = toArbiterError(thrown);
  if (internal) request.log.error({ err: thrown }, 'request failed');
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  return reply.code(error.status).type('application/json').send({ message: error.message });
}

/**
 * Piston's v2 API (its published documentation): GET /api/v2/runtimes, POST /api/v2/execute (run
 * through the queue like any submission, so priorities, fairness and limits apply) and the
 * interactive WebSocket GET /api/v2/connect.
 */
export async function registerPistonRoutes(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  const { submissions: service, languages: registry, config } = arbiter;

  await app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => sendPistonError(request, reply, error));
    // Piston clients do not all say what they send (node's piston-client posts JSON as text/plain),
    // so within these routes any body is read as JSON.
    scope.removeContentTypeParser('text/plain');
    // The same depth limit as the root's JSON parser: a deeply nested text/plain body costs the parse
    // just as much. Cross-site text/plain posts are stopped by the origin policy, not here.
    const parseJson = (
      _request: FastifyRequest,
      body: string,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      if (body.trim() === '') return done(null, undefined);
      try {
        done(null, parseJsonText(body, config.maxJsonDepth));
      } catch (error) {
        done(error as Error);
      }
    };
    scope.addContentTypeParser('text/plain', { parseAs: 'string' }, parseJson);
    scope.addContentTypeParser('*', { parseAs: 'string' }, parseJson);

    scope.get(
      '/api/v2/runtimes',
      {
        schema: {
          summary: 'Piston v2: installed languages',
          description: '[{language, version, aliases}] for every installed language (Piston names).',
          tags: ['piston'],
        },
      },
      async () => listRuntimes(registry),
    );

    scope.post(
      '/api/v2/execute',
      {
        schema: {
          summary: 'Piston v2: run a program and answer with its stages',
          description:
            'Body {language, version (exact, "*" or a semver range), files[{name?, content, encoding? utf8|base64|hex}], stdin?, args?, compile_timeout?, run_timeout?, compile_cpu_time?, run_cpu_time?, compile_memory_limit?, run_memory_limit? (bytes; -1 = default)}. ' +
            'Answers {language, version, run{stdout, stderr, output, code, signal, message, status, cpu_time, wall_time, memory}, compile?}; errors are 400 {message}. ' +
            'The job goes through the queue like any submission.',
          tags: ['piston'],
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        service.assertAccepting();
        const job = await parsePistonJob(request.body, registry, config.maxLimits);
        const { definition } = job.runtime;
        const input: SubmissionInput = {
          language: definition.id,
          files: job.files,
          stdin: job.stdin,
          args: job.args,
          limits: job.limits,
        };
        if (Object.keys(job.compileLimits).length > 0) input.compileLimits = job.compileLimits;
        const { record } = await service.submit(input, caller);

        // Piston's execute has no asynchronous mode: wait until the job is final. The queue's own
        // timeout bounds the wait in the queue; the job's limits bound the rest.
        const gone = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) gone.abort();
        });
        const compileWallMs = record.request.compileLimits?.wallMs ?? compileLimitsFor(definition).wallMs;
        const waitMs = config.queueTimeoutMs + compileWallMs + record.request.limits.wallMs + WAIT_SLACK_MS;
        let done = await service.waitForFinal(record.id, waitMs, caller, gone.signal);
        if (gone.signal.aborted) {
          // Nobody is left to read the answer: free the queue slot or sandbox it would take.
          if (!isFinal(done.status)) await service.cancel(record.id, caller);
          return reply.hijack();
        }
        if (!isFinal(done.status)) done = await service.cancel(record.id, caller);
        const answer = executeAnswer(job.runtime, done);
        return reply.code(answer.status).send(answer.body);
      },
    );

    scope.route({
      method: 'GET',
      url: '/api/v2/connect',
      schema: {
        summary: "Piston v2: interactive run over a WebSocket (Piston's connect protocol)",
        description:
          'Send {"type":"init", ...execute fields without stdin} within 1 s, then {"type":"data","stream":"stdin","data"} and {"type":"signal","signal":"SIGKILL"}. ' +
          'The server sends runtime, stage (compile | run), data (stdout | stderr), exit {stage, code, signal, status, message} and error {message}; it closes the socket after the run exits (1000) or after an error (4000-4005). Any signal stops the program.',
        tags: ['piston'],
      },
      // wsHandler rather than `websocket: true`, which would hide the route from the OpenAPI page.
      handler: async () => {
        throw new ArbiterError(
          'INVALID_INPUT',
          'this route speaks WebSocket: open it with an Upgrade: websocket request',
        );
      },
      wsHandler: (socket: WebSocket, request) => handlePistonConnect(arbiter, socket, request),
    });
  });
}
