/**
 * Judge0's information routes: languages, statuses, about, version, system and configuration info,
 * workers, and the authentication / authorization checks.
 */
import { PACKAGE_VERSION } from '../../../project-root.js';
import type { FastifyInstance } from 'fastify';

import { isAdmin } from '../../../service/caller.js';
import { callerOf, hashKey } from '../../auth.js';
import { judge0Error } from './errors.js';
import { judge0Languages, languageDetail } from './languages.js';
import { configInfo, type Judge0Settings } from './settings.js';
import { STATISTICS_CACHE_MS, statisticsBody, type DailyCreations } from './statistics.js';
import { JUDGE0_STATUSES } from './statuses.js';
import { systemInfo } from './system-info.js';

/** The Judge0 CE release whose API these routes follow. */
export const JUDGE0_API_VERSION = '1.13.1';

const ARBITER_VERSION = PACKAGE_VERSION;

const tags = ['judge0'];

export function registerInfoRoutes(
  app: FastifyInstance,
  settings: Judge0Settings,
  creations: DailyCreations,
): void {
  const { arbiter } = app;
  let statistics: { body: ReturnType<typeof statisticsBody>; until: number } | null = null;
  app.get<{ Querystring: { invalidate_cache?: string } }>(
    '/statistics',
    {
      schema: {
        summary: 'Judge0: statistics of this server (cached for 10 minutes)',
        description:
          'Submissions in total, today and on each of the last 30 days, by language and by status. invalidate_cache=true recomputes them (admin only).',
        tags,
        querystring: {
          type: 'object',
          properties: { invalidate_cache: { type: 'string', maxLength: 10 } },
        },
      },
    },
    async (request) => {
      const now = Date.now();
      // Recomputing is one aggregate over every stored submission: on demand for admins only.
      const invalidate = request.query.invalidate_cache === 'true' && isAdmin(callerOf(request));
      if (statistics === null || statistics.until <= now || invalidate) {
        const body = statisticsBody(
          await arbiter.countByStatus(),
          creations.summary(now),
          await judge0Languages(arbiter.languages),
          now,
        );
        statistics = { body, until: now + STATISTICS_CACHE_MS };
      }
      return statistics.body;
    },
  );

  app.get(
    '/languages',
    { schema: { summary: 'Judge0: installed languages, each name once', tags } },
    async () =>
      (await judge0Languages(arbiter.languages))
        .filter((l) => !l.isArchived && l.listed)
        .map((l) => ({ id: l.id, name: l.name })),
  );

  app.get(
    '/languages/all',
    { schema: { summary: 'Judge0: every language id, is_archived when not installed here', tags } },
    async () =>
      (await judge0Languages(arbiter.languages)).map((l) => ({
        id: l.id,
        name: l.name,
        is_archived: l.isArchived,
      })),
  );

  app.get<{ Params: { id: string } }>(
    '/languages/:id',
    {
      schema: {
        summary: 'Judge0: one language',
        tags,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 20 } } },
      },
    },
    async (request) => {
      const id = Number(request.params.id);
      const language = (await judge0Languages(arbiter.languages)).find((l) => l.id === id);
      if (!language) throw judge0Error(404, `language with id ${request.params.id} doesn't exist`);
      return languageDetail(language);
    },
  );

  app.get('/statuses', { schema: { summary: 'Judge0: the fourteen statuses', tags } }, async () =>
    JUDGE0_STATUSES.map((s) => ({ id: s.id, description: s.description })),
  );

  app.get('/about', { schema: { summary: 'Judge0: about this server', tags } }, async () => ({
    version: JUDGE0_API_VERSION,
    homepage: '/docs',
    source_code: 'Arbiter',
    maintainer: 'Arbiter (a Judge0 CE compatible API)',
    arbiter_version: ARBITER_VERSION,
  }));

  app.get(
    '/version',
    { schema: { summary: 'Judge0: the API version, as text', tags } },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send(JUDGE0_API_VERSION),
  );

  app.get(
    '/isolate',
    { schema: { summary: 'Judge0: the sandbox, as text', tags } },
    async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          `Arbiter ${ARBITER_VERSION} sandbox: bubblewrap namespaces, cgroups, rlimits and seccomp (isolate is not used)`,
        ),
  );

  app.get(
    '/license',
    { schema: { summary: 'Judge0: the license, as text', tags } },
    async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('Arbiter is licensed under the MIT License.'),
  );

  app.get('/system_info', { schema: { summary: 'Judge0: lscpu and free -h of this host', tags } }, () =>
    systemInfo(),
  );

  app.get(
    '/config_info',
    { schema: { summary: "Judge0: configuration with this server's values", tags } },
    async () => configInfo(settings),
  );

  app.get('/workers', { schema: { summary: 'Judge0: the queue and its workers', tags } }, async () => {
    const failed = (await arbiter.countByStatus())
      .filter((c) => c.status === 'internal_error')
      .reduce((sum, c) => sum + c.count, 0);
    // Scale-out: every live worker machine of the cluster; embedded: this process.
    const { queued, available, working } = await arbiter.capacity();
    return [
      {
        queue: 'default',
        size: queued,
        available,
        idle: Math.max(0, available - working),
        working,
        paused: 0,
        failed,
      },
    ];
  });

  // The auth hook has already refused a bad X-Auth-Token (401) by the time this runs.
  app.post(
    '/authenticate',
    { schema: { summary: 'Judge0: check the X-Auth-Token', tags } },
    async (_r, reply) => reply.code(200).send(),
  );

  // Judge0's authorization token (X-Auth-User) is an admin key here.
  app.post(
    '/authorize',
    { schema: { summary: 'Judge0: check that X-Auth-User (or the caller) is an admin', tags } },
    async (request, reply) => {
      const header = request.headers['x-auth-user'];
      const token = Array.isArray(header) ? header[0] : header;
      const admin = token ? await arbiter.isAdminKey(hashKey(token)) : callerOf(request).role === 'admin';
      if (!admin) throw judge0Error(403, 'authorization failed: this needs an admin key');
      return reply.code(200).send();
    },
  );
}
