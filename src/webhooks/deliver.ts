/**
 * Webhook delivery: POSTs a finished submission to the user's callbackUrl, signed, with retries.
 *
 * - The SSRF guard checks the target before every attempt (DNS answers change between attempts),
 *   and the built-in transport connects only to the addresses it checked (see pinned-request.ts).
 * - 2xx is delivered. 5xx, 408, 429, network errors, timeouts and unresolvable hosts are retried
 *   with exponential backoff and full jitter; a Retry-After on 429/503 is honoured, capped at
 *   maxDelayMs. Other 4xx are final (the receiver said no), and so is any 3xx: redirects are never
 *   followed, since a redirect could point anywhere, past the guard.
 * - A failed delivery is an outcome, not an exception: the promise never rejects (bad options
 *   included, as this runs in the background where nobody could catch it), unless `onAttempt`
 *   itself throws.
 */
import { setTimeout as sleepMs } from 'node:timers/promises';
import { ArbiterError, isArbiterError } from '../errors.js';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.js';
import { requestPinned, type PinnedRequest, type TransportResponse } from './pinned-request.js';
import { WEBHOOK_SIGNATURE_HEADER, signWebhookPayload } from './signature.js';
import { checkCompiledTarget, compileWebhookAllowlist, type ResolveHost } from './ssrf-guard.js';

export interface WebhookJob {
  url: string;
  /** Sent as JSON. */
  body: unknown;
  /** HMAC key of the X-Arbiter-Signature header (see signature.ts). */
  secret: string;
  /** Default POST. */
  method?: 'POST' | 'PUT';
}

export interface WebhookAttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  delivered: boolean;
  /** The HTTP status, when a response came back. */
  status?: number;
  /** Why the attempt failed, when it did. */
  error?: string;
  /** The ArbiterError code, when the guard stopped the attempt. */
  errorCode?: string;
  /** The wait before the next attempt, in ms; absent when there will be none. */
  nextDelayMs?: number;
}

export interface DeliverWebhookOptions {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff base: the jitter ceiling after the first failure, doubling each time, in ms. Default 1,000. */
  baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included, in ms. Default 60,000. */
  maxDelayMs?: number;
  /** Per attempt, from sending to the response's status line, in ms. Default 10,000. */
  timeoutMs?: number;
  /** Hosts, IPs or CIDRs allowed although not public (see ssrf-guard.ts). Default none. */
  allowlist?: readonly string[];
  /**
   * Send through this fetch instead of the built-in transport (tests, proxies). Note that fetch
   * resolves the host again when it connects, so the check-then-connect DNS-rebinding window that
   * the built-in transport closes is open again with it.
   */
  fetch?: typeof fetch;
  /** DNS for the SSRF guard. Default `dns.promises.lookup` (all addresses). */
  resolve?: ResolveHost;
  /** Waits between attempts. Default a real timer; tests pass a fake one. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
  /** Told about every attempt, for logs and metrics. Must not throw. */
  onAttempt?: (info: WebhookAttemptInfo) => void;
}

export interface WebhookOutcome {
  delivered: boolean;
  /** Attempts made, including one stopped by the SSRF guard; 0 when the options were invalid. */
  attempts: number;
  /** The status of the last response, if one came back. */
  lastStatus?: number;
  /** Why the last attempt failed. */
  lastError?: string;
  /** The ArbiterError code behind `lastError`, if any (e.g. ARB_ERR_WEBHOOK_TARGET_REFUSED). */
  lastErrorCode?: string;
}

export const DEFAULT_DELIVER_WEBHOOK_OPTIONS = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 10_000,
});

export const WEBHOOK_USER_AGENT = 'Arbiter-Webhook';

type Transport = (request: PinnedRequest) => Promise<TransportResponse>;

