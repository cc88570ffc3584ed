/**
 * The API's shapes as the pages read them: the contract's (src/contract.ts, which imports nothing,
 * so no Node types reach browser code), under the names the pages use.
 */

import type {
  GroupResult,
  Language,
  OutputDiff,
  Problem,
  ProblemFile,
  StageResult,
  Submission,
  TestResult,
} from '../../contract.js';

export type { ProblemSummary, QueueStats, TimingSummary } from '../../contract.js';

export type StageView = StageResult;
export type TestView = TestResult;
/** A test's expected-vs-actual diff: lines from line `from`, the first difference at `line`. */
export type DiffView = OutputDiff;
/** One test group's outcome; no status where the problem shows students only the score. */
export type GroupView = GroupResult;
export type SubmissionView = Submission;

/** What SSE and the WebSocket push: an event, and the whole submission once finished. */
export interface SubmissionEventView {
  type: 'queued' | 'running' | 'finished' | 'status' | 'subscribed' | 'error';
  id?: string;
  status?: string;
  position?: number;
  at?: number;
  message?: string;
  submission?: SubmissionView;
}

/** The parts of GET /api/v1/languages' entries the pages read. */
export type LanguageView = Pick<Language, 'id' | 'name' | 'version' | 'compiled'>;

/** A problem's file as GET /api/v1/problems/:id shows it. */
export type ProblemFileView = ProblemFile;

/** The parts of GET /api/v1/problems/:id the editor reads. */
export type ProblemView = Pick<Problem, 'id' | 'files' | 'graders'>;

/** GET /health/detailed */
export interface HealthDetailed {
  status: string;
  version: string;
  mode: string;
  uptimeSeconds: number;
  queue: { length: number; maxLength: number };
  store: { kind: string; ok: boolean; error?: string };
  sandbox: {
    slots: number;
    busy: number;
    waiting: number;
    rebuilt: number;
    runs: number;
    cgroupVersion?: string;
    ok: boolean;
  };
  workers: { host: string; pid: number; concurrency: number; running: number }[];
  rateLimit: { factor: number; ipRatePerSec: number };
  caches: {
    compile: { hits: number; misses: number; entries?: number; bytes?: number };
    result: { hits: number; misses: number };
  };
  push: { subscribers: number };
  languages: { installed: number; known: number; missing: string[] };
}
