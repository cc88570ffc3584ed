import { PROJECT_ROOT } from '../project-root.js';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ArbiterError } from '../errors.js';
import { sendError } from './error-format.js';

/**
 * The web editor (`/`) and the ops dashboard (`/dashboard`): static files that Vite builds from
 * src/web into dist/web (`npm run build:web`; scripts/setup runs it). Loading them needs no key;
 * their data calls go through the API like any client's.
 */

/** dist/web, from src/api (tsx) and from dist/api (compiled) alike. */
const WEB_ROOT = join(PROJECT_ROOT, 'dist', 'web');

/** Paths that answer without a key and outside the rate limits (app.ts's OPEN_PATHS). */
export const WEB_OPEN_PATHS = [/^\/$/, /^\/dashboard$/, /^\/assets\//];

/** Hashed file names change with their content, so a browser may keep them for good. */
const ASSET_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;

function notBuilt(request: FastifyRequest, reply: FastifyReply, root: string): FastifyReply {
  return sendError(
    request,
    reply,
    new ArbiterError(
      'WEB_NOT_BUILT',
      `the web UI is not built: run \`npm run build:web\` (or scripts/setup); ${root} has no pages`,
    ),
  );
}

/**
 * Registers `/`, `/dashboard` and `/assets/*`. Whether dist/web exists is checked per request: a
 * build after start-up needs no restart.
 */
export async function registerWebRoutes(
  app: FastifyInstance,
  options: { /** Built pages. Default: dist/web. */ root?: string } = {},
): Promise<void> {
  const root = options.root ?? WEB_ROOT;
  await app.register(async (web) => {
    // No root and serve: false: no wildcard route, and no start-up check of a root that may not be
    // built yet; each route names the root in sendFile.
    await web.register(fastifyStatic, { serve: false, preCompressed: true });

    const page = (file: string) => async (request: FastifyRequest, reply: FastifyReply) => {
      if (!existsSync(join(root, file))) return notBuilt(request, reply, root);
      return reply
        .header('cache-control', 'no-cache')
        .header('vary', 'accept-encoding')
        .sendFile(file, root, { cacheControl: false });
    };
    const hidden = { schema: { hide: true } };
    web.get('/', hidden, page('index.html'));
    web.get('/dashboard', hidden, page('dashboard.html'));
    web.get<{ Params: { '*': string } }>('/assets/*', hidden, async (request, reply) => {
      if (!existsSync(root)) return notBuilt(request, reply, root);
      // The same URL may be sent as brotli, gzip or plain (preCompressed): caches must tell them apart.
      return reply.header('vary', 'accept-encoding').sendFile(`assets/${request.params['*']}`, root, {
        maxAge: ASSET_MAX_AGE_MS,
        immutable: true,
      });
    });
  });
}
