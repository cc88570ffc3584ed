import type { Command } from 'commander';
import { exitCodeActionWithEnv } from './command-action.js';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { table } from './format.js';
import {
  connect,
  reportRemoteError,
  withRemoteOptions,
  type ProblemVerification,
  type RemoteOptions,
} from './submit-connection.js';

/** Largest package file read: the server's own limit for a package (16 MiB). */
const MAX_PACKAGE_FILE_BYTES = 16 * 1024 * 1024;
/** How often `--wait` and `verify` look at a verification under way. */
const POLL_MS = 1000;
/** How long they wait for it at most (every reference solution compiled and run). */
const VERIFY_WAIT_MS = 30 * 60_000;

interface ProblemsOptions extends RemoteOptions {
  json?: boolean;
}

/**
 * `arbiter problems import|export|list|verify`: problem packages on a server, through the SDK.
 * Exit codes: 0 done (verification passed, where it was waited for), 1 verification failed,
 * 2 refused or unreachable.
 */
export function registerProblemsCommand(program: Command): void {
  const problems = program
    .command('problems')
    .description('problems and problem packages on an Arbiter server');

  /** A subcommand of `problems` that talks to a server, with its one argument where it takes one. */
  const subcommand = (name: string, description: string, argument?: [name: string, description: string]) => {
    const command = problems.command(name).description(description);
    return withRemoteOptions(argument ? command.argument(...argument) : command);
  };

  subcommand(
    'import',
    'import a Kattis or Polygon problem package (zip); its reference solutions are verified',
    ['<file>', 'the package, a .zip'],
  )
    .option('--id <id>', "the problem's id (default: the package's name); an existing problem is replaced")
    .option('--wait', 'wait for the verification and print it; exit 1 when it failed')
    .option('--json', 'print the answer as JSON')
    .action(exitCodeActionWithEnv(importCommand));

  subcommand('export', 'download a problem as a Kattis problem package (zip)', ['<id>', 'problem id'])
    .option('-o, --output <file>', 'where to write it (default: <id>.zip)')
    .action(exitCodeActionWithEnv(exportCommand));

  subcommand('list', 'list the problems and their verification')
    .option('--json', 'print the list as JSON')
    .action(exitCodeActionWithEnv(listCommand));

  subcommand('verify', "run a problem's reference solutions again and wait for their verdicts", [
    '<id>',
    'problem id',
  ])
    .option('--json', 'print the verification as JSON')
    .action(exitCodeActionWithEnv(verifyCommand));
}

export async function importCommand(
  file: string,
  options: ProblemsOptions & { id?: string; wait?: boolean },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const size = (await stat(file)).size;
  if (size > MAX_PACKAGE_FILE_BYTES) {
    process.stderr.write(`arbiter: ${file} is ${size} bytes; a package may have ${MAX_PACKAGE_FILE_BYTES}\n`);
    return 2;
  }
  const zip = new Uint8Array(await readFile(file));
  try {
    const client = connect(options, env);
    const imported = await client.problems.import(zip, options.id === undefined ? {} : { id: options.id });
    if (options.json && !options.wait) process.stdout.write(`${JSON.stringify(imported, null, 2)}\n`);
    else {
      process.stderr.write(
        `imported ${imported.format} package as problem ${imported.id}: ${imported.testCount} tests, ` +
          `${imported.solutions.length} reference solutions\n`,
      );
    }
    if (!options.wait || !imported.verification) {
      if (!options.json) process.stdout.write(`${imported.id}\n`);
      return 0;
    }
    return printVerification(await waitForVerification(client, imported.id), options);
  } catch (error) {
    return reportRemoteError(error);
  }
}

export async function exportCommand(
  id: string,
  options: RemoteOptions & { output?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  try {
    const zip = await connect(options, env).problems.export(id);
    const output = options.output ?? `${id}.zip`;
    await writeFile(output, zip);
    process.stderr.write(`wrote ${output} (${zip.length} bytes)\n`);
    return 0;
  } catch (error) {
    return reportRemoteError(error);
  }
}

export async function listCommand(options: ProblemsOptions, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const problems = await connect(options, env).problems.list();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(problems, null, 2)}\n`);
      return 0;
    }
    const rows = [['ID', 'TITLE', 'TESTS', 'VERIFICATION']];
    for (const p of problems) {
      const state = p.verification ? p.verification.state : '-';
      rows.push([
        p.id,
        p.title,
        String(p.testCount),
        p.open && state !== 'passed' ? `${state} (opened)` : state,
      ]);
    }
    process.stdout.write(`${table(rows)}\n`);
    return 0;
  } catch (error) {
    return reportRemoteError(error);
  }
}

export async function verifyCommand(
  id: string,
  options: ProblemsOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  try {
    const client = connect(options, env);
    await client.problems.verify(id);
    return printVerification(await waitForVerification(client, id), options);
  } catch (error) {
    return reportRemoteError(error);
  }
}

/** The verification once it ended (or VERIFY_WAIT_MS passed); undefined for a problem without one. */
async function waitForVerification(
  client: ReturnType<typeof connect>,
  id: string,
): Promise<ProblemVerification | undefined> {
  const deadline = Date.now() + VERIFY_WAIT_MS;
  for (;;) {
    const { verification } = await client.problems.get(id);
    if (
      !verification ||
      verification.state === 'passed' ||
      verification.state === 'failed' ||
      Date.now() > deadline
    ) {
      return verification;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Prints each solution's outcome; 0 when the verification passed, 1 otherwise. */
function printVerification(verification: ProblemVerification | undefined, options: ProblemsOptions): number {
  if (!verification) {
    process.stdout.write(options.json ? 'null\n' : 'no reference solutions to verify\n');
    return 0;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(verification, null, 2)}\n`);
  else {
    const rows = [['SOLUTION', 'EXPECTED', 'GOT', 'SCORE', 'OK']];
    for (const r of verification.results) {
      const score = r.score === undefined || r.score === null ? '-' : `${r.score}/${r.maxScore ?? '-'}`;
      rows.push([r.name, r.expected, r.status ?? r.message ?? '-', score, r.passed ? 'yes' : 'NO']);
    }
    process.stdout.write(`${table(rows)}\nverification ${verification.state}\n`);
  }
  return verification.state === 'passed' ? 0 : 1;
}
