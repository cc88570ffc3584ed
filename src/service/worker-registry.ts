/**
 * Who is working: scale-out workers register in Redis and heartbeat there, so the API, the CLI's
 * status command and dashboards can list the live ones.
 *
 * Keys (under `keyPrefix`, default 'arbiter:workers:'):
 *   w:<id>   a hash per worker: its WorkerInfo, `running`, `state` and `lastSeen`. Every heartbeat
 *            rewrites all of it and sets PEXPIRE to `ttlMs`, so a worker that stops heartbeating
 *            (crashed, frozen, cut off) vanishes by itself `ttlMs` after its last beat, and one
 *            whose entry was lost (Redis restarted; it keeps nothing on disk) reappears whole at
 *            its next beat.
 *   index    a sorted set of worker ids scored by lastSeen, so list() reads the workers without
 *            SCANning a keyspace that BullMQ and the rate limiter share. list() removes ids whose
 *            hash has expired. The index expires too, `ttlMs` after the last beat of any worker.
 *
 * `lastSeen` is the Redis server's clock (TIME), so workers on different machines agree on it.
 *
 * The registry is for visibility only; nothing recovers work through it. A worker that dies
 * holding jobs loses their BullMQ locks, and BullMQ's stalled-job check gives the jobs to another
 * worker (see bullmq-queue.ts: lockDurationMs, stalledIntervalMs), whether or not it was registered.
 */
import type { Redis } from 'ioredis';
import { ArbiterError } from '../errors.js';
import { callRedis, redisUnavailable, resolveRedisOptions } from '../redis-options.js';

/** What a worker says about itself when it registers. */
export interface WorkerInfo {
  /** Unique among live workers, e.g. `${hostname}:${pid}` or a UUID. */
  id: string;
  /** Host name of its machine (or pod). */
  host: string;
  /** Its process id. */
  pid: number;
  /** Jobs it runs at once (its sandbox slots). */
  concurrency: number;
  /** Ids of the languages it can run. */
  languages: string[];
  /** The Arbiter version it runs. */
  version: string;
  /** When it started, in ms since the epoch. */
  startedAt: number;
}

/** 'idle': no job running; 'busy': at least one; 'draining': finishing its jobs, taking no more. */
export type WorkerState = 'idle' | 'busy' | 'draining';

/** A live worker as list() reports it. */
export interface WorkerStatus extends WorkerInfo {
  /** Jobs running at its last heartbeat (or update). */
  running: number;
  /** Its last heartbeat, in ms since the epoch by the Redis server's clock. */
  lastSeen: number;
  state: WorkerState;
}

export interface WorkerRegistryOptions {
  /** The ioredis client to use; the registry never closes it. */
  redis: Redis;
  /** Prefix of the registry's keys. Default 'arbiter:workers:'. */
  keyPrefix?: string;
  /** Time between heartbeats, in ms. Default 2,000. */
  heartbeatMs?: number;
  /**
   * A worker not heard from for this long is gone, in ms. Default 6,000 (three heartbeats, so one
   * slow or lost beat does not drop a live worker). Must exceed `heartbeatMs`.
   */
  ttlMs?: number;
  /**
   * Told when publishing a heartbeat or update fails (as DEPENDENCY_UNAVAILABLE), once per outage:
   * again only after a write has succeeded. Default: a process warning. Beats go on regardless.
   */
  onError?: (error: ArbiterError) => void;
}

export const DEFAULT_WORKER_REGISTRY_OPTIONS = Object.freeze({
  keyPrefix: 'arbiter:workers:',
  heartbeatMs: 2_000,
  ttlMs: 6_000,
});

/**
 * One heartbeat: writes a worker's whole status and keeps it (and the index) for ttlMs more.
 *
 * KEYS[1]  the worker's hash           KEYS[2]  the index (sorted set: id -> lastSeen)
 * ARGV[1]  ttlMs                       ARGV[2]  the worker's id
 * ARGV[3..] field, value, field, value... of the hash (all but lastSeen)
 *
 * Returns lastSeen: the Redis server's clock, in whole ms.
 */
const HEARTBEAT_SCRIPT = `
local time = redis.call('TIME')
local now = string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
redis.call('HSET', KEYS[1], 'lastSeen', now, unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return tonumber(now)
`;

/** The name the script is defined under on the client (ioredis runs it by EVALSHA, EVAL on NOSCRIPT). */
const HEARTBEAT_COMMAND = 'arbiterWorkerHeartbeat';

type HeartbeatCommand = (workerKey: string, indexKey: string, ...args: string[]) => Promise<unknown>;

