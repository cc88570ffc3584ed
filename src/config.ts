import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ArbiterError } from './errors.js';
import { DEFAULT_OVERTAKE_LIMIT, MAX_OVERTAKE_LIMIT } from './queue/run-cost.js';
import { DEFAULT_MAX_LIMITS, DEFAULT_RUN_LIMITS, type RunLimits } from './sandbox/limits.js';

/** Every setting of `arbiter serve`, with its unit and default. Defaults live in DEFAULT_CONFIG only. */
export interface ArbiterConfig {
  /** Address to listen on. Default 127.0.0.1. */
  host: string;
  /** Port. Default 2358 (Judge0's, so its clients work unchanged). */
  port: number;
  /** Where the SQLite database and the compile cache live. Default ./data. */
  dataDir: string;
  /** Programs running at once (warm sandbox slots). Default: the number of cores. */
  workers: number;
  /** Waiting submissions beyond which new ones get 503. Default 10,000. */
  maxQueueLength: number;
  /** A submission waiting longer than this is cancelled, in ms. Default 5 minutes. */
  queueTimeoutMs: number;
  /**
   * Within a fair round, quick runs go before compiles; this bounds how many later submissions may
   * pass one compile (0: arrival order). A compile waits at most this many quick runs longer than
   * arrival order would make it. Whole number, 0 to 100,000. Default 200.
   */
  overtakeLimit: number;
  /** Longest a `?wait=true` request is held before it gets 202, in ms. Default 30 s. */
  maxWaitMs: number;
  /** Finished submissions made without a problem (ad-hoc runs) are deleted after this, in ms. Default 24 hours. */
  resultTtlMs: number;
  /**
   * Finished submissions to a problem (a course's marks, the gradebook's rows) are deleted after
   * this, in ms; 0 keeps them until an admin deletes them (DELETE /api/v1/problems/:id/submissions).
   * Default 0.
   */
  problemResultTtlMs: number;
  /**
   * Output a result keeps of each stdout and stderr (of the compile, the run and each test), in KiB;
   * the rest is cut and flagged *Truncated. Default 1024 (1 MiB).
   */
  keptOutputKb: number;
  /** Output a result keeps over all its stages and tests together, in KiB. Default 4096 (4 MiB). */
  keptOutputTotalKb: number;
  /**
   * Times a submission is started before Arbiter gives up on it as internal_error (its worker died
   * each time: a crash that would otherwise repeat after every restart). Default 3.
   */
  maxAttempts: number;
  /**
   * Submissions one API key (and all anonymous callers together) may have waiting in the queue;
   * past it, that key gets 429 while the others go on. Admin keys are exempt. Default 2,500.
   */
  maxQueuedPerKey: number;
  /** Largest request body, in bytes. Default 16 MiB (problems with large tests). */
  bodyLimitBytes: number;
  /**
   * Largest request body from a caller without an admin key (user keys, anonymous callers), in bytes;
   * bodyLimitBytes caps it too. A larger one is refused with 413 before it is read. Default 2 MiB: a
   * program and its input (problems with large tests are an admin's upload).
   */
  userBodyLimitBytes: number;
  /**
   * Deepest nesting of arrays and objects in a JSON body; a deeper one is refused with 400 before it
   * is parsed. Default 64 (Arbiter's own bodies nest 5 deep; JSON.parse of millions of levels blocks
   * the server for seconds).
   */
  maxJsonDepth: number;
  /**
   * Longest a client may take to send a whole request, headers and body, in ms; then it gets 408 and
   * the connection is closed. Default 60 s: a 16 MiB body at about 2.5 Mbit/s.
   */
  requestTimeoutMs: number;
  /** Longest a client may take to send a request's headers, in ms (at most requestTimeoutMs). Default 10 s. */
  headersTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed after this, in ms. Default 72 s: longer than the 60 s idle
   * timeout of common load balancers, so the server never closes a connection one is about to reuse.
   */
  keepAliveTimeoutMs: number;
  /** Serve callers without an API key. Default: only while bound to a loopback address. */
  anonymous: boolean;
  /**
   * Host names clients reach this server by besides loopback names (localhost, *.localhost) and IP
   * addresses, e.g. a reverse proxy's public name; a leading dot also allows subdomains (.example.edu).
   * A request naming another host is refused (403): that is how a DNS-rebinding web page reaches a
   * server on 127.0.0.1. Default none: on a loopback bind only loopback names and IP addresses are
   * answered; on other binds every name is, until some are listed.
   */
  allowedHosts: string[];
  /**
   * Web origins (`https://ide.example.edu`, `http://localhost:8080`, or `*` for any) whose pages may
   * call every API from a visitor's browser (CORS): the native API, Judge0's and Piston's. A
   * cross-origin page never acts as the loopback operator nor with a browser session, and without a
   * key it cannot read listings of submissions (docs/compat.md, "Browsers on other origins").
   * Default none.
   */
  corsOrigins: string[];
  /**
   * Web origins whose pages may call the Judge0 and Piston APIs from a visitor's browser (CORS), under
   * the same rules as corsOrigins. Default `*`: any origin, as Judge0 CE answers, so its IDE and
   * other browser clients work from their own origin.
   */
  compatCorsOrigins: string[];
  /**
   * Judge0 API: answer base64_encoded=true attributes as one unbroken base64 string (RFC 4648),
   * which strict decoders such as Judge0's Python SDK need, instead of Judge0 1.13.1's MIME lines of
   * 60 characters, each ending in a newline. Default false (Judge0's lines).
   */
  judge0StrictBase64: boolean;
  /**
   * Requests that create work (submissions, cancels, interactive sessions) per second from one
   * client address, everyone behind it together (burst twice that): sized for a class of 200 behind
   * one school NAT, each student of which has a bucket of their own as well. Default 200.
   */
  ipRatePerSec: number;
  /**
   * Requests that create work per second for one identity: a new API key, a browser session (given
   * by the editor page), or an address without either (burst twice that). Default 10.
   */
  defaultKeyRatePerSec: number;
  /**
   * Requests that create work per second for each user one API key names (the submission's `user`
   * field; burst twice that), within the key's own rate: one student of a site that calls Arbiter
   * with one key cannot use up the key. Default 10.
   */
  keyUserRatePerSec: number;
  /**
   * Requests that only read or follow (GET: polling, event streams, listings) per second from one
   * client address (burst twice that); the adaptive factor never lowers it. Default 1,000.
   */
  ipReadRatePerSec: number;
  /**
   * Key of the HMAC that signs browser sessions. Default: random per start (sessions then end with a
   * restart, and each API node of a scale-out deployment needs the same value set).
   */
  sessionSecret: string;
  /** Queue fill ratio past which rate limits start to fall. Default 0.5. */
  adaptiveThreshold: number;
  /** Lowest factor the adaptive policy applies to rates. Default 0.1. */
  adaptiveMinFactor: number;
  /** Priorities: what an admin key, a user key and an anonymous caller get. Higher runs first. */
  priorities: { admin: number; user: number; anonymous: number };
  /** Limits a request gets when it names none. */
  defaultLimits: RunLimits;
  /** Limits no request may exceed (400 above them). */
  maxLimits: RunLimits;
  /** Size cap of the on-disk compile cache, in bytes. Default 512 MiB. */
  compileCacheBytes: number;
  /** HMAC secret for webhook signatures. Default: random per start (set it to verify across restarts). */
  webhookSecret: string;
  /** Webhook targets allowed even on loopback/private addresses (hosts, IPs, CIDRs). Default none. */
  webhookAllowlist: string[];
  /** Grace period for running jobs at shutdown, in ms. Default 30 s. */
  shutdownGraceMs: number;
  /** pino log level. Default info. */
  logLevel: string;
  /**
   * Which proxies to believe about the client's address (X-Forwarded-For): false (none: the
   * socket's address is the client), true (any — only behind a proxy that overwrites the header),
   * a hop count, or addresses/CIDRs of your proxies. Default false: a client cannot pick its own
   * rate-limit bucket.
   */
  trustProxy: boolean | number | string;
  /**
   * Scale-out mode: Redis (queue, rate limits, events) and PostgreSQL (submissions) URLs. Both set =
   * scale-out; neither = embedded (SQLite in dataDir). Default: neither.
   */
  redisUrl: string;
  postgresUrl: string;
  /** PostgreSQL schema for Arbiter's tables. Default public. */
  postgresSchema: string;
  /**
   * PostgreSQL connections this process may hold. Every API node and worker has its own pool, so keep
   * their sum under the server's max_connections. Default 10.
   */
  postgresPoolSize: number;
  /** Prefix of every Redis key, so deployments can share one Redis. Default arbiter. */
  redisPrefix: string;
  /**
   * Whether this process runs programs: embedded always does; a scale-out API node does only when
   * workers is given explicitly (the `arbiter worker` command always does).
   */
  runsPrograms: boolean;
}

