import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ArbiterConfig } from '../config.js';
import { POSTGRES_MIGRATIONS } from '../store/postgres-migrations.js';
import type { Check } from './doctor.js';

/** How long doctor waits for Redis or PostgreSQL to answer before calling it unreachable. */
const CONNECT_TIMEOUT_MS = 3_000;
/** BullMQ works from Redis 5 but its authors advise 6.2 or later; older servers are refused here. */
const MIN_REDIS = [6, 2] as const;
/** The oldest PostgreSQL the store's SQL (JSONB, partial indexes, advisory xact locks) is tested on. */
const MIN_POSTGRES_NUM = 120000;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Splits "7.0.15" into numbers and compares it with a minimum [major, minor]. */
export function versionAtLeast(version: string, minimum: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

/** Reads a field of Redis INFO output ("redis_version:7.0.15"). */
export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * Redis for scale-out: reachable, new enough for BullMQ, and never evicting keys. An eviction policy
 * other than noeviction lets Redis drop queued jobs under memory pressure, which BullMQ cannot survive.
 */
export async function redisCheck(url: string): Promise<Check> {
  const fix = `start Redis >= ${MIN_REDIS.join('.')} and check redisUrl (${redact(url)})`;
  // ioredis rejects connect() with a bare "Connection is closed"; the socket's own error says why.
  let lastError: Error | null = null;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  }).on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    const version = infoField(await redis.info('server'), 'redis_version') ?? 'unknown';
    if (!versionAtLeast(version, MIN_REDIS))
      return { name: 'redis', ok: false, detail: `Redis ${version} is too old for BullMQ`, fix };
    let policy: string;
    try {
      policy = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1] ?? 'unknown';
    } catch {
      // Managed services often disable CONFIG; that is not a failure, only unknown.
      policy = 'unknown (CONFIG GET is not allowed)';
    }
    if (policy !== 'noeviction' && !policy.startsWith('unknown')) {
      return {
        name: 'redis',
        ok: false,
        detail: `Redis ${version} evicts keys (maxmemory-policy ${policy}): queued jobs could vanish`,
        fix: 'set maxmemory-policy noeviction in redis.conf (or CONFIG SET maxmemory-policy noeviction)',
      };
    }
    return {
      name: 'redis',
      ok: true,
      detail: `Redis ${version} at ${redact(url)}, maxmemory-policy ${policy}`,
    };
  } catch (error) {
    const why = message(lastError ?? error);
    return { name: 'redis', ok: false, detail: `cannot reach ${redact(url)}: ${why}`, fix };
  } finally {
    redis.disconnect();
  }
}

/** PostgreSQL for scale-out: reachable, new enough, and how far the schema's migrations have come. */
export async function postgresCheck(url: string, schema: string): Promise<Check> {
  const fix = `start PostgreSQL >= ${MIN_POSTGRES_NUM / 10000} and check postgresUrl (${redact(url)})`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ num: string; version: string }>(
      "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
    );
    const { num, version } = rows[0]!;
    if (Number(num) < MIN_POSTGRES_NUM)
      return { name: 'postgresql', ok: false, detail: `PostgreSQL ${version} is too old`, fix };
    const latest = Math.max(...POSTGRES_MIGRATIONS.map((m) => m.version));
    const table = await client.query<{ exists: boolean }>(
      `SELECT to_regclass(format('%I.schema_migrations', $1::text)) IS NOT NULL AS exists`,
      [schema],
    );
    let applied = 0;
    if (table.rows[0]!.exists) {
      const result = await client.query<{ v: number | null }>(
        `SELECT max(version) AS v FROM ${quoteIdentifier(schema)}.schema_migrations`,
      );
      applied = Number(result.rows[0]!.v ?? 0);
    }
    const migrations =
      applied >= latest
        ? `schema ${schema} at migration ${applied} (up to date)`
        : `schema ${schema} at migration ${applied} of ${latest}: \`arbiter migrate\` or the first serve/worker applies the rest`;
    return { name: 'postgresql', ok: true, detail: `PostgreSQL ${version} at ${redact(url)}; ${migrations}` };
  } catch (error) {
    return { name: 'postgresql', ok: false, detail: `cannot use ${redact(url)}: ${message(error)}`, fix };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The embedded store's data directory must be writable by this process. */
export function dataDirCheck(dataDir: string): Check {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = join(dataDir, `.doctor-${randomUUID()}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
    return { name: 'data dir', ok: true, detail: `${dataDir} is writable (SQLite, compile cache)` };
  } catch (error) {
    return {
      name: 'data dir',
      ok: false,
      detail: `${dataDir}: ${message(error)}`,
      fix: 'choose a writable --data-dir (or dataDir in the config file)',
    };
  }
}

/** What the configured deployment needs beyond the sandbox: Redis and PostgreSQL, or the data dir. */
export async function dependencyChecks(
  config: Pick<ArbiterConfig, 'redisUrl' | 'postgresUrl' | 'postgresSchema' | 'dataDir'>,
): Promise<Check[]> {
  const checks: Promise<Check>[] = [Promise.resolve(dataDirCheck(config.dataDir))];
  if (config.redisUrl) checks.push(redisCheck(config.redisUrl));
  if (config.postgresUrl) checks.push(postgresCheck(config.postgresUrl, config.postgresSchema));
  if (Boolean(config.redisUrl) !== Boolean(config.postgresUrl)) {
    checks.push(
      Promise.resolve({
        name: 'scale-out',
        ok: false,
        detail: `only ${config.redisUrl ? 'redisUrl' : 'postgresUrl'} is set; scale-out needs both`,
        fix: 'give both --redis and --postgres, or neither for the embedded mode',
      }),
    );
  }
  return Promise.all(checks);
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A URL fit for printing: any password replaced. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
