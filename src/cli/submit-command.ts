import type { Command } from 'commander';
import { exitCodeActionWithEnv } from './command-action.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { RunLimits, SubmissionInput } from './submit-connection.js';
import { ArbiterError } from '../errors.js';
import { LanguageRegistry } from '../languages/registry.js';
import { parseDuration, parseSizeKb } from '../sandbox/limits.js';
import { readOutputFiles } from './output-files.js';
import { connect, reportRemoteError, withRemoteOptions, type RemoteOptions } from './submit-connection.js';
import { printResult } from './submit-format.js';

export interface SubmitCommandOptions extends RemoteOptions {
  lang?: string;
  stdin?: string;
  wait?: boolean;
  time?: string;
  wall?: string;
  memory?: string;
  timeout?: string;
  problem?: string;
  outputs?: string[];
}

/** The language an output-only submission names (docs/problems.md, "Output-only problems"). */
const OUTPUT_LANGUAGE = 'output';

/** How long `submit --wait` waits for the result unless --timeout says otherwise. */
const DEFAULT_WAIT_TIMEOUT = '10m';

export function registerSubmitCommand(program: Command): void {
  withRemoteOptions(
    program
      .command('submit')
      .description(
        "send FILE to an Arbiter server (or, with --outputs, an output-only problem's outputs); print its id, or with --wait its output and verdict",
      )
      .argument('[file]', 'source file; the language comes from its extension unless --lang is given'),
  )
    .option('-l, --lang <id>', 'language id or alias (see `arbiter languages`)')
    .option('-p, --problem <id>', "judge against this problem's tests")
    .option(
      '-o, --outputs <paths...>',
      'with --problem, of an output-only problem: submit these output files (or the .out files in these directories), each named <test name>.out or <n>.out, instead of a program',
    )
    .option('-i, --stdin <file>', 'file to feed as standard input')
    .option('--wait', 'wait for the result and print it as `arbiter run` does')
    .option('-t, --time <duration>', 'CPU time limit, e.g. 2s (default: the server default)')
    .option('-w, --wall <duration>', 'wall time limit (default: the server default)')
    .option('-m, --memory <size>', 'memory limit, e.g. 256M (default: the server default)')
    .option('--timeout <duration>', `with --wait, give up after this long (default ${DEFAULT_WAIT_TIMEOUT})`)
    .action(exitCodeActionWithEnv(submitCommand));
}

function readInput(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/**
 * `arbiter submit FILE`: queue FILE on a server. Prints the id (stdout) and its queue position
 * (stderr); with --wait, the program's output and one verdict line, exit code 0 when accepted and
 * 1 for any other verdict, as `arbiter run`. 2 when the input or the server refuses.
 */
export async function submitCommand(
  file: string | undefined,
  options: SubmitCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const input = submissionInput(file, options);
  if (options.problem !== undefined) input.problemId = options.problem;
  const limits: RunLimits = {};
  if (options.time !== undefined) limits.cpuMs = parseDuration(options.time);
  if (options.wall !== undefined) limits.wallMs = parseDuration(options.wall);
  if (options.memory !== undefined) limits.memoryKb = parseSizeKb(options.memory);
  if (Object.keys(limits).length > 0) input.limits = limits;
  const timeoutMs = parseDuration(options.timeout ?? DEFAULT_WAIT_TIMEOUT);

  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const client = connect(options, env);
    if (!options.wait) {
      const submitted = await client.submit(input, { signal: interrupt.signal });
      process.stdout.write(`${submitted.id}\n`);
      process.stderr.write(
        submitted.position === null ? `${submitted.status}\n` : `queued at position ${submitted.position}\n`,
      );
      return 0;
    }
    const result = await client.run(input, { signal: interrupt.signal, timeoutMs });
    printResult(result, file === undefined ? 'outputs' : basename(file));
    return result.status === 'accepted' ? 0 : 1;
  } catch (error) {
    return reportRemoteError(error);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** What to send: FILE's source, or with --outputs the outputs; each refused with a reason when misused. */
function submissionInput(file: string | undefined, options: SubmitCommandOptions): SubmissionInput {
  if (options.outputs === undefined) {
    if (file === undefined)
      throw new ArbiterError('INVALID_INPUT', 'give a source FILE, or --problem ID --outputs FILES|DIR');
    const language = options.lang ?? new LanguageRegistry().forFile(file).id;
    const input: SubmissionInput = { language, source: readInput(file) };
    if (options.stdin !== undefined) input.stdin = readInput(options.stdin);
    return input;
  }
  if (file !== undefined)
    throw new ArbiterError('INVALID_INPUT', `--outputs submits outputs, not a program: leave out ${file}`);
  if (options.problem === undefined)
    throw new ArbiterError('INVALID_INPUT', '--outputs needs --problem ID: outputs are judged by a problem');
  if (options.lang !== undefined || options.stdin !== undefined)
    throw new ArbiterError('INVALID_INPUT', '--outputs runs no program: --lang and --stdin do not apply');
  return { language: OUTPUT_LANGUAGE, files: readOutputFiles(options.outputs) };
}
