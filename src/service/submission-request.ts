import type { ArbiterConfig } from '../config.js';
import { ArbiterError } from '../errors.js';
import { parseChecker, PROBLEM_CHECKER_BOUNDS } from '../judge/checkers.js';
import { resolveCompileLimits, resolveRunLimits } from '../judge/limits-policy.js';
import type { TestCase } from '../judge/types.js';
import type { LanguageRegistry } from '../languages/registry.js';
import type { RunLimits } from '../sandbox/limits.js';
import {
  CALLBACK_FORMATS,
  type CallbackFormat,
  type ProblemRecord,
  type Store,
  type SubmissionCallback,
  type SubmissionRecord,
} from '../store/types.js';
import { checkWebhookTarget } from '../webhooks/ssrf-guard.js';
import { isAdmin, type Caller } from './caller.js';
import { normalizeFiles, validateTests, type FileInput } from './normalize.js';
import { bindProblemFiles, OUTPUT_ONLY_LANGUAGE, outputFiles } from './problem-files.js';

/** The longest callback URL any API accepts (Judge0's callback_url allows 2,048). */
const MAX_CALLBACK_URL_CHARS = 2048;

export interface SubmissionInput {
  language: string;
  /** Who the submission is for, in the caller's own terms (a site's student id); see submitterOf. */
  user?: string;
  version?: string;
  source?: string;
  files?: FileInput[];
  stdin?: string;
  args?: string[];
  limits?: Partial<RunLimits>;
  tests?: TestCase[];
  problemId?: string;
  checker?: unknown;
  stopOnFirstFailure?: boolean;
  priority?: number;
  callbackUrl?: string;
  /** The shape the callback is sent in: a compatibility API answers in its own. Default 'arbiter'. */
  callbackFormat?: CallbackFormat;
  cache?: boolean;
  /** Limits for the compile; unset ones come from the server's compile defaults. */
  compileLimits?: Partial<RunLimits>;
  /** Extra compiler flags (Judge0's compiler_options), appended to the compile command. */
  compilerOptions?: string[];
  /** stderr into stdout (Judge0's redirect_stderr_to_stdout). */
  mergeStderr?: boolean;
  /** Kept with the request for a compatibility API to answer in its own terms; the judge never reads it. */
  compat?: Record<string, unknown>;
}

/** A submission checked and resolved: what is stored and queued, before it has an id. */
export interface ResolvedSubmission {
  /** The language's id, or OUTPUT_ONLY_LANGUAGE for an output-only problem's outputs. */
  language: string;
  /** The installed version that will run; null for outputs. */
  version: string | null;
  /** At most the caller's own priority. */
  priority: number;
  callback: SubmissionCallback | null;
  /** What the judge runs: files, limits resolved once, tests, checker, the problem's parts. */
  request: SubmissionRecord['request'];
}

/** What resolving a submission reads: the settings, the languages, and the problems. */
export interface ResolveParts {
  config: Pick<ArbiterConfig, 'defaultLimits' | 'maxLimits' | 'webhookAllowlist'>;
  registry: LanguageRegistry;
  problems: Pick<Store, 'getProblem'>;
}

/**
 * Checks a client's submission and resolves it into the request the judge runs: the language's
 * installed version, the files, the problem's tests, checker and limits (which bind: a student may
 * not judge by rules of their own), the limits resolved once, the priority and the callback.
 * Throws an ArbiterError (400, 404, 403) for anything it cannot accept; stores nothing.
 */
