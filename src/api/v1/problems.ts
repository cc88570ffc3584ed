import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ArbiterError } from '../../errors.js';
import { parseChecker, PROBLEM_CHECKER_BOUNDS } from '../../judge/checkers.js';
import { MAX_GROUPS, parseGroups } from '../../judge/groups.js';
import { parseInteractor } from '../../judge/interactor-spec.js';
import { FEEDBACK_LEVELS, GROUP_AGGREGATIONS, type Feedback, type TestCase } from '../../judge/types.js';
import { checkLimitsWithin, type RunLimits } from '../../sandbox/limits.js';
import {
  MAX_GRADERS,
  MAX_PROBLEM_FILES,
  outputFileNames,
  parseProblemFiles,
  type ProblemFileInput,
} from '../../service/problem-files.js';
import { pendingVerification } from '../../packages/verification.js';
import { visibleProblem } from '../../service/caller.js';
import type { ProblemCatalog } from '../../service/arbiter-service.js';
import { PROBLEM_TYPES, type ProblemRecord, type ProblemType } from '../../store/types.js';
import { callerOf, requireAdmin } from '../auth.js';
import { checkerSchema, fileSchema, idParams, limitsSchema, testSchema } from '../schemas.js';

interface ProblemBody {
  id?: string;
  title: string;
  tests: TestCase[];
  groups?: unknown;
  limits?: Partial<RunLimits>;
  checker?: unknown;
  interactor?: unknown;
  feedback?: Feedback;
  type?: ProblemType;
  files?: ProblemFileInput[];
  graders?: Record<string, unknown>;
}

/** A problem's or a group's id as a request gives it: letters, digits, `_`, `.` and `-` (PROBLEM_ID). */
export const idSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9_.-]+$',
} as const;

/** An object schema that requires `required` and refuses any field `properties` does not name. */
function closedObject<Properties extends object>(required: readonly string[], properties: Properties) {
  return { type: 'object', required, additionalProperties: false, properties } as const;
}

/** The options of a route of the problems API: its summary and schema parts, under the `problems` tag. */
export function problemRoute<Parts extends object>(summary: string, parts: Parts) {
  return { schema: { summary, tags: ['problems'], ...parts } };
}

/** The problem of `id`, or PROBLEM_NOT_FOUND. */
export async function problemOf(store: ProblemCatalog, id: string): Promise<ProblemRecord> {
  const problem = await store.getProblem(id);
  if (!problem) throw new ArbiterError('PROBLEM_NOT_FOUND', `no problem with id ${id}`);
  return problem;
}

/** A problem's file: a program's file, which students see only when `visible`. */
const problemFileSchema = {
  ...fileSchema,
  properties: {
    ...fileSchema.properties,
    visible: { type: 'boolean', description: 'Students see it in the problem (default false)' },
  },
} as const;

const problemFilesSchema = { type: 'array', items: problemFileSchema, maxItems: MAX_PROBLEM_FILES } as const;

/** One language's grader; parseProblemFiles checks the names and sizes. See docs/problems.md. */
const graderSchema = {
  type: 'object',
  required: ['files'],
  additionalProperties: false,
  properties: {
    files: { ...problemFilesSchema, minItems: 1 },
    entry: {
      type: 'string',
      maxLength: 255,
      description: "One of files, run in place of the student's source (an interpreted language's grader)",
    },
    sourceFile: {
      type: 'string',
      maxLength: 255,
      description: "The name the student's source gets (default the language's source file name)",
    },
  },
} as const;

/** A problem's test: a submission's, plus the group it belongs to. */
const problemTestSchema = {
  ...testSchema,
  properties: {
    ...testSchema.properties,
    group: {
      type: 'string',
      maxLength: 100,
      description: 'The id of its group (required when groups are given)',
    },
  },
} as const;

/**
 * The shape of a group, for the OpenAPI page and a first check; parseGroups checks the rest (ids
 * that exist, no cycles, every test in a group) with errors that name the field.
 */
const groupSchema = closedObject(['id', 'points'], {
  id: idSchema,
  points: { type: 'number', minimum: 0, description: 'What the group is worth when all its tests pass' },
  aggregation: {
    type: 'string',
    enum: GROUP_AGGREGATIONS,
    description:
      'sum (default: points shared by the tests by weight), min (all or nothing), product (shares multiplied)',
  },
  dependsOn: {
    type: 'array',
    items: { type: 'string', maxLength: 100 },
    maxItems: MAX_GROUPS,
    description: 'Groups that must pass in full for this one to score; otherwise its tests are skipped',
  },
});

const problemBody = closedObject(['title', 'tests'], {
  id: idSchema,
  title: { type: 'string', minLength: 1, maxLength: 200 },
  tests: { type: 'array', items: problemTestSchema, minItems: 1, maxItems: 1000 },
  groups: {
    type: 'array',
    items: groupSchema,
    minItems: 1,
    maxItems: MAX_GROUPS,
    description: 'Test groups (subtasks); when given, every test names its group. See docs/problems.md',
  },
  limits: limitsSchema,
  checker: checkerSchema,
  interactor: {
    type: 'object',
    description:
      'Makes the problem interactive: {language, source, protocol?: testlib (default) or kattis, files?: headers} of an interactor that talks with each submission; not with checker. See docs/problems.md',
  },
  feedback: {
    type: 'string',
    enum: FEEDBACK_LEVELS,
    description:
      'What students see of test results: full (default: hidden tests verdict and time only), verdicts (every test so), score (no per-test list)',
  },
  type: {
    type: 'string',
    enum: PROBLEM_TYPES,
    description:
      'program (default), or output-only: a submission is the outputs, language "output", a file <test name>.out (<n>.out for an unnamed test) per test',
  },
  files: {
    ...problemFilesSchema,
    description:
      "Files every run finds in its work directory, read-only (data files, headers); a student's file may not share a name",
  },
  graders: {
    type: 'object',
    maxProperties: MAX_GRADERS,
    additionalProperties: graderSchema,
    description:
      "By language id: files compiled (C, C++: those with the language's extensions) or run (entry) with the student's source. A problem with graders takes only their languages",
  },
});

