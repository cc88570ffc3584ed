import type { Command } from 'commander';
import { exitCodeActionWithEnv } from './command-action.js';
import { table } from './format.js';
import { connect, reportRemoteError, withRemoteOptions, type RemoteOptions } from './submit-connection.js';
import { statusRows } from './submit-format.js';

export interface StatusCommandOptions extends RemoteOptions {
  json?: boolean;
}

export function registerStatusCommand(program: Command): void {
  withRemoteOptions(
    program
      .command('status')
      .description('show a submission on an Arbiter server: status, timings, verdict')
      .argument('<id>', 'submission id, as printed by `arbiter submit`'),
  )
    .option('--json', 'print the submission as JSON')
    .action(exitCodeActionWithEnv(statusCommand));
}

/** `arbiter status ID`: the submission as it is now. Exit code 0 when found, 2 otherwise. */
export async function statusCommand(
  id: string,
  options: StatusCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  try {
    const submission = await connect(options, env).get(id);
    process.stdout.write(
      options.json ? `${JSON.stringify(submission, null, 2)}\n` : `${table(statusRows(submission))}\n`,
    );
    return 0;
  } catch (error) {
    return reportRemoteError(error);
  }
}
