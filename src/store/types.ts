import type {
  CheckerSpec,
  Feedback,
  InteractorSpec,
  JudgeResult,
  JudgeSettings,
  SubmissionStatus,
} from '../judge/types.js';
import type { Problem, ProblemFile } from '../contract.js';

/** Wire shapes of problems (files, graders, verification): the API contract's, src/contract.ts. */
export {
  EXPECTED_VERDICTS,
  PROBLEM_TYPES,
  type ExpectedVerdict,
  type ProblemFile,
  type ProblemGrader,
  type ProblemType,
  type ProblemVerification,
  type ReferenceSolution,
  type VerificationResult,
  type VerificationState,
} from '../contract.js';
import type { RunLimits } from '../sandbox/limits.js';

/**
 * A submission's request as stored: already validated and normalised by the API layer. How it runs
 * and is judged are the judge's own settings (JudgeSettings); the program's files and the rest are
 * the store's.
 */
export interface StoredRequest extends JudgeSettings {
  files: { name: string; content: string; encoding?: 'utf8' | 'base64' }[];
  cache?: boolean;
  /** The problem's feedback level, fixed when the submission is made. Default full. */
  feedback?: Feedback;
  /** A compatibility API's own view of the request (Judge0's fields); the judge never reads it. */
  compat?: Record<string, unknown>;
  /** The problem's files and its grader's for this language, copied when the submission is made. */
  problemFiles?: ProblemFile[];
  /** An output-only problem's submission: `files` are its outputs, one per test; nothing runs. */
  outputOnly?: boolean;
}

/** The body a callback carries: Arbiter's submission view, or Judge0's submission as GET shows it. */
export type CallbackFormat = 'arbiter' | 'judge0';

export const CALLBACK_FORMATS: readonly CallbackFormat[] = ['arbiter', 'judge0'];

/** A submission's callback: checked by the SSRF guard when accepted, and again at every attempt. */
export interface SubmissionCallback {
  url: string;
  format: CallbackFormat;
}

export interface SubmissionRecord {
  id: string;
  status: SubmissionStatus;
  /** Higher runs first; fair between submitters within a priority (see queue/fair-lanes). */
  priority: number;
  keyId: string | null;
  /** Who the submission is for, as the caller named them (a site's student; the `user` field). */
  user: string | null;
  /**
   * Who the queue shares out fairly between (queue/fair-lanes): the key and user, the key, the
   * browser session or the address. Internal: never shown.
   */
  submitter: string;
  language: string;
  version: string | null;
  problemId: string | null;
  /** Where its final state is sent, and in which API's shape (webhooks/callback-outbox.ts). */
  callback: SubmissionCallback | null;
  request: StoredRequest;
  result: (JudgeResult & { message?: string; cached?: boolean }) | null;
  /** How many times a worker has started it (more than 1 after a crash). */
  attempts: number;
  /** Insertion order, for FIFO within a priority. */
  seq: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Which submissions a listing or a count takes. Each field left out does not narrow it. */
export interface SubmissionFilter {
  /** Only this key's submissions; null: only anonymous ones; undefined: every key's. */
  keyId?: string | null;
  status?: SubmissionStatus;
  language?: string;
}

/** A page of a listing: newest first unless `oldestFirst`. */
export interface SubmissionQuery extends SubmissionFilter {
  /** Only submissions older than this seq (the cursor of the previous page). */
  beforeSeq?: number;
  /** Oldest first (seq ascending). Default false. */
  oldestFirst?: boolean;
  /** Submissions skipped before the page starts, for numbered pages. Default 0. */
  offset?: number;
  limit: number;
}

/** What a submission's `finished` event carries, read back when the event itself was lost. */
export interface FinishedSummary {
  id: string;
  keyId: string | null;
  status: SubmissionStatus;
  finishedAt: number;
}

/**
 * Which part of a problem's gradebook to read: one row per (key, user), ordered by key id then user
 * (code-point order in both stores), a page at a time.
 */
export interface GradebookQuery {
  problemId: string;
  /** Only this key's submissions; null: only anonymous ones; undefined: every key's. */
  keyId?: string | null;
  /** Only this user's row (of each key taken); undefined: every user's. */
  user?: string;
  /** Rows skipped before the page starts. Default 0. */
  offset?: number;
  limit: number;
}

/**
 * One user's standing on one problem. A key's submissions without a user make a row of their own
 * (user null); users are a key's own names, so the same name under two keys is two rows.
 */
export interface GradebookRow {
  keyId: string | null;
  user: string | null;
  /** Every submission of this user for the problem, whatever its status. */
  submissions: number;
  /** The highest score (the earliest submission reaching it); null until one is scored. */
  best: { score: number; maxScore: number | null; submissionId: string; at: number } | null;
  /** The newest submission; its score is null until it is judged. `at`: when it was made (ms). */
  latest: { score: number | null; status: SubmissionStatus; submissionId: string; at: number };
}

export type NewSubmission = Pick<
  SubmissionRecord,
  | 'id'
  | 'priority'
  | 'keyId'
  | 'user'
  | 'submitter'
  | 'language'
  | 'version'
  | 'problemId'
  | 'callback'
  | 'request'
>;

/**
 * Where retention cuts: ad-hoc runs finished before `runs` go; submissions to a problem (the
 * gradebook's marks) go when finished before `problems`, and never when it is null.
 */
export interface RetentionCut {
  runs: number;
  problems: number | null;
}

/**
 * A problem as stored, which is as an operator sees it on the wire (src/contract.ts Problem), with
 * its checker's and interactor's sources always present. Test groups are validated by
 * judge/groups.ts parseGroups; the interactor makes the problem interactive (judge/interactor.ts).
 */
export interface ProblemRecord extends Omit<Problem, 'checker' | 'interactor' | 'limits'> {
  limits?: Partial<RunLimits>;
  checker?: CheckerSpec;
  interactor?: InteractorSpec;
}

export type KeyRole = 'admin' | 'user';

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: KeyRole;
  /** Queue priority of this key's submissions. */
  priority: number;
  /** Requests per second for this key's bucket (burst is twice that). */
  ratePerSec: number;
  createdAt: number;
  revokedAt: number | null;
}