/** Scale-out when both Redis and PostgreSQL are configured. */
export const isScaleOut = (config: Pick<ArbiterConfig, 'redisUrl' | 'postgresUrl'>): boolean =>
  config.redisUrl !== '' && config.postgresUrl !== '';

export const DEFAULT_CONFIG: Readonly<
  Omit<ArbiterConfig, 'anonymous' | 'webhookSecret' | 'sessionSecret' | 'runsPrograms'>
> = Object.freeze({
  host: '127.0.0.1',
  port: 2358,
  dataDir: './data',
  workers: availableParallelism(),
  maxQueueLength: 10_000,
  queueTimeoutMs: 5 * 60_000,
  overtakeLimit: DEFAULT_OVERTAKE_LIMIT,
  maxWaitMs: 30_000,
  resultTtlMs: 24 * 60 * 60_000,
  problemResultTtlMs: 0,
  keptOutputKb: 1024,
  keptOutputTotalKb: 4096,
  maxAttempts: 3,
  maxQueuedPerKey: 2_500,
  bodyLimitBytes: 16 * 1024 * 1024,
  userBodyLimitBytes: 2 * 1024 * 1024,
  maxJsonDepth: 64,
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
  allowedHosts: [],
  corsOrigins: [],
  compatCorsOrigins: ['*'],
  judge0StrictBase64: false,
  ipRatePerSec: 200,
  defaultKeyRatePerSec: 10,
  keyUserRatePerSec: 10,
  ipReadRatePerSec: 1_000,
  adaptiveThreshold: 0.5,
  adaptiveMinFactor: 0.1,
  priorities: { admin: 10, user: 5, anonymous: 1 },
  defaultLimits: DEFAULT_RUN_LIMITS,
  maxLimits: DEFAULT_MAX_LIMITS,
  compileCacheBytes: 512 * 1024 * 1024,
  webhookAllowlist: [],
  shutdownGraceMs: 30_000,
  logLevel: 'info',
  trustProxy: false,
  redisUrl: '',
  postgresUrl: '',
  postgresSchema: 'public',
  postgresPoolSize: 10,
  redisPrefix: 'arbiter',
});

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.');

