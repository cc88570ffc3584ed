import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import pino from 'pino';
import type { ErrorBody } from '../api/error-format.js';
import { isScaleOut } from '../config.js';
import { ArbiterError } from '../errors.js';
import { Runtime } from '../runtime.js';
import { apiCallbackRenderers } from '../api/callback-formats.js';
import { configFromFlags, type ServeOptions } from './serve-command.js';

/**
 * `arbiter worker --redis URL --postgres URL [--concurrency N]`: a worker machine. It claims jobs
 * from the shared queue, runs them in its sandbox, writes results to PostgreSQL, heartbeats in
 * Redis, and on SIGTERM finishes what it runs (within the grace period) and leaves the rest queued.
 */
/** Default port of a worker's /metrics and /health (Prometheus scrapes workers too: they run the jobs). */
export const DEFAULT_WORKER_METRICS_PORT = 9469;

/** The API's error body (DESIGN.md), for the few errors a worker's probe server can give. */
function sendError(response: ServerResponse, path: string, error: ArbiterError): void {
  const body: ErrorBody = {
    error: error.code,
    message: error.message,
    status: error.status,
    timestamp: new Date().toISOString(),
    path,
    requestId: randomUUID(),
  };
  response.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A worker serves no API, only its probes and metrics. */
function serveProbes(runtime: Runtime, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/metrics') {
      void runtime.metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': runtime.metrics.registry.contentType }).end(text),
        (error: Error) =>
          sendError(response, path, new ArbiterError('INTERNAL', `metrics failed: ${error.message}`)),
      );
    } else if (path === '/health') {
      const ok = !runtime.closing && (runtime.pool?.stats().slots ?? 0) > 0;
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'down' }));
    } else {
      sendError(
        response,
        path,
        new ArbiterError('ROUTE_NOT_FOUND', 'a worker serves /health and /metrics only'),
      );
    }
  });
  return new Promise((resolve, reject) =>
    server.once('error', reject).listen(port, host, () => resolve(server)),
  );
}

export async function workerCommand(
  options: ServeOptions & { concurrency?: string; metricsPort?: string },
): Promise<number> {
  const config = configFromFlags({ ...options, workers: options.concurrency ?? options.workers });
  if (!isScaleOut(config)) {
    throw new ArbiterError(
      'INVALID_INPUT',
      'a worker needs --redis and --postgres (or ARBITER_REDIS_URL and ARBITER_POSTGRES_URL)',
    );
  }
  config.runsPrograms = true;
  const log = pino({ level: config.logLevel });
  const runtime = await Runtime.start(config, { callbackRenderers: apiCallbackRenderers });
  // A safety net, not the design (see serve-command.ts).
  process.on('unhandledRejection', (reason) =>
    log.error({ err: reason }, 'unhandled rejection; kept running'),
  );
  const metricsPort =
    options.metricsPort === undefined ? DEFAULT_WORKER_METRICS_PORT : Number(options.metricsPort);
  // Several workers on one machine: the default port goes to the first, the others take any free
  // port (logged below). An explicit port that is taken is an error.
  const probes = await serveProbes(runtime, config.host, metricsPort).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' && options.metricsPort === undefined)
        return serveProbes(runtime, config.host, 0);
      throw error;
    },
  );
  const address = probes.address();
  log.info(
    {
      workerId: runtime.workerId,
      concurrency: config.workers,
      pid: process.pid,
      metrics:
        address && typeof address === 'object' ? `http://${config.host}:${address.port}/metrics` : null,
    },
    'arbiter worker is ready',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(
        { signal, graceMs: config.shutdownGraceMs },
        'draining: running jobs finish, the rest stay queued',
      );
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  probes.close();
  await runtime.close();
  log.info('arbiter worker stopped');
  return 0;
}