export interface StatusCount {
  status: SubmissionStatus;
  language: string;
  count: number;
}

/**
 * Persistence of submissions, problems, keys and cached results. Async, because the scale-out
 * back end (PostgreSQL) is; the SQLite one answers at once.
 */
export interface Store {
  createSubmission(submission: NewSubmission, now: number): Promise<SubmissionRecord>;
  getSubmission(id: string): Promise<SubmissionRecord | null>;
  /**
   * queued → running, counting the attempt; also running → running, when a queue hands out again a
   * job whose worker died. Null when it is final already (cancelled meanwhile).
   */
  markRunning(id: string, now: number): Promise<SubmissionRecord | null>;
  /** running|queued → a final status with its result. False when it already was final (idempotent). */
  finishSubmission(
    id: string,
    status: SubmissionStatus,
    result: SubmissionRecord['result'],
    now: number,
  ): Promise<boolean>;
  /** Crash recovery: every running submission goes back to queued. Returns how many. */
  requeueRunning(): Promise<number>;
  /** Queued submissions in run order (priority desc, then seq); all of them without `limit`. */
  listQueued(limit?: number): Promise<SubmissionRecord[]>;
  /** Queued or running submissions created before `before` (ms), oldest first: the reconciler's input. */
  listUnfinished(before: number, limit: number): Promise<SubmissionRecord[]>;
  /** Submissions newest first (seq descending), narrowed by `query`: a page of GET /api/v1/submissions. */
  listSubmissions(query: SubmissionQuery): Promise<SubmissionRecord[]>;
  /** How many submissions `filter` takes (the total of a numbered listing). */
  countSubmissions(filter: SubmissionFilter): Promise<number>;
  /** Of `ids`, the ones that are final (in no particular order); unknown ids are left out. */
  listFinishedAmong(ids: readonly string[]): Promise<FinishedSummary[]>;
  /**
   * Retention: removes finished submissions older than the cut for their kind (ms since the epoch).
   * Returns how many.
   */
  deleteFinishedBefore(cut: RetentionCut): Promise<number>;
  /**
   * Removes a problem's finished submissions (only `user`'s when given); queued and running ones
   * stay, as their jobs are still on their way. Returns how many.
   */
  deleteProblemSubmissions(problemId: string, user?: string): Promise<number>;
  countByStatus(): Promise<StatusCount[]>;
  /** A page of a problem's gradebook: each user's best and latest submission, computed in SQL. */
  gradebook(query: GradebookQuery): Promise<GradebookRow[]>;

  putProblem(problem: ProblemRecord): Promise<void>;
  getProblem(id: string): Promise<ProblemRecord | null>;
  listProblems(): Promise<ProblemRecord[]>;
  deleteProblem(id: string): Promise<boolean>;

  createKey(key: ApiKeyRecord, hash: string): Promise<void>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listKeys(): Promise<ApiKeyRecord[]>;
  revokeKey(id: string, now: number): Promise<boolean>;

  getCachedResult(key: string): Promise<SubmissionRecord['result']>;
  putCachedResult(key: string, result: NonNullable<SubmissionRecord['result']>, now: number): Promise<void>;

  ping(): Promise<boolean>;
  close(): Promise<void>;
}