export async function resolveSubmission(
  input: SubmissionInput,
  caller: Caller,
  { config, registry, problems }: ResolveParts,
): Promise<ResolvedSubmission> {
  // An output-only problem's submission sends outputs, not a program: no language runs.
  const outputOnly = input.language === OUTPUT_ONLY_LANGUAGE;
  // The installed version the request selects (`version`: exact, prefix or semver range).
  const language = outputOnly ? null : await registry.resolve(input.language, input.version);
  const version = language ? await registry.version(language) : null;
  let files = language ? normalizeFiles(language, input.source, input.files) : [];
  let bound: ReturnType<typeof bindProblemFiles> | null = null;

  const { defaultLimits, maxLimits } = config;
  let tests = input.tests ? validateTests(input.tests) : undefined;
  let checkerInput = input.checker;
  let problem: ProblemRecord | null = null;
  if (input.problemId !== undefined) {
    problem = await problems.getProblem(input.problemId);
    if (!problem) throw new ArbiterError('PROBLEM_NOT_FOUND', `no problem with id ${input.problemId}`);
    // The problem's tests, checker and limits bind: a student may not judge by rules of their own.
    if (input.tests) throw new ArbiterError('INVALID_INPUT', 'give either tests or problemId, not both');
    if (input.checker !== undefined)
      throw new ArbiterError(
        'INVALID_INPUT',
        "a problem's submission is judged by the problem's checker; leave out checker",
      );
    // Reference solutions not (yet) verified: only admins may submit, until an admin opens it.
    if (
      problem.verification &&
      problem.verification.state !== 'passed' &&
      !problem.open &&
      !isAdmin(caller)
    ) {
      throw new ArbiterError(
        'PROBLEM_NOT_VERIFIED',
        `problem ${problem.id} is not open yet: its reference solutions are ${problem.verification.state === 'failed' ? 'not all getting their expected verdicts' : 'being verified'}`,
      );
    }
    tests = problem.tests;
    checkerInput = problem.checker;
    if ((problem.type === 'output-only') !== outputOnly)
      throw new ArbiterError(
        'INVALID_INPUT',
        outputOnly
          ? `problem ${problem.id} takes a program; language "${OUTPUT_ONLY_LANGUAGE}" is for output-only problems`
          : `problem ${problem.id} is output-only: submit its outputs with language "${OUTPUT_ONLY_LANGUAGE}" and one file per test`,
      );
    if (language) {
      bound = bindProblemFiles(problem, language, files);
      files = bound.files;
    } else files = outputFiles(problem.tests, input.source, input.files);
  } else if (outputOnly) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `language "${OUTPUT_ONLY_LANGUAGE}" submits outputs to an output-only problem: give its problemId`,
    );
  }
  const checker =
    checkerInput === undefined
      ? undefined
      : parseChecker(checkerInput, problem ? PROBLEM_CHECKER_BOUNDS : undefined);
  const checkerLanguage = checker?.type === 'custom' ? registry.getInstalled(checker.language) : null;

  const problemLimits = problem?.limits ?? (problem ? {} : undefined);
  const limits = resolveRunLimits({
    requested: input.limits,
    problem: problemLimits,
    defaults: defaultLimits,
    language: language ?? checkerLanguage ?? {},
    max: maxLimits,
  });

  if (input.priority !== undefined && (!Number.isInteger(input.priority) || input.priority < 0)) {
    throw new ArbiterError('INVALID_INPUT', 'priority must be a whole number >= 0');
  }
  // A request may lower its priority, never raise it above its key's.
  const priority = Math.min(input.priority ?? caller.priority, caller.priority);
  const callback = await callbackOf(input, config);

  const request: SubmissionRecord['request'] = { files, limits };
  if (input.stdin !== undefined) request.stdin = input.stdin;
  if (input.args !== undefined) request.args = input.args;
  if (tests !== undefined) request.tests = tests;
  if (problem?.groups) request.groups = problem.groups;
  if (checker !== undefined) request.checker = checker;
  if (checkerLanguage) {
    request.checkerLimits = resolveRunLimits({
      problem: problemLimits,
      defaults: defaultLimits,
      language: checkerLanguage,
      max: maxLimits,
    });
  }
  if (problem?.interactor) {
    // Like a checker, the interactor is the problem's program: the problem's limits, never the student's.
    request.interactor = problem.interactor;
    request.interactorLimits = resolveRunLimits({
      problem: problemLimits,
      defaults: defaultLimits,
      language: registry.getInstalled(problem.interactor.language),
      max: maxLimits,
    });
  }
  if (problem?.feedback) request.feedback = problem.feedback;
  if (bound?.problemFiles) request.problemFiles = bound.problemFiles;
  if (bound?.grader) request.grader = bound.grader;
  if (outputOnly) request.outputOnly = true;
  if (input.stopOnFirstFailure !== undefined) request.stopOnFirstFailure = input.stopOnFirstFailure;
  if (input.cache) request.cache = true;
  if (language?.compile)
    request.compileLimits = resolveCompileLimits(input.compileLimits, language, maxLimits);
  if (input.compilerOptions?.length) request.compilerOptions = input.compilerOptions;
  if (input.mergeStderr) request.mergeStderr = true;
  if (input.compat !== undefined) request.compat = input.compat;

  return { language: language?.id ?? OUTPUT_ONLY_LANGUAGE, version, priority, callback, request };
}

/** The request's callback, its target checked by the SSRF guard now (and again at every attempt). */
async function callbackOf(
  input: SubmissionInput,
  config: Pick<ArbiterConfig, 'webhookAllowlist'>,
): Promise<SubmissionCallback | null> {
  const format = input.callbackFormat ?? 'arbiter';
  if (!CALLBACK_FORMATS.includes(format))
    throw new ArbiterError('INVALID_INPUT', `callbackFormat must be one of ${CALLBACK_FORMATS.join(', ')}`);
  if (input.callbackUrl === undefined) return null;
  if (typeof input.callbackUrl !== 'string' || input.callbackUrl.length > MAX_CALLBACK_URL_CHARS)
    throw new ArbiterError(
      'INVALID_INPUT',
      `callbackUrl must be a URL of at most ${MAX_CALLBACK_URL_CHARS} characters`,
    );
  await checkWebhookTarget(input.callbackUrl, { allowlist: config.webhookAllowlist });
  return { url: input.callbackUrl, format };
}
