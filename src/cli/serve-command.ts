import { buildApp } from '../api/app.js';
import { loadConfig, type ArbiterConfig } from '../config.js';
import { Runtime } from '../runtime.js';
import { apiCallbackRenderers } from '../api/callback-formats.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  workers?: string;
  config?: string;
  redis?: string;
  postgres?: string;
  schema?: string;
}

export function configFromFlags(options: ServeOptions): ArbiterConfig {
  const flags: Partial<ArbiterConfig> = {};
  if (options.host !== undefined) flags.host = options.host;
  if (options.port !== undefined) flags.port = Number(options.port);
  if (options.dataDir !== undefined) flags.dataDir = options.dataDir;
  if (options.workers !== undefined) flags.workers = Number(options.workers);
  if (options.redis !== undefined) flags.redisUrl = options.redis;
  if (options.postgres !== undefined) flags.postgresUrl = options.postgres;
  if (options.schema !== undefined) flags.postgresSchema = options.schema;
  return loadConfig({ file: options.config, env: process.env, flags });
}

/** `arbiter serve`: one process with the API, the queue and in-process workers. Runs until a signal. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const config = configFromFlags(options);
  const runtime = await Runtime.start(config, { callbackRenderers: apiCallbackRenderers });
  const app = await buildApp(runtime);
  // A safety net, not the design: every known path handles its errors. A fault missed somewhere
  // must not take a classroom's server down; it is logged loudly instead.
  process.on('unhandledRejection', (reason) =>
    app.log.error({ err: reason }, 'unhandled rejection; kept running'),
  );
  const { requeued, queued } = runtime.recovered;
  if (requeued + queued > 0) app.log.info({ requeued, queued }, 'recovered the queue from the last run');
  const url = await app.listen({ host: config.host, port: config.port });
  app.log.info(
    {
      url,
      docs: `${url}/docs`,
      workers: config.workers,
      dataDir: config.dataDir,
      anonymous: config.anonymous,
    },
    'arbiter is ready',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      app.log.info(
        { signal, graceMs: config.shutdownGraceMs },
        'shutting down: no new work; running jobs get the grace period',
      );
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Stop accepting first, then let the workers finish within the grace period.
  const closing = app.close();
  await runtime.close();
  await closing;
  return 0;
}
