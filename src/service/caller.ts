import type { KeyRole } from '../store/types.js';

/** Who is asking: resolved from the API key (or its absence) by the API layer. */
export interface Caller {
  keyId: string | null;
  role: KeyRole | 'anonymous';
  /** Highest priority this caller's submissions may have. */
  priority: number;
  /** Requests per second of this caller's key bucket (set by the API's auth hook). */
  ratePerSec?: number;
  /**
   * Who stands for a caller without a key: its browser session or its address, as the API's rate
   * limits resolved it (`session:…`, `anon:…`). Unset outside HTTP.
   */
  identity?: string;
}

/** Longest `user` name a submission may carry. */
export const MAX_USER_LENGTH = 128;

/**
 * Who the queue is fair between (queue/fair-lanes) for a submission by `caller` for `user`. Inside a
 * key, each user it names is a submitter of its own (a site's backend carrying a class); a caller
 * without a key is its session or address, whatever user it names, so naming users buys it nothing.
 */
export function submitterOf(caller: Caller, user: string | undefined): string {
  if (caller.keyId) return user === undefined ? `key:${caller.keyId}` : `key:${caller.keyId}/user:${user}`;
  return caller.identity ?? 'anonymous';
}

export const isAdmin = (caller: Caller): boolean => caller.role === 'admin';

/** Admins see everything; others see their own key's submissions (anonymous callers, anonymous ones). */
export function canSee(caller: Caller, ownerKeyId: string | null): boolean {
  return isAdmin(caller) || caller.keyId === ownerKeyId;
}
