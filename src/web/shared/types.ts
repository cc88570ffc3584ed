/**
 * The API's shapes as the pages read them (DESIGN.md's contract). Written out here rather than
 * imported from the server's modules, which bring Node's types into browser code.
 */

export interface StageView {
  status: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: number | null;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
  /** Present only when the output is not UTF-8: its exact bytes. */
  stdoutBase64?: string;
  stderrBase64?: string;
  reason?: string | null;
  message?: string;
}

export interface TestView {
  name?: string;
  status: string;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  weight: number;
  message?: string;
  stdout?: string;
  hidden?: boolean;
  /** Its group, on a problem with test groups. */
  group?: string;
  /** The share of its points a checker's partial points gave it (0 to 1). */
  fraction?: number;
  /** Where a visible wrong answer first differs from the expected output. */
  diff?: DiffView;
}

/** A test's expected-vs-actual diff: lines from line `from`, the first difference at `line`. */
export interface DiffView {
  line: number;
  from: number;
  expected: string[];
  actual: string[];
}

/** One test group's outcome; no status where the problem shows students only the score. */
export interface GroupView {
  id: string;
  points: number;
  score: number;
  status?: string;
}

export interface SubmissionView {
  id: string;
  status: string;
  language: string;
  problemId?: string;
  position?: number;
  compile?: StageView;
  run?: StageView;
  tests: TestView[];
  groups?: GroupView[];
  score: number | null;
  maxScore: number | null;
  message?: string;
  cached?: boolean;
  queueMs: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

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

export interface LanguageView {
  id: string;
  name: string;
  version: string | null;
  compiled: boolean;
}

/** GET /api/v1/problems: one problem of the listing (docs/problems.md). */
export interface ProblemSummary {
  id: string;
  title: string;
  testCount: number;
  /** Absent: a program is judged. */
  type?: 'program' | 'output-only';
  /** The languages it has graders for: the only ones it takes. */
  graders?: string[];
  /** Present when the problem is interactive. */
  interactor?: { language: string };
  /** An output-only problem's output file per test, in test order. */
  outputFiles?: string[];
  visibleFiles?: string[];
}

/** A problem's file as GET /api/v1/problems/:id shows it. */
export interface ProblemFileView {
  name: string;
  content: string;
  encoding?: 'utf8' | 'base64';
  visible?: boolean;
}

/** The parts of GET /api/v1/problems/:id the editor reads. */
export interface ProblemView {
  id: string;
  files?: ProblemFileView[];
  graders?: Record<string, { files: ProblemFileView[]; entry?: string; sourceFile?: string }>;
}

export interface TimingSummary {
  count: number;
  avgWaitMs: number;
  p95WaitMs: number;
  avgRunMs: number;
  p95RunMs: number;
}

/** GET /api/v1/queue */
export interface QueueStats {
  length: number;
  running: number;
  workers: number;
  maxLength: number;
  rateLimitFactor: number;
  totals: {
    queued: number;
    running: number;
    processed: number;
    accepted: number;
    failed: number;
    cancelled: number;
    timedOut: number;
  };
  last15Minutes: TimingSummary;
  byLanguage: Record<string, { statuses: Record<string, number>; timings: TimingSummary | null }>;
}

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
