import type { Command } from 'commander';
// The remote commands' one door to the SDK: every src/cli file imports it from here, so where the
// SDK comes from (its source here, a built package elsewhere) is decided on this line only.
import {
  ArbiterApiError,
  ArbiterClient,
  ArbiterClientError,
  isAbortError,
} from '../../packages/client/src/index.js';

export {
  ArbiterApiError,
  ArbiterClient,
  isAbortError,
  type ProblemVerification,
  type QueueStats,
  type RetryInfo,
  type RunLimits,
  type StageResult,
  type Submission,
  type SubmissionInput,
} from '../../packages/client/src/index.js';

/** Where the remote commands (submit, status, queue, loadtest) look when told nothing: Arbiter's default port. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:2358';

export interface RemoteOptions {
  server?: string;
  key?: string;
}

/** Adds --server and --key, documenting their environment variables and default. */
export function withRemoteOptions(command: Command): Command {
  return command
    .option('-s, --server <url>', `Arbiter server (env ARBITER_SERVER; default ${DEFAULT_SERVER_URL})`)
    .option('-k, --key <key>', 'API key (env ARBITER_KEY; default: none, anonymous)');
}

/** The server and key: flags first, then ARBITER_SERVER / ARBITER_KEY, then the default URL. */
export function resolveRemote(
  options: RemoteOptions,
  env: NodeJS.ProcessEnv,
): { baseUrl: string; apiKey?: string } {
  const baseUrl = options.server ?? (env.ARBITER_SERVER || DEFAULT_SERVER_URL);
  const apiKey = options.key ?? (env.ARBITER_KEY || undefined);
  return apiKey ? { baseUrl, apiKey } : { baseUrl };
}

/** An SDK client for the remote commands; a bad URL throws ArbiterClientError (see reportRemoteError). */
export function connect(
  options: RemoteOptions,
  env: NodeJS.ProcessEnv,
  extra: Partial<ConstructorParameters<typeof ArbiterClient>[0]> = {},
): ArbiterClient {
  return new ArbiterClient({ ...resolveRemote(options, env), ...extra });
}

/**
 * Prints what went wrong talking to the server as one line, `arbiter: <message> [<code>]`, and
 * returns the exit code: 2, as for any bad input of the local commands. Anything that is not the
 * SDK's is rethrown (a bug shows its stack).
 */
export function reportRemoteError(error: unknown): number {
  if (error instanceof ArbiterApiError) {
    const id = error.requestId ? `, request ${error.requestId}` : '';
    process.stderr.write(`arbiter: ${error.message} [${error.code}, HTTP ${error.status}${id}]\n`);
    return 2;
  }
  if (error instanceof ArbiterClientError) {
    process.stderr.write(`arbiter: ${error.message} [${error.code}]\n`);
    return 2;
  }
  if (isAbortError(error)) {
    process.stderr.write('arbiter: interrupted\n');
    return 130;
  }
  throw error;
}