/**
 * A problem as GET /api/v1/problems lists it: what a page needs to offer it (the editor's problem
 * mode), never its tests' data or its files' contents. Other fields are the problem's, as GET /:id
 * shows them to the caller.
 */
const problemSummarySchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    type: { type: 'string', enum: PROBLEM_TYPES, description: 'Absent: program' },
    testCount: { type: 'integer' },
    graders: {
      type: 'array',
      items: { type: 'string' },
      description: 'The languages it has graders for (and so the only ones it takes)',
    },
    interactor: {
      type: 'object',
      properties: { language: { type: 'string' } },
      description: 'Present when the problem is interactive (its source: admins only, in GET /:id)',
    },
    outputFiles: {
      type: 'array',
      items: { type: 'string' },
      description: "An output-only problem's: the file each test's output goes in, in test order",
    },
    visibleFiles: {
      type: 'array',
      items: { type: 'string' },
      description: "Names of the problem's files students see (headers, data); contents in GET /:id",
    },
  },
} as const;

export async function registerProblemRoutes(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  const store = arbiter.problems;
  const build = (body: ProblemBody, id: string, createdAt: number): ProblemRecord => {
    checkLimitsWithin(body.limits, arbiter.config.maxLimits);
    const problem: ProblemRecord = {
      id,
      title: body.title,
      tests: body.tests,
      createdAt,
      updatedAt: Date.now(),
    };
    const groups = parseGroups(body.groups, body.tests);
    if (groups) problem.groups = groups;
    if (body.limits) problem.limits = body.limits;
    if (body.checker !== undefined) problem.checker = parseChecker(body.checker, PROBLEM_CHECKER_BOUNDS);
    if (body.interactor !== undefined) {
      // The interactor decides each test: a checker beside it would have nothing to read.
      if (body.checker !== undefined)
        throw new ArbiterError('INVALID_INPUT', 'give either interactor or checker, not both');
      // An output-only submission runs nothing for an interactor to talk with.
      if (body.type === 'output-only')
        throw new ArbiterError('INVALID_INPUT', 'an output-only problem takes no interactor');
      problem.interactor = parseInteractor(body.interactor);
    }
    if (body.feedback !== undefined) problem.feedback = body.feedback;
    Object.assign(problem, parseProblemFiles(body, body.tests, arbiter.languages));
    return problem;
  };
  const get = (id: string): Promise<ProblemRecord> => problemOf(store, id);

  app.post<{ Body: ProblemBody }>(
    '/api/v1/problems',
    problemRoute('Create a problem with its test cases (admin)', { body: problemBody }),
    async (request, reply) => {
      requireAdmin(callerOf(request));
      const id = request.body.id ?? randomUUID();
      if (await store.getProblem(id))
        throw new ArbiterError('INVALID_INPUT', `problem ${id} already exists; use PUT to change it`);
      const problem = build(request.body, id, Date.now());
      await store.putProblem(problem);
      return reply.code(201).send(problem);
    },
  );

  app.get(
    '/api/v1/problems',
    problemRoute('List problems', {
      response: {
        200: { type: 'object', properties: { problems: { type: 'array', items: problemSummarySchema } } },
      },
    }),
    async (request) => {
      const caller = callerOf(request);
      return {
        problems: (await store.listProblems()).map((p) => {
          const visibleFiles = p.files?.filter((f) => f.visible).map((f) => f.name);
          return {
            ...visibleProblem(p, caller),
            tests: undefined,
            solutions: undefined,
            testCount: p.tests.length,
            // A listing is a summary: files and graders (up to megabytes each problem) are in GET /:id.
            files: undefined,
            graders: p.graders && Object.keys(p.graders),
            // Test names are shown to students (hidden tests keep theirs), so the names they make are too.
            outputFiles: p.type === 'output-only' ? outputFileNames(p.tests) : undefined,
            visibleFiles: visibleFiles?.length ? visibleFiles : undefined,
          };
        }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/problems/:id',
    problemRoute('A problem; hidden tests show no data to non-admins', { params: idParams }),
    async (request) => visibleProblem(await get(request.params.id), callerOf(request)),
  );

  app.put<{ Params: { id: string }; Body: ProblemBody }>(
    '/api/v1/problems/:id',
    problemRoute('Replace a problem (admin)', { params: idParams, body: problemBody }),
    async (request) => {
      requireAdmin(callerOf(request));
      const existing = await get(request.params.id);
      const problem = build(request.body, existing.id, existing.createdAt);
      // A package's reference solutions stay with the problem, and verify the changed problem again.
      if (existing.solutions) problem.solutions = existing.solutions;
      if (existing.open) problem.open = true;
      const verification = pendingVerification(existing.solutions);
      if (verification) problem.verification = verification;
      await store.putProblem(problem);
      if (verification) arbiter.startVerification(problem.id, app.log);
      return problem;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/problems/:id',
    problemRoute('Delete a problem (admin)', { params: idParams }),
    async (request, reply) => {
      requireAdmin(callerOf(request));
      if (!(await store.deleteProblem(request.params.id)))
        throw new ArbiterError('PROBLEM_NOT_FOUND', `no problem with id ${request.params.id}`);
      return reply.code(204).send();
    },
  );
}
