import { parseJsonText } from '../../request-body.js';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ArbiterError } from '../../../errors.js';
import { resolveCompileLimits, resolveRunLimits } from '../../../judge/limits-policy.js';
import { toStage } from '../../../judge/stage.js';
import type { ArbiterService } from '../../../service/arbiter-service.js';
import type { RunResult } from '../../../sandbox/run-spec.js';
import { sandboxFiles } from '../../../service/normalize.js';
import { callerOf } from '../../auth.js';
import { toArbiterError } from '../../error-format.js';
import { decodedOutput, type OutputStream } from '../../interactive/decoded-output.js';
import { InteractiveSession, type InteractiveJob } from '../../interactive/session.js';
import { parsePistonJob } from './job.js';
import { isSignal, toPistonStage } from './stage.js';

/** Piston closes a socket that sends no init within a second of connecting. */
const INIT_TIMEOUT_MS = 1000;

/** Close codes of Piston's connect protocol; 4999 "Job Completed" closes a socket whose job has finished. */
const CLOSE = {
  completed: 4999,
  alreadyInitialized: 4000,
  initTimeout: 4001,
  notifiedError: 4002,
  notInitialized: 4003,
  stdinOnly: 4004,
  invalidSignal: 4005,
} as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The exit message of a stage: Piston's code and signal, plus its status letters and message. */
function exitMessage(stage: 'compile' | 'run', result: RunResult) {
  const { code, signal, status, message } = toPistonStage(toStage(result));
  return { type: 'exit', stage, code, signal, status, message };
}

/**
 * GET /api/v2/connect: Piston's interactive protocol. The client sends init (an execute body without
 * stdin), then data {stream: "stdin"} and signal messages; the server answers runtime, stage, data
 * {stream: stdout | stderr} and exit, and closes the socket once the run stage has exited.
 * Any signal a client sends stops the program (the sandbox kills; it does not forward signals).
 */
export function handlePistonConnect(
  arbiter: ArbiterService,
  socket: WebSocket,
  request: FastifyRequest,
): void {
  callerOf(request); // the auth hook has run (and refused unknown keys) before the upgrade
  let session: InteractiveSession | null = null;
  let closed = false;
  const send = (data: unknown) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(data));
  };
  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    clearTimeout(initTimer);
    session?.kill();
    socket.close(code, reason);
  };
  const fail = (thrown: unknown) => {
    const { error, internal } = toArbiterError(thrown);
    if (internal) request.log.error({ err: thrown }, 'piston connect session failed');
    send({ type: 'error', message: error.message });
    close(CLOSE.notifiedError, 'Notified Error');
  };
  const initTimer = setTimeout(() => close(CLOSE.initTimeout, 'Initialization Timeout'), INIT_TIMEOUT_MS);

  const resolveJob = async (init: Record<string, unknown>): Promise<InteractiveJob> => {
    const { defaultLimits, maxLimits } = arbiter.config;
    const job = await parsePistonJob(init, arbiter.languages, maxLimits);
    send({ type: 'runtime', language: job.runtime.language, version: job.runtime.version });
    const { definition } = job.runtime;
    return {
      language: definition,
      files: sandboxFiles(job.files),
      args: job.args,
      limits: resolveRunLimits({
        requested: job.limits,
        defaults: defaultLimits,
        language: definition,
        max: maxLimits,
        aboveMax: 'clamp',
      }),
      compileLimits: resolveCompileLimits(job.compileLimits, definition, maxLimits, 'clamp'),
    };
  };

  const start = (init: Record<string, unknown>): InteractiveSession => {
    arbiter.submissions.assertAccepting();
    const data = (stream: OutputStream, text: string) => {
      if (text) send({ type: 'data', stream, data: text });
    };
    const output = decodedOutput(data);
    const sandbox = arbiter.sandbox;
    if (!sandbox)
      throw new ArbiterError(
        'SANDBOX_UNAVAILABLE',
        'this node runs no programs; connect to a node started with --workers',
      );
    const started = new InteractiveSession(sandbox, resolveJob(init), {
      onCompileStart: () => send({ type: 'stage', stage: 'compile' }),
      onCompiled: (result) => {
        data('stdout', result.stdout.toString('utf8'));
        data('stderr', result.stderr.toString('utf8'));
        send(exitMessage('compile', result));
      },
      onStarted: () => send({ type: 'stage', stage: 'run' }),
      ...output.handlers,
    });
    started.done.then(
      (outcome) => {
        output.flush();
        if (outcome.run) send(exitMessage('run', outcome.run));
        close(CLOSE.completed, 'Job Completed');
      },
      (error: unknown) => fail(error),
    );
    return started;
  };

  socket.on('message', (raw) => {
    if (closed) return;
    let message: unknown;
    try {
      message = parseJsonText(String(raw), arbiter.config.maxJsonDepth);
    } catch {
      fail(new ArbiterError('INVALID_INPUT', 'messages are JSON objects with a "type"'));
      return;
    }
    if (!isObject(message) || typeof message.type !== 'string') {
      fail(new ArbiterError('INVALID_INPUT', 'messages are JSON objects with a "type"'));
      return;
    }
    if (message.type === 'init') {
      if (session) return close(CLOSE.alreadyInitialized, 'Already Initialized');
      clearTimeout(initTimer);
      try {
        session = start(message);
      } catch (error) {
        fail(error);
      }
      return;
    }
    if (message.type !== 'data' && message.type !== 'signal') {
      fail(new ArbiterError('INVALID_INPUT', `unknown message type ${message.type}`));
      return;
    }
    if (!session) return close(CLOSE.notInitialized, 'Not yet Initialized');
    if (message.type === 'data') {
      if (message.stream !== 'stdin') return close(CLOSE.stdinOnly, 'Can only write to stdin');
      if (typeof message.data !== 'string') {
        fail(new ArbiterError('INVALID_INPUT', 'data must be a string'));
        return;
      }
      try {
        session.write(message.data);
      } catch (error) {
        fail(error);
      }
      return;
    }
    if (!isSignal(message.signal)) return close(CLOSE.invalidSignal, 'Invalid Signal');
    session.kill();
  });

  socket.on('close', () => {
    closed = true;
    clearTimeout(initTimer);
    // The client went away: stop the program so its slot is freed.
    session?.kill();
  });
}
