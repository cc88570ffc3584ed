import { PACKAGE_VERSION } from '../project-root.js';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';

import { ArbiterError } from '../errors.js';
import { declareErrorResponses } from './error-responses.js';
import { errorResponse, outputDiffSchema } from './schemas.js';
import type { Runtime } from '../runtime.js';
import { keyFromWebSocketProtocol, resolveCaller } from './auth.js';
import { registerCors } from './cors.js';
import './context.js';
import { registerJudge0Routes } from './compat/judge0/routes.js';
import { registerPistonRoutes } from './compat/piston/routes.js';
import { sendError } from './error-format.js';
import { registerHealthRoutes } from './health.js';
import { registerInteractiveRoute } from './interactive/route.js';
import { registerBodyLimit, registerJsonBody } from './request-body.js';
import { registerOriginPolicy } from './origin-policy.js';
import { registerWebSocket } from './push.js';
import { applyRateLimits, mintSession, type RateLimitContext } from './rate-limit.js';
import { SessionCodec } from './session.js';
import { registerSimpleRoutes } from './simple.js';
import { registerGradebookRoutes } from './v1/gradebook.js';
import { registerInfoRoutes } from './v1/info.js';
import { registerProblemPackageRoutes } from './v1/problem-packages.js';
import { registerProblemRoutes } from './v1/problems.js';
import { registerSubmissionRoutes } from './v1/submissions.js';
import { registerWebRoutes, WEB_OPEN_PATHS } from './web.js';

const VERSION = PACKAGE_VERSION;

/**
 * How often Node looks for connections past requestTimeoutMs or headersTimeoutMs (its default, 30 s,
 * would let a slow client overstay a 10 s limit threefold). One pass over the open connections.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Routes that answer without a key and outside the rate limits: probes and docs. */
const OPEN_PATHS = [/^\/health(\/|$)/, /^\/metrics$/, /^\/docs(\/|$)/, ...WEB_OPEN_PATHS];

export interface AppOptions {
  /** pino options, or false for no logging (tests). Default: JSON logs at the configured level. */
  logger?: boolean | { level: string };
}

/** The HTTP face of a Runtime: every route validated by a schema that also feeds /docs. */
export async function buildApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = runtime;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    // Slow clients (a body trickled a byte at a time, headers that never end) are cut off: each holds
    // a socket and its buffered body for as long as it likes otherwise. Node answers them 408.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    // One access-log line per request (below, with the outcome) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    // Fastify accepts boolean, hop count or addresses; the cast only picks one overload of its types.
    trustProxy: config.trustProxy as boolean,
    // Ids are UUIDs; longer parameters are refused with a 400 in the error format, not a bare 414.
    routerOptions: { maxParamLength: 500 },
    // Errors Fastify raises before routing (a broken %-escape) get the one error format too.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
  });
  app.decorateRequest('caller', null);
  app.decorate('sessions', new SessionCodec(config.sessionSecret));
  // The routes take the service façade from here, and nothing else of the runtime.
  app.decorate('arbiter', runtime.arbiter);
  // What the rate-limit charges spend from and report to: four parts of the runtime, no more.
  const rateLimits: RateLimitContext = {
    config,
    rateLimiter: runtime.rateLimiter,
    adaptive: runtime.adaptive,
    metrics: runtime.metrics,
  };
  app.decorate('rateLimits', rateLimits);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Arbiter', version: VERSION, description: 'Run untrusted code safely and judge it.' },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
        schemas: {
          OutputDiff: { ...outputDiffSchema, required: [...outputDiffSchema.required] },
          ErrorBody: { ...errorResponse, required: [...errorResponse.required] },
        },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // A WebSocket route asked without an Upgrade header answers 426 in the error format (the plugin
  // alone would send an empty 404), and stays listed in the OpenAPI document.
  app.addHook('onRoute', (route) => {
    const options = route as unknown as { websocket?: boolean; wsHandler?: unknown };
    if (!options.websocket) return;
    delete options.websocket;
    options.wsHandler = route.handler;
    route.handler = async (request) => {
      throw new ArbiterError(
        'UPGRADE_REQUIRED',
        `${request.url.split('?')[0]} is a WebSocket endpoint: connect with Upgrade: websocket`,
      );
    };
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new ArbiterError(
        'ROUTE_NOT_FOUND',
        `no route ${request.method} ${request.url.split('?')[0]}; see /docs`,
      ),
    ),
  );

  // First of the hooks: a DNS-rebinding Host or a cross-site write is refused before anything else.
  registerOriginPolicy(app, config);
  // Preflights are answered before the rate limits and keys: a browser sends neither with them.
  registerCors(app, config);
  registerJsonBody(app, config);
  // Before the auth hook: a browser's WebSocket presents its key as a subprotocol.
  app.addHook('onRequest', async (request) => keyFromWebSocketProtocol(request));
  await registerWebRoutes(app);
  // Loading the editor gives the browser a session: its own identity for the rate limits.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' && request.url.split('?')[0] === '/')
      await mintSession(rateLimits, request, reply);
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', String(request.id));
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.some((p) => p.test(path))) return;
    // The IP's bucket is charged before the key is checked, so guessing keys costs like anything else.
    const identity = await applyRateLimits(rateLimits, request, reply, async () => {
      const caller = await resolveCaller(request, app.arbiter.keys, config);
      request.caller = caller;
      return caller;
    });
    // The queue shares out fairly between the identities work is charged to (service/caller submitterOf).
    if (identity !== undefined && request.caller) request.caller = { ...request.caller, identity };
  });
  registerBodyLimit(app, config);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    runtime.metrics.httpRequests.inc({ method: request.method, route, code: String(reply.statusCode) });
    runtime.metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  declareErrorResponses(app);
  registerHealthRoutes(app, {
    version: VERSION,
    startedAt: runtime.startedAt,
    closing: () => runtime.closing,
    backends: runtime.backends,
    queue: runtime.queue,
    cluster: runtime.cluster,
    busy: () => runtime.workers?.busy ?? 0,
    adaptive: runtime.adaptive,
    compileCache: runtime.compileCache,
    metrics: runtime.metrics,
  });
  // Each API is a plugin over `app.arbiter` that translates shapes; none is handed the runtime.
  await app.register(registerSubmissionRoutes);
  await app.register(registerProblemRoutes);
  await app.register(registerProblemPackageRoutes);
  await app.register(registerGradebookRoutes);
  await app.register(registerInfoRoutes);
  await app.register(registerSimpleRoutes);
  await app.register(registerWebSocket);
  await app.register(registerInteractiveRoute);
  await app.register(registerPistonRoutes);
  await app.register(registerJudge0Routes);
  return app;
}
