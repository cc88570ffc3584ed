/**
 * How a subcommand's handler is wired to commander: every handler answers with its exit code, which
 * becomes process.exitCode (set, not process.exit(), so pending output is written first).
 */

/**
 * The commander action for `handler`. Commander calls an action with the command's arguments, its
 * options and then the Command itself; the handler gets the arguments and options only.
 */
export function exitCodeAction<Args extends unknown[]>(
  handler: (...args: Args) => Promise<number>,
): (...received: unknown[]) => Promise<void> {
  return async (...received) => {
    process.exitCode = await handler(...(received.slice(0, -1) as Args));
  };
}

/** The same for a handler that reads the environment (its last parameter): it gets process.env. */
export function exitCodeActionWithEnv<Args extends unknown[]>(
  handler: (...args: [...Args, NodeJS.ProcessEnv]) => Promise<number>,
): (...received: unknown[]) => Promise<void> {
  return exitCodeAction((...args: Args) => handler(...args, process.env));
}