/** Delivers `job`, retrying as described above; resolves with the outcome, never rejects. */
export async function deliverWebhook(
  job: WebhookJob,
  options: DeliverWebhookOptions = {},
): Promise<WebhookOutcome> {
  let prepared: ReturnType<typeof prepare>;
  try {
    prepared = prepare(job, options);
  } catch (error) {
    return { delivered: false, attempts: 0, ...describeFailure(error) };
  }
  const { settings, allowlist, body, transport } = prepared;
  const sleep = options.sleep ?? ((ms: number) => sleepMs(ms));
  let outcome: WebhookOutcome = { delivered: false, attempts: 0 };

  for (let attempt = 1; attempt <= settings.maxAttempts; attempt += 1) {
    let retryable: boolean;
    let retryAfterMs: number | undefined;
    try {
      const target = await checkCompiledTarget(job.url, allowlist, options.resolve);
      const response = await transport({
        url: target.url,
        addresses: target.addresses,
        method: job.method ?? 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': WEBHOOK_USER_AGENT,
          // Signed per attempt, so a late retry still falls within the receiver's tolerance.
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookPayload(job.secret, body),
        },
        body,
        timeoutMs: settings.timeoutMs,
      });
      const { status } = response;
      if (status >= 200 && status < 300) {
        options.onAttempt?.({ attempt, delivered: true, status });
        return { delivered: true, attempts: attempt, lastStatus: status };
      }
      retryable = status >= 500 || status === 429 || status === 408;
      if (status === 429 || status === 503) retryAfterMs = parseRetryAfterMs(response.retryAfter, Date.now());
      const error =
        status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
      outcome = { delivered: false, attempts: attempt, lastStatus: status, lastError: error };
    } catch (error) {
      // The guard's refusal is final; an unresolvable host, a network error or a timeout may pass.
      retryable = !isArbiterError(error, 'WEBHOOK_TARGET_REFUSED');
      outcome = { delivered: false, attempts: attempt, ...describeFailure(error) };
    }
    const nextDelayMs =
      retryable && attempt < settings.maxAttempts
        ? Math.min(
            settings.maxDelayMs,
            retryAfterMs ??
              backoffDelayMs(attempt, settings.baseDelayMs, settings.maxDelayMs, options.random),
          )
        : undefined;
    const info: WebhookAttemptInfo = { attempt, delivered: false };
    if (outcome.lastStatus !== undefined) info.status = outcome.lastStatus;
    if (outcome.lastError !== undefined) info.error = outcome.lastError;
    if (outcome.lastErrorCode !== undefined) info.errorCode = outcome.lastErrorCode;
    if (nextDelayMs !== undefined) info.nextDelayMs = nextDelayMs;
    options.onAttempt?.(info);
    if (nextDelayMs === undefined) break;
    await sleep(nextDelayMs);
  }
  return outcome;
}

/** Validates options (naming the bad key) and builds what every attempt shares. */
function prepare(job: WebhookJob, options: DeliverWebhookOptions) {
  const defaults = DEFAULT_DELIVER_WEBHOOK_OPTIONS;
  const settings = {
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
    baseDelayMs: options.baseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? defaults.maxDelayMs,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
  };
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `maxAttempts must be an integer >= 1, got ${settings.maxAttempts}`,
    );
  }
  for (const key of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0) {
      throw new ArbiterError('INVALID_INPUT', `${key} must be a finite number >= 0, got ${settings[key]}`);
    }
  }
  if (!Number.isFinite(settings.timeoutMs) || settings.timeoutMs <= 0) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `timeoutMs must be a finite number > 0, got ${settings.timeoutMs}`,
    );
  }
  if (job.secret === '') throw new ArbiterError('INVALID_INPUT', 'the webhook secret must not be empty');
  const allowlist = compileWebhookAllowlist(options.allowlist ?? []);
  const body = JSON.stringify(job.body) ?? 'null';
  const transport: Transport = options.fetch === undefined ? requestPinned : fetchTransport(options.fetch);
  return { settings, allowlist, body, transport };
}

/** The same request through a fetch implementation: no redirects, a timeout, body discarded. */
function fetchTransport(fetchImpl: typeof fetch): Transport {
  return async (request) => {
    const response = await fetchImpl(request.url.href, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    // Only the status matters. Discarding the body is best effort: the outcome is already known.
    await response.body?.cancel().catch((error: unknown) => void error);
    return { status: response.status, retryAfter };
  };
}

function describeFailure(error: unknown): Pick<WebhookOutcome, 'lastError' | 'lastErrorCode'> {
  if (isArbiterError(error)) return { lastError: error.message, lastErrorCode: error.code };
  if (!(error instanceof Error)) return { lastError: String(error) };
  // fetch reports "fetch failed" with the socket error as its cause; node:http reports it directly.
  const cause = error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException).code;
  const reason = error.name === 'TimeoutError' ? 'timed out' : cause.message;
  return { lastError: code === undefined || reason.includes(code) ? reason : `${reason} (${code})` };
}