/** An allowedHosts entry: a host name, or a leading dot and a domain (the domain and its subdomains). */
const ALLOWED_HOST = /^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i;

/** A corsOrigins entry: `*`, or a web origin: scheme, host and an optional port, nothing else. */
const CORS_ORIGIN = /^(\*|https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9_-]+(\.[a-z0-9_-]+)*)(:\d{1,5})?)$/i;

/** Environment variables read once at start-up: ARBITER_<SETTING> in upper snake case. */
const ENV_KEYS: Record<string, keyof ArbiterConfig> = {
  ARBITER_HOST: 'host',
  ARBITER_PORT: 'port',
  ARBITER_DATA_DIR: 'dataDir',
  ARBITER_WORKERS: 'workers',
  ARBITER_MAX_QUEUE_LENGTH: 'maxQueueLength',
  ARBITER_QUEUE_TIMEOUT_MS: 'queueTimeoutMs',
  ARBITER_OVERTAKE_LIMIT: 'overtakeLimit',
  ARBITER_MAX_WAIT_MS: 'maxWaitMs',
  ARBITER_RESULT_TTL_MS: 'resultTtlMs',
  ARBITER_PROBLEM_RESULT_TTL_MS: 'problemResultTtlMs',
  ARBITER_KEPT_OUTPUT_KB: 'keptOutputKb',
  ARBITER_KEPT_OUTPUT_TOTAL_KB: 'keptOutputTotalKb',
  ARBITER_MAX_ATTEMPTS: 'maxAttempts',
  ARBITER_MAX_QUEUED_PER_KEY: 'maxQueuedPerKey',
  ARBITER_USER_BODY_LIMIT_BYTES: 'userBodyLimitBytes',
  ARBITER_MAX_JSON_DEPTH: 'maxJsonDepth',
  ARBITER_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  ARBITER_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  ARBITER_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  ARBITER_ANONYMOUS: 'anonymous',
  ARBITER_ALLOWED_HOSTS: 'allowedHosts',
  ARBITER_CORS_ORIGINS: 'corsOrigins',
  ARBITER_COMPAT_CORS_ORIGINS: 'compatCorsOrigins',
  ARBITER_JUDGE0_STRICT_BASE64: 'judge0StrictBase64',
  ARBITER_IP_RATE: 'ipRatePerSec',
  ARBITER_KEY_RATE: 'defaultKeyRatePerSec',
  ARBITER_KEY_USER_RATE: 'keyUserRatePerSec',
  ARBITER_IP_READ_RATE: 'ipReadRatePerSec',
  ARBITER_SESSION_SECRET: 'sessionSecret',
  ARBITER_WEBHOOK_SECRET: 'webhookSecret',
  ARBITER_WEBHOOK_ALLOWLIST: 'webhookAllowlist',
  ARBITER_LOG_LEVEL: 'logLevel',
  ARBITER_TRUST_PROXY: 'trustProxy',
  ARBITER_REDIS_URL: 'redisUrl',
  ARBITER_POSTGRES_URL: 'postgresUrl',
  ARBITER_POSTGRES_SCHEMA: 'postgresSchema',
  ARBITER_POSTGRES_POOL_SIZE: 'postgresPoolSize',
  ARBITER_REDIS_PREFIX: 'redisPrefix',
};

