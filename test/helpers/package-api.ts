// Problem packages through a running server's API, for the package tests: upload a zip, read a
// problem as a key sees it, wait for its verification, judge a submission, export it again. Each
// call asserts the answer's status, so a test reads as the steps it takes.
import assert from 'node:assert/strict';
import { pollUntil, request, type TestServer } from '../api/helpers.js';

export interface PackageApiTarget {
  server: TestServer;
  adminKey: string;
  userKey: string;
}

interface Verifiable {
  verification?: { state: string };
}

/**
 * The calls, bound to `target()` (read at each call, so it may name a server started in before()).
 * `Problem` and `Judged` are the shapes a test reads of a problem and of a judged submission.
 */
export function packageApi<Problem extends Verifiable, Judged>(
  target: () => PackageApiTarget,
  timeouts: { verifyMs: number; judgeMs: number },
) {
  const upload = async (zip: Uint8Array, query = '', key = target().adminKey) => {
    const response = await fetch(`${target().server.url}/api/v1/problems/import${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/zip', authorization: `Bearer ${key}` },
      body: zip,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: body as Record<string, unknown>,
    };
  };

  const problemAs = async (id: string, key: string): Promise<Problem> => {
    const response = await request<Problem>(target().server, 'GET', `/api/v1/problems/${id}`, { key });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };

  /** The problem once its verification has finished, passed or failed. */
  const verified = (id: string): Promise<Problem> =>
    pollUntil(
      () => problemAs(id, target().adminKey),
      (p) => p.verification?.state === 'passed' || p.verification?.state === 'failed',
      { timeoutMs: timeouts.verifyMs, intervalMs: 250, what: `verification of ${id}` },
    );

  const judged = async (
    problemId: string,
    language: string,
    source: string,
    key = target().userKey,
  ): Promise<Judged> => {
    const response = await request<Judged>(target().server, 'POST', '/api/v1/submissions?wait=true', {
      key,
      body: { language, source, problemId },
      timeoutMs: timeouts.judgeMs,
    });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };

  /** The problem as a Kattis zip, sent as a download named after it. */
  const exported = async (id: string): Promise<Uint8Array> => {
    const response = await fetch(`${target().server.url}/api/v1/problems/${id}/export`, {
      headers: { authorization: `Bearer ${target().adminKey}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.match(response.headers.get('content-disposition') ?? '', new RegExp(`filename="${id}.zip"`));
    return new Uint8Array(await response.arrayBuffer());
  };

  return { upload, problemAs, verified, judged, exported };
}
