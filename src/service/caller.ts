import type { KeyRole } from '../store/types.js';

/** Who is asking: resolved from the API key (or its absence) by the API layer. */
export interface Caller {
  keyId: string | null;
  role: KeyRole | 'anonymous';
  /** Highest priority this caller's submissions may have. */
  priority: number;
  /** Requests per second of this caller's key bucket (set by the API's auth hook). */
  ratePerSec?: number;
}

export const isAdmin = (caller: Caller): boolean => caller.role === 'admin';

/** Admins see everything; others see their own key's submissions (anonymous callers, anonymous ones). */
export function canSee(caller: Caller, ownerKeyId: string | null): boolean {
  return isAdmin(caller) || caller.keyId === ownerKeyId;
}