/** Settings that are objects: a partial one in a file is merged over the default, field by field. */
const OBJECT_SETTINGS = new Set<keyof ArbiterConfig>(['defaultLimits', 'maxLimits', 'priorities']);

function coerceTrustProxy(value: unknown): boolean | number | string {
  if (typeof value === 'boolean' || typeof value === 'number') return value;
  const text = String(value).trim();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

function coerce(key: keyof ArbiterConfig, value: unknown): unknown {
  if (key === 'trustProxy') return coerceTrustProxy(value);
  if (OBJECT_SETTINGS.has(key)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ArbiterError('INVALID_INPUT', `config ${key} must be an object`);
    }
    const defaults = (DEFAULT_CONFIG as unknown as Record<string, Record<string, number>>)[key]!;
    const merged: Record<string, number> = { ...defaults };
    for (const [field, v] of Object.entries(value)) {
      if (!(field in defaults))
        throw new ArbiterError('INVALID_INPUT', `config ${key}.${field} is not a known field`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ArbiterError('INVALID_INPUT', `config ${key}.${field} must be a non-negative number`);
      }
      merged[field] = v;
    }
    return merged;
  }
  const expected =
    key === 'anonymous' || key === 'runsPrograms'
      ? 'boolean'
      : typeof (DEFAULT_CONFIG as Record<string, unknown>)[key];
  if (key === 'webhookSecret' || key === 'sessionSecret') return String(value);
  if (
    key === 'webhookAllowlist' ||
    key === 'allowedHosts' ||
    key === 'corsOrigins' ||
    key === 'compatCorsOrigins'
  )
    return Array.isArray(value)
      ? value.map(String)
      : String(value)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (expected === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new ArbiterError(
        'INVALID_INPUT',
        `config ${key} must be a non-negative number, got ${String(value)}`,
      );
    return n;
  }
  if (expected === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new ArbiterError('INVALID_INPUT', `config ${key} must be true or false, got ${String(value)}`);
  }
  if (expected === 'string') return String(value);
  return value;
}