export class WorkerRegistry {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #onError: (error: ArbiterError) => void;
  #info: WorkerInfo | undefined;
  #running = 0;
  #draining = false;
  /** True from register() until unregister() or stopHeartbeat(): only then is anything written. */
  #live = false;
  #timer: NodeJS.Timeout | undefined;
  /** Bumped whenever heartbeating stops, so a beat that lands afterwards schedules no more. */
  #generation = 0;
  /** Writes under way, so unregister() can let them land before it deletes. */
  readonly #inFlight = new Set<Promise<void>>();
  #failing = false;

  constructor(options: WorkerRegistryOptions) {
    const settings = resolveRedisOptions(DEFAULT_WORKER_REGISTRY_OPTIONS, options);
    if (!Number.isInteger(settings.heartbeatMs) || settings.heartbeatMs < 1) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `heartbeatMs must be an integer >= 1, got ${String(settings.heartbeatMs)}`,
      );
    }
    if (!Number.isInteger(settings.ttlMs) || settings.ttlMs <= settings.heartbeatMs) {
      throw new ArbiterError(
        'INVALID_INPUT',
        `ttlMs must be an integer above heartbeatMs (${settings.heartbeatMs}), got ${String(settings.ttlMs)}`,
      );
    }
    this.#redis = options.redis;
    this.#keyPrefix = settings.keyPrefix;
    this.#heartbeatMs = settings.heartbeatMs;
    this.#ttlMs = settings.ttlMs;
    this.#onError = options.onError ?? ((error) => process.emitWarning(error));
    // Idempotent, and the name is ours: defining it on a shared client disturbs no one.
    this.#redis.defineCommand(HEARTBEAT_COMMAND, { numberOfKeys: 2, lua: HEARTBEAT_SCRIPT });
  }

  /**
   * Announces this worker and starts heartbeating every `heartbeatMs`. Rejects with
   * DEPENDENCY_UNAVAILABLE when the first write fails (a worker should not start unseen), and with
   * INVALID_INPUT for bad info or a second registration.
   */
  async register(info: WorkerInfo): Promise<void> {
    if (this.#info !== undefined) {
      throw new ArbiterError('INVALID_INPUT', `this registry has registered worker ${this.#info.id} already`);
    }
    checkInfo(info);
    this.#info = { ...info, languages: [...info.languages] };
    this.#live = true;
    try {
      await this.#publish();
    } catch (error) {
      this.#live = false;
      this.#info = undefined;
      throw error;
    }
    this.#schedule();
  }

  /**
   * Records the worker's load or draining and publishes it at once (it also goes out with every
   * heartbeat). Never rejects for Redis: a failed write goes to `onError` and the next heartbeat
   * carries the state, so callers may fire and forget. Before register() or after unregister() it
   * only records. Rejects with INVALID_INPUT for a bad value.
   */
  async update(partial: { running?: number; draining?: boolean }): Promise<void> {
    const { running, draining } = partial;
    if (running !== undefined && (!Number.isInteger(running) || running < 0)) {
      throw new ArbiterError('INVALID_INPUT', `running must be an integer >= 0, got ${String(running)}`);
    }
    if (draining !== undefined && typeof draining !== 'boolean') {
      throw new ArbiterError('INVALID_INPUT', `draining must be a boolean, got ${String(draining)}`);
    }
    if (running !== undefined) this.#running = running;
    if (draining !== undefined) this.#draining = draining;
    if (this.#live) await this.#beat();
  }

  /** Shows this worker as draining (shutting down: finishing its jobs, taking no more). */
  markDraining(): Promise<void> {
    return this.update({ draining: true });
  }

  /**
   * Stops heartbeating without removing the entry, as a crashed worker would: it disappears
   * `ttlMs` after the last beat. For tests, and for a worker about to exit without being able to
   * reach Redis. Later updates are recorded but not published.
   */
  stopHeartbeat(): void {
    this.#live = false;
    this.#generation += 1;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops heartbeating and removes this worker at once. Rejects with DEPENDENCY_UNAVAILABLE. */
  async unregister(): Promise<void> {
    const info = this.#info;
    this.stopHeartbeat();
    this.#info = undefined;
    if (info === undefined) return;
    // A beat still in flight (perhaps retried as EVAL after NOSCRIPT) would recreate the entry.
    await Promise.allSettled([...this.#inFlight]);
    await callRedis(() =>
      this.#redis.multi().del(this.#workerKey(info.id)).zrem(this.#indexKey(), info.id).exec(),
    );
  }

  /** The live workers, by id. Removes expired ids from the index as it goes. */
  async list(): Promise<WorkerStatus[]> {
    const ids = await callRedis(() => this.#redis.zrange(this.#indexKey(), 0, -1));
    if (ids.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#workerKey(id));
    const replies = await callRedis(async () => (await pipeline.exec()) ?? []);
    const workers: WorkerStatus[] = [];
    const expired: string[] = [];
    ids.forEach((id, i) => {
      const [error, hash] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw redisUnavailable(error);
      const fields = hash as Record<string, string>;
      if (Object.keys(fields).length === 0) expired.push(id);
      else workers.push(parseStatus(this.#workerKey(id), fields));
    });
    // A worker that re-registers under an expired id at this very moment loses its index entry
    // until its next beat puts it back; the cost of not doing this in a script.
    if (expired.length > 0) await callRedis(() => this.#redis.zrem(this.#indexKey(), ...expired));
    return workers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #schedule(): void {
    // A chain of timeouts rather than an interval: a slow Redis never piles beats up.
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      void this.#beat().then(() => {
        if (this.#live && generation === this.#generation) this.#schedule();
      });
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Publishes once; failures go to onError (once per outage), never to the caller. */
  async #beat(): Promise<void> {
    try {
      await this.#publish();
      this.#failing = false;
    } catch (error) {
      if (this.#failing) return;
      this.#failing = true;
      this.#onError(redisUnavailable(error));
    }
  }

  async #publish(): Promise<void> {
    const info = this.#info;
    if (!this.#live || info === undefined) return;
    const state: WorkerState = this.#draining ? 'draining' : this.#running > 0 ? 'busy' : 'idle';
    const fields: Record<string, string> = {
      id: info.id,
      host: info.host,
      pid: String(info.pid),
      concurrency: String(info.concurrency),
      languages: JSON.stringify(info.languages),
      version: info.version,
      startedAt: String(info.startedAt),
      running: String(this.#running),
      state,
    };
    const command = (this.#redis as unknown as Record<string, HeartbeatCommand>)[HEARTBEAT_COMMAND]!;
    const write = callRedis(async () => {
      await command.call(
        this.#redis,
        this.#workerKey(info.id),
        this.#indexKey(),
        String(this.#ttlMs),
        info.id,
        ...Object.entries(fields).flat(),
      );
    });
    this.#inFlight.add(write);
    try {
      await write;
    } finally {
      this.#inFlight.delete(write);
    }
  }

  #workerKey(id: string): string {
    return `${this.#keyPrefix}w:${id}`;
  }

  #indexKey(): string {
    return `${this.#keyPrefix}index`;
  }
}

function checkInfo(info: WorkerInfo): void {
  const bad = (key: string, want: string, value: unknown) =>
    new ArbiterError('INVALID_INPUT', `worker ${key} must be ${want}, got ${JSON.stringify(value)}`);
  if (typeof info?.id !== 'string' || info.id === '') throw bad('id', 'a non-empty string', info?.id);
  if (typeof info.host !== 'string') throw bad('host', 'a string', info.host);
  if (!Number.isInteger(info.pid) || info.pid < 0) throw bad('pid', 'an integer >= 0', info.pid);
  if (!Number.isInteger(info.concurrency) || info.concurrency < 1) {
    throw bad('concurrency', 'an integer >= 1', info.concurrency);
  }
  if (!Array.isArray(info.languages) || !info.languages.every((id) => typeof id === 'string')) {
    throw bad('languages', 'an array of strings', info.languages);
  }
  if (typeof info.version !== 'string') throw bad('version', 'a string', info.version);
  if (!Number.isFinite(info.startedAt)) throw bad('startedAt', 'a time in ms', info.startedAt);
}

/** Reads a worker's hash back; one that does not parse is a bug (only this class writes them). */
function parseStatus(key: string, fields: Record<string, string>): WorkerStatus {
  const malformed = (what: string) =>
    new ArbiterError('INTERNAL', `worker entry ${key} is malformed (${what}): ${JSON.stringify(fields)}`);
  const number = (name: string): number => {
    const value = Number(fields[name]);
    if (fields[name] === undefined || fields[name] === '' || !Number.isFinite(value)) throw malformed(name);
    return value;
  };
  let languages: unknown;
  try {
    languages = JSON.parse(fields.languages ?? '');
  } catch (error) {
    throw malformed(`languages: ${(error as Error).message}`);
  }
  if (!Array.isArray(languages) || !languages.every((id) => typeof id === 'string'))
    throw malformed('languages');
  const state = fields.state;
  if (state !== 'idle' && state !== 'busy' && state !== 'draining') throw malformed('state');
  if (fields.id === undefined || fields.host === undefined || fields.version === undefined) {
    throw malformed('id, host or version');
  }
  return {
    id: fields.id,
    host: fields.host,
    pid: number('pid'),
    concurrency: number('concurrency'),
    languages,
    version: fields.version,
    startedAt: number('startedAt'),
    running: number('running'),
    lastSeen: number('lastSeen'),
    state,
  };
}
