// Helpers for the API integration tests: real `arbiter serve` processes (test/helpers/server.ts, the
// one way tests start a server: the real sandbox, so root, bubblewrap and the toolchains are
// needed), real HTTP with the global fetch, real temp dirs.
import assert from 'node:assert/strict';
import {
  isFinalStatus as isFinal,
  type ErrorBody,
  type Submission as SubmissionView,
} from '../../src/contract.js';
import { ArbiterProcess, tempDir as serverTempDir } from '../helpers/server.js';

export {
  ArbiterProcess as TestServer,
  cleanup,
  cli,
  createKey,
  revokeKey,
  root,
  startServer,
  startServerWithKeys,
  type StartArbiterOptions as StartOptions,
} from '../helpers/server.js';

type TestServer = ArbiterProcess;

/** A fresh temp dir, removed by cleanup(). */
export function tempDir(prefix = 'arbiter-api-'): string {
  return serverTempDir(prefix);
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** API key, sent as Authorization: Bearer. */
  key?: string;
  timeoutMs?: number;
}

/** One HTTP request to a test server. */
export async function request<T = Record<string, unknown>>(
  server: TestServer | string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const base = typeof server === 'string' ? server : server.url;
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = await fetch(base + path, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined; // not JSON (e.g. /metrics): callers read `text`
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

/** The API's shapes: the contract's (src/contract.ts), under the names these tests use. */
export type {
  ErrorBody,
  StageResult as StageView,
  Submission as SubmissionView,
  TestResult as TestView,
} from '../../src/contract.js';

export { isFinal };

/** Asserts the one error format of DESIGN.md, and optionally its status and code. */
export function assertErrorBody(
  response: ApiResponse<unknown>,
  expected: { status?: number; code?: string; path?: string } = {},
): ErrorBody {
  const context = `${response.status} ${response.text.slice(0, 500)}`;
  if (expected.status !== undefined) assert.equal(response.status, expected.status, context);
  assert.ok(response.status >= 400, context);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/, context);
  const body = response.body as ErrorBody;
  assert.ok(body && typeof body === 'object', `error body is not a JSON object: ${context}`);
  assert.equal(typeof body.error, 'string', context);
  assert.match(body.error, /^ARB_ERR_[A-Z_]+$/, context);
  assert.equal(typeof body.message, 'string', context);
  assert.ok(body.message.length > 0, context);
  assert.equal(body.status, response.status, context);
  assert.equal(typeof body.timestamp, 'string', context);
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)), `timestamp ${body.timestamp}`);
  assert.equal(typeof body.path, 'string', context);
  assert.equal(typeof body.requestId, 'string', context);
  assert.ok(body.requestId.length > 0, context);
  assert.equal(body.requestId, response.headers.get('x-request-id'), `requestId vs X-Request-Id: ${context}`);
  if (expected.code !== undefined) assert.equal(body.error, expected.code, context);
  if (expected.path !== undefined) assert.equal(body.path, expected.path, context);
  return body;
}

/** Polls `probe` until `done` holds or the deadline passes (then fails, showing the last value). */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      assert.fail(
        `timed out waiting for ${options.what ?? 'a condition'}; last value: ${JSON.stringify(value).slice(0, 2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** POST /api/v1/submissions; asserts 202 and returns the id. */
export async function submit(
  server: TestServer,
  body: Record<string, unknown>,
  key?: string,
): Promise<string> {
  const response = await request<{ id: string; status: string; position: number }>(
    server,
    'POST',
    '/api/v1/submissions',
    { body, key },
  );
  assert.equal(response.status, 202, response.text);
  assert.equal(response.body.status, 'queued', response.text);
  return response.body.id;
}

/** POST /api/v1/submissions?wait=true; asserts 200 and returns the result. */
export async function submitAndWait(
  server: TestServer,
  body: Record<string, unknown>,
  key?: string,
): Promise<SubmissionView> {
  const response = await request<SubmissionView>(server, 'POST', '/api/v1/submissions?wait=true', {
    body,
    key,
    timeoutMs: 60_000,
  });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

export async function getSubmission(server: TestServer, id: string, key?: string): Promise<SubmissionView> {
  const response = await request<SubmissionView>(server, 'GET', `/api/v1/submissions/${id}`, { key });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

/** Polls GET /api/v1/submissions/:id until the submission reaches a final status. */
export function waitFinal(
  server: TestServer,
  id: string,
  key?: string,
  timeoutMs = 30_000,
): Promise<SubmissionView> {
  return pollUntil(
    () => getSubmission(server, id, key),
    (s) => isFinal(s.status),
    { timeoutMs, what: `submission ${id} to finish` },
  );
}

/** Polls until the submission is running in a worker. */
export function waitRunning(
  server: TestServer,
  id: string,
  key?: string,
  timeoutMs = 20_000,
): Promise<SubmissionView> {
  return pollUntil(
    () => getSubmission(server, id, key),
    (s) => s.status !== 'queued',
    { timeoutMs, what: `submission ${id} to start` },
  ).then((s) => {
    assert.equal(s.status, 'running', `expected ${id} to be running: ${JSON.stringify(s)}`);
    return s;
  });
}

/** The sum of the Prometheus samples `name{labels} value` whose labels include `labels`; null when none. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line.trim());
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

export async function metrics(server: TestServer): Promise<string> {
  const response = await request(server, 'GET', '/metrics');
  assert.equal(response.status, 200, response.text);
  return response.text;
}

export { sleepyPython } from '../helpers/server.js';
