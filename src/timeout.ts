import type { ArbiterError } from './errors.js';

/**
 * Settles as `work` does, or rejects with `onTimeout()` once `timeoutMs` have passed first. The timer
 * is cleared either way, so a settled wait never keeps the process alive. `work` is not cancelled:
 * what a late answer means is the caller's to decide. `onTimeout` is called only when the time is up,
 * so its message can say what was known by then.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  onTimeout: () => ArbiterError,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
