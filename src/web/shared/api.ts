/**
 * The pages' one way to the API: JSON over fetch with the stored key, and errors turned into an
 * ApiError that carries the HTTP status, Arbiter's stable code and the wait a 429 or 503 asked for.
 */

import type { ErrorBody as ContractErrorBody } from '../../contract.js';

/** localStorage entry holding the API key (both pages share it: same origin). */
const KEY_STORAGE = 'arbiter.apiKey';

export function storedKey(): string | null {
  return localStorage.getItem(KEY_STORAGE);
}

export function saveKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** Headers every call sends: the key as Bearer, when one is stored. */
export function authHeaders(): Record<string, string> {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Arbiter's error body (src/contract.ts), read warily: a proxy in between may answer with anything. */
type ErrorBody = Partial<Pick<ContractErrorBody, 'error' | 'message' | 'retryAfter'>>;

export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** Arbiter's stable error code (ARB_ERR_...), when the server sent one. */
  readonly code: string | null;
  /** Seconds to wait before retrying, from Retry-After or the body's retryAfter. */
  readonly retryAfter: number | null;

  constructor(status: number, message: string, code: string | null = null, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** 401 (no or unknown key) and 403 (key without the rights): ask for a key. */
  get needsKey(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function retryAfterOf(response: Response, body: ErrorBody | null): number | null {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header > 0) return Math.ceil(header);
  if (typeof body?.retryAfter === 'number' && body.retryAfter > 0) return Math.ceil(body.retryAfter);
  return null;
}

/** Turns a non-2xx response into an ApiError, reading Arbiter's error body when there is one. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    body = null; // not JSON (a proxy's error page): the status line is all there is
  }
  return new ApiError(
    response.status,
    body?.message ?? `${response.status} ${response.statusText}`,
    body?.error ?? null,
    retryAfterOf(response, body),
  );
}

/** fetch with the key; a network failure becomes ApiError status 0. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = {
    accept: 'application/json',
    ...authHeaders(),
    ...(init.headers as Record<string, string>),
  };
  try {
    return await fetch(path, { ...init, headers });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'cannot reach the server; check that it is running');
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await request(path);
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as T;
}

export async function sendJson<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await request(path, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as T;
}

/** A sentence for a person: what went wrong and what to do about it. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return `unexpected error: ${(error as Error).message}`;
  const wait = error.retryAfter ?? 1;
  switch (error.status) {
    case 0:
      return 'Cannot reach the server. Check that Arbiter is running, then try again.';
    case 401:
      return storedKey()
        ? `The server refused the saved API key (${error.message}). Enter another in the API key field.`
        : 'This server needs an API key: enter it in the API key field (an admin creates keys with `arbiter keys create`).';
    case 403:
      return `The saved API key may not do this (${error.message}). Enter a key with the rights it needs.`;
    case 429:
      return `Too many requests: wait ${wait} s, then try again.`;
    case 503:
      return `The server is busy (${error.message}): wait ${wait} s, then try again.`;
    default:
      return error.message;
  }
}
