import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ArbiterError, isArbiterError } from '../../errors.js';
import { checkLimitsWithin } from '../../sandbox/limits.js';
import { parseProblemFiles } from '../../service/problem-files.js';
import type { ProblemRecord } from '../../store/types.js';
import { importPackage } from '../../packages/import-package.js';
import { PROBLEM_ID, type ImportedProblem } from '../../packages/imported-problem.js';
import { exportKattisPackage } from '../../packages/kattis-export.js';
import { KATTIS_MARKER } from '../../packages/kattis-layout.js';
import { packageInvalid, packageUnsupported } from '../../packages/package-error.js';
import { POLYGON_MARKER } from '../../packages/polygon-import.js';
import { pendingVerification } from '../../packages/verification.js';
import { DEFAULT_PACKAGE_LIMITS } from '../../packages/zip-reader.js';
import { callerOf, requireAdmin } from '../auth.js';
import { idParams } from '../schemas.js';
import { idSchema, problemOf, problemRoute } from './problems.js';

/** Content types a package upload may carry: the zip itself, as raw bytes. */
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'];

const importQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: {
      ...idSchema,
      description:
        "The problem's id; an existing problem of this id is replaced. Default: the package's name",
    },
  },
} as const;

/** What an import answers: the problem in brief (its tests can be megabytes), and its verification. */
export function importSummary(problem: ProblemRecord, format: ImportedProblem['format']) {
  return {
    id: problem.id,
    title: problem.title,
    format,
    testCount: problem.tests.length,
    groups: problem.groups,
    limits: problem.limits,
    checker: problem.checker ? { type: problem.checker.type } : undefined,
    interactor: problem.interactor
      ? { language: problem.interactor.language, protocol: problem.interactor.protocol ?? 'testlib' }
      : undefined,
    type: problem.type,
    graders: problem.graders ? Object.keys(problem.graders) : undefined,
    fileCount: problem.files?.length,
    solutions: (problem.solutions ?? []).map((s) => ({
      name: s.name,
      language: s.language,
      expected: s.expected,
    })),
    verification: problem.verification,
    createdAt: problem.createdAt,
    updatedAt: problem.updatedAt,
  };
}

/**
 * Problem packages through the API (admin only): import a Kattis or Polygon zip, export any problem
 * as a Kattis zip, verify a problem's reference solutions again, open a problem whatever its
 * verification says. See docs/problems.md, "Problem packages".
 */
export async function registerProblemPackageRoutes(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  const store = arbiter.problems;
  const get = (id: string): Promise<ProblemRecord> => problemOf(store, id);

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      ZIP_TYPES,
      { parseAs: 'buffer', bodyLimit: DEFAULT_PACKAGE_LIMITS.maxZipBytes },
      (_request, body, done) => done(null, body),
    );

    scope.post<{ Querystring: { id?: string }; Body: Buffer }>(
      '/api/v1/problems/import',
      problemRoute('Import a Kattis or Polygon problem package (zip body, admin); verification starts', {
        querystring: importQuery,
      }),
      async (request, reply) => {
        requireAdmin(callerOf(request));
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
          throw new ArbiterError(
            'INVALID_INPUT',
            `send the package's zip as the body, with Content-Type ${ZIP_TYPES[0]}`,
          );
        }
        const imported = importPackage(request.body);
        const marker = imported.format === 'kattis' ? KATTIS_MARKER : POLYGON_MARKER;
        try {
          checkLimitsWithin(imported.limits, arbiter.config.maxLimits);
        } catch (error) {
          if (isArbiterError(error, 'LIMIT_INVALID')) throw packageInvalid(marker, error.message);
          throw error;
        }
        if (imported.checker?.type === 'custom') {
          try {
            arbiter.languages.getInstalled(imported.checker.language);
          } catch (error) {
            if (!isArbiterError(error)) throw error;
            throw packageUnsupported(marker, `its checker's language cannot run here: ${error.message}`);
          }
        }
        if (imported.interactor) {
          try {
            arbiter.languages.getInstalled(imported.interactor.language);
          } catch (error) {
            if (!isArbiterError(error)) throw error;
            throw packageUnsupported(marker, `its interactor's language cannot run here: ${error.message}`);
          }
        }
        // include/ (Kattis) checked as an API problem's files and graders are: names, sizes, languages.
        let problemFiles: ReturnType<typeof parseProblemFiles>;
        try {
          problemFiles = parseProblemFiles(imported, imported.tests, arbiter.languages);
        } catch (error) {
          if (!isArbiterError(error)) throw error;
          throw packageUnsupported(imported.format === 'kattis' ? 'include/' : marker, error.message);
        }
        const chosen = request.query.id;
        const id = chosen ?? (imported.name && PROBLEM_ID.test(imported.name) ? imported.name : randomUUID());
        const existing = await store.getProblem(id);
        if (existing && chosen === undefined) {
          throw new ArbiterError(
            'INVALID_INPUT',
            `problem ${id} already exists; import with ?id=${id} to replace it`,
          );
        }
        const now = Date.now();
        const problem: ProblemRecord = {
          id,
          title: imported.title,
          tests: imported.tests,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        };
        if (imported.groups) problem.groups = imported.groups;
        if (imported.limits) problem.limits = imported.limits;
        if (imported.checker) problem.checker = imported.checker;
        if (imported.interactor) problem.interactor = imported.interactor;
        Object.assign(problem, problemFiles);
        if (imported.feedback) problem.feedback = imported.feedback;
        if (imported.solutions.length > 0) problem.solutions = imported.solutions;
        const verification = pendingVerification(imported.solutions);
        if (verification) problem.verification = verification;
        // Everything was checked above: the one write makes the whole problem appear at once.
        await store.putProblem(problem);
        if (verification) arbiter.startVerification(id, app.log);
        return reply.code(existing ? 200 : 201).send(importSummary(problem, imported.format));
      },
    );
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/problems/:id/export',
    problemRoute('Export a problem as a Kattis problem package (zip, admin)', { params: idParams }),
    async (request, reply) => {
      // The package holds the hidden tests and the reference solutions.
      requireAdmin(callerOf(request));
      const problem = await get(request.params.id);
      const zip = await exportKattisPackage(problem);
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${problem.id}.zip"`)
        .send(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/problems/:id/verify',
    problemRoute(
      "Run the problem's reference solutions again (admin); progress in the problem's verification",
      { params: idParams },
    ),
    async (request, reply) => {
      requireAdmin(callerOf(request));
      const problem = await get(request.params.id);
      const verification = pendingVerification(problem.solutions);
      if (!verification) {
        throw new ArbiterError('INVALID_INPUT', `problem ${problem.id} has no reference solutions to verify`);
      }
      await store.putProblem({ ...problem, verification });
      arbiter.startVerification(problem.id, app.log);
      return reply.code(202).send({ id: problem.id, verification });
    },
  );

  app.post<{ Params: { id: string }; Body: { open?: boolean } | undefined }>(
    '/api/v1/problems/:id/open',
    problemRoute('Open a problem to every caller whatever its verification says, or close it again (admin)', {
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: { open: { type: 'boolean', description: 'Default true; false closes it again' } },
      },
    }),
    async (request) => {
      requireAdmin(callerOf(request));
      const problem = await get(request.params.id);
      const open = request.body?.open ?? true;
      const changed: ProblemRecord = { ...problem };
      if (open) changed.open = true;
      else delete changed.open;
      await store.putProblem(changed);
      return { id: changed.id, open, verification: changed.verification };
    },
  );
}
