import type { Queue } from 'bullmq';
import { redisUnavailable } from '../redis-options.js';

/** The part of ioredis the scale-out queue uses beyond BullMQ's own calls. */
export interface RedisCommands {
  zrank(key: string, member: string): Promise<number | null>;
  zrem(key: string, ...members: string[]): Promise<number>;
  exists(key: string): Promise<number>;
  multi(): {
    incr(key: string): unknown;
    expire(key: string, seconds: number): unknown;
    eval(script: string, keys: number, ...args: (string | number)[]): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  pipeline(): {
    zrank(key: string, member: string): unknown;
    zadd(key: string, score: number, member: string): unknown;
    hget(key: string, field: string): unknown;
    expire(key: string, seconds: number): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
}

/** A pipelined command's reply, or its error thrown as DEPENDENCY_UNAVAILABLE. */
export function replyOf([error, value]: [Error | null, unknown]): unknown {
  if (error) throw redisUnavailable(error);
  return value;
}

/** BullMQ's client of a queue: an ioredis instance behind a narrower interface. */
export async function redisOf(queue: Queue): Promise<RedisCommands> {
  return (await queue.client) as unknown as RedisCommands;
}
