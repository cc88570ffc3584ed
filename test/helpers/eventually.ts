/**
 * Polls `check` every 10 ms until it holds or `withinMs` passes; returns whether it held, for the
 * caller to assert with its own message. For what happens on another clock (a key's TTL in Redis, a
 * heartbeat): a fixed sleep would be too short on a loaded machine or always too long.
 */
export async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
