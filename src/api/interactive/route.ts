// GET /api/v1/interactive: the native protocol over a WebSocket, driving one InteractiveSession.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ArbiterError } from '../../errors.js';
import { toStage } from '../../judge/stage.js';
import { callerOf } from '../auth.js';
import { toArbiterError } from '../error-format.js';
import { decodedOutput } from './decoded-output.js';
import { exitResult, invalid, parseClientMessage, parseStartMessage, startMessageToJob } from './messages.js';
import { InteractiveSession } from './session.js';

/** How long a new socket may stay silent before its start message; a client sends it at once. */
const START_TIMEOUT_MS = 10_000;

/** Close codes of the native protocol: 1000 after exit, 1008 after a refused message, 1011 on a fault. */
const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_INTERNAL = 1011;

const PROTOCOL = `First message: {"type":"start", "language", "version"?, "source" | "files":[{name, content, encoding?}], "args"?, "limits"?, "compileLimits"?}.
Then {"type":"stdin","data":"..."}, {"type":"eof"} (closes stdin) and {"type":"kill"}.
The server sends {"type":"compile","result"} (compiled languages), {"type":"started"}, {"type":"stdout"|"stderr","data"} as the program writes,
and last {"type":"exit","result":{status, exitCode, signal, cpuMs, wallMs, memoryKb, reason?}}; then it closes the socket (1000).
A refused message gets {"type":"error","error":"ARB_ERR_...","message"} and the socket closes (1008; 1011 for a server fault).
Limits are clamped to the server maximum; the session ends at its wall limit like any run.
Sessions use sandbox slots outside the queue: at most half of them (at least one) at once; a further start waits its turn.`;

/**
 * GET /api/v1/interactive: run one program with stdin and output streamed over a WebSocket, in the
 * same sandbox and limits as any submission (the editor page uses it).
 */
export async function registerInteractiveRoute(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  app.route({
    method: 'GET',
    url: '/api/v1/interactive',
    schema: {
      summary: 'Interactive run over a WebSocket: stdin in, stdout/stderr out as they happen',
      description: PROTOCOL,
      tags: ['interactive'],
    },
    // A plain GET (no upgrade) is told how to connect. Declared with wsHandler rather than
    // `websocket: true`, which would hide the route from the OpenAPI page.
    handler: async () => {
      throw new ArbiterError(
        'INVALID_INPUT',
        'this route speaks WebSocket: open it with an Upgrade: websocket request (see /docs)',
      );
    },
    wsHandler: (socket: WebSocket, request) => {
      callerOf(request); // the auth hook has run (and refused unknown keys) before the upgrade
      let session: InteractiveSession | null = null;
      let closed = false;
      const send = (data: unknown) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(data));
      };
      const close = (code: number) => {
        if (closed) return;
        closed = true;
        clearTimeout(startTimer);
        socket.close(code);
      };
      const refuse = (thrown: unknown) => {
        const { error, internal } = toArbiterError(thrown);
        if (internal) request.log.error({ err: thrown }, 'interactive session failed');
        send({ type: 'error', error: error.code, message: error.message });
        close(internal ? CLOSE_INTERNAL : CLOSE_POLICY);
      };
      const startTimer = setTimeout(
        () => refuse(new ArbiterError('INVALID_INPUT', `no start message within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );

      const start = (message: Record<string, unknown>): InteractiveSession => {
        const parsed = parseStartMessage(message);
        arbiter.submissions.assertAccepting();
        const output = decodedOutput((type, data) => send({ type, data }));
        const sandbox = arbiter.sandbox;
        if (!sandbox) {
          throw new ArbiterError(
            'SANDBOX_UNAVAILABLE',
            'this node runs no programs; interactive runs need a node started with --workers',
          );
        }
        const started = new InteractiveSession(sandbox, startMessageToJob(arbiter, parsed), {
          onCompiled: (result) => send({ type: 'compile', result: toStage(result) }),
          onStarted: () => send({ type: 'started' }),
          ...output.handlers,
        });
        started.done.then(
          (outcome) => {
            output.flush();
            send({ type: 'exit', result: exitResult(outcome) });
            close(CLOSE_NORMAL);
          },
          (error: unknown) => refuse(error),
        );
        return started;
      };

      socket.on('message', (data) => {
        if (closed) return;
        try {
          const message = parseClientMessage(String(data), arbiter.config.maxJsonDepth);
          if (message.type === 'start') {
            if (session) throw invalid('the session has already started');
            clearTimeout(startTimer);
            session = start(message);
            return;
          }
          if (!session) throw invalid(`send {"type":"start", ...} first, not ${message.type}`);
          switch (message.type) {
            case 'stdin':
              if (typeof message.data !== 'string') throw invalid('stdin: data must be a string');
              session.write(message.data);
              break;
            case 'eof':
              session.end();
              break;
            case 'kill':
              session.kill();
              break;
            default:
              throw invalid(`unknown message type ${message.type}; see the protocol at /docs`);
          }
        } catch (error) {
          session?.kill();
          refuse(error);
        }
      });
      socket.on('close', () => {
        closed = true;
        clearTimeout(startTimer);
        // The client went away: stop the program so the slot is freed (killed runs are released cleanly).
        session?.kill();
      });
    },
  });
}