/**
 * Builds the configuration: defaults, then the config file, then ARBITER_* environment variables,
 * then command-line flags. A bad value fails at once, naming its key.
 */
export function loadConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Partial<ArbiterConfig> } = {},
): ArbiterConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG };
  let workersGiven = false;
  const apply = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (key === 'workers') workersGiven = true;
    if (
      !(key in DEFAULT_CONFIG) &&
      key !== 'anonymous' &&
      key !== 'webhookSecret' &&
      key !== 'sessionSecret' &&
      key !== 'runsPrograms'
    ) {
      throw new ArbiterError('INVALID_INPUT', `unknown config setting ${key}`);
    }
    merged[key] = coerce(key as keyof ArbiterConfig, value);
  };
  if (options.file) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `cannot read config file ${options.file}: ${(error as Error).message}`,
      );
    }
    for (const [key, value] of Object.entries(parsed)) apply(key, value);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) apply(key, options.env?.[name]);
  for (const [key, value] of Object.entries(options.flags ?? {})) apply(key, value);
  const config = merged as unknown as ArbiterConfig;
  config.anonymous ??= isLoopback(config.host);
  // A scale-out API node leaves the programs to `arbiter worker` unless told otherwise.
  config.runsPrograms ??= !isScaleOut(config) || workersGiven;
  config.webhookSecret ??= crypto.randomUUID() + crypto.randomUUID();
  config.sessionSecret ??= crypto.randomUUID() + crypto.randomUUID();
  config.dataDir = resolve(config.dataDir);
  if (!Number.isInteger(config.port) || config.port > 65535)
    throw new ArbiterError('INVALID_INPUT', `config port must be 0-65535, got ${config.port}`);
  if (!Number.isInteger(config.workers) || config.workers < 1)
    throw new ArbiterError('INVALID_INPUT', `config workers must be a whole number >= 1`);
  if (!Number.isInteger(config.postgresPoolSize) || config.postgresPoolSize < 1)
    throw new ArbiterError('INVALID_INPUT', `config postgresPoolSize must be a whole number >= 1`);
  // Zero would mean "no limit" to Node (or no attempt, no queue share): every bound is on, always.
  for (const key of [
    'userBodyLimitBytes',
    'maxJsonDepth',
    'requestTimeoutMs',
    'headersTimeoutMs',
    'keepAliveTimeoutMs',
    'maxAttempts',
    'maxQueuedPerKey',
  ] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1)
      throw new ArbiterError('INVALID_INPUT', `config ${key} must be a whole number >= 1`);
  }
  if (!Number.isInteger(config.overtakeLimit) || config.overtakeLimit > MAX_OVERTAKE_LIMIT)
    throw new ArbiterError(
      'INVALID_INPUT',
      `config overtakeLimit must be a whole number from 0 to ${MAX_OVERTAKE_LIMIT}`,
    );
  for (const name of config.allowedHosts) {
    if (!ALLOWED_HOST.test(name))
      throw new ArbiterError(
        'INVALID_INPUT',
        `config allowedHosts: "${name}" is not a host name (no scheme, port or path: arbiter.example.edu, or .example.edu for its subdomains too)`,
      );
  }
  for (const key of ['corsOrigins', 'compatCorsOrigins'] as const) {
    for (const origin of config[key]) {
      if (!CORS_ORIGIN.test(origin))
        throw new ArbiterError(
          'INVALID_INPUT',
          `config ${key}: "${origin}" is not a web origin (scheme://host[:port] with no path, such as https://ide.example.edu, or * for any)`,
        );
    }
  }
  return config;
}
