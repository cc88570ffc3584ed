import { Command, CommanderError } from 'commander';
import { ArbiterError } from '../errors.js';
import { doctorCommand } from './doctor.js';
import { keysCreate, keysList, keysRevoke } from './keys-command.js';
import { serveCommand } from './serve-command.js';
import { workerCommand } from './worker-command.js';
import { languagesCommand } from './languages-command.js';
import { runCommand } from './run-command.js';
import { exitCodeAction } from './command-action.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerLoadtestCommand } from './loadtest/loadtest-command.js';
import { registerProblemsCommand } from './problems-command.js';
import { registerQueueCommand } from './queue-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerSubmitCommand } from './submit-command.js';

const program = new Command()
  .name('arbiter')
  .description('Run untrusted code safely and judge it.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('run')
  .description('compile if needed, run FILE in the sandbox, print its output and a verdict line')
  .argument('<file>', 'source file; the language comes from its extension unless --lang is given')
  .option('-l, --lang <id>', 'language id or alias (see `arbiter languages`)')
  .option('-i, --stdin <file>', 'file to feed as standard input')
  .option('-t, --time <duration>', 'CPU time limit, e.g. 2s or 500ms', '2s')
  .option('-w, --wall <duration>', 'wall time limit (default: twice the CPU limit)')
  .option('-m, --memory <size>', 'memory limit, e.g. 256M or 1G', '256M')
  .action(exitCodeAction(runCommand));

program
  .command('languages')
  .description('list installed languages with their versions')
  .option('--json', 'print JSON')
  .option('--all', 'include languages whose toolchain is not installed')
  .action(exitCodeAction(languagesCommand));

const withServerOptions = (command: Command) =>
  command
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('-p, --port <port>', 'port (default 2358)')
    .option('-d, --data-dir <dir>', 'where the database and caches live (default ./data)')
    .option(
      '-c, --config <file>',
      'JSON config file (ARBITER_* environment variables and flags override it)',
    );

const withScaleOut = (command: Command) =>
  command
    .option('--redis <url>', 'scale-out: Redis for the queue, rate limits and events (or ARBITER_REDIS_URL)')
    .option('--postgres <url>', 'scale-out: PostgreSQL for submissions (or ARBITER_POSTGRES_URL)')
    .option('--schema <name>', 'PostgreSQL schema (default public)');

withScaleOut(
  withServerOptions(
    program
      .command('doctor')
      .description(
        'check bubblewrap, cgroups, namespaces, seccomp, every toolchain, the data dir and (scale-out) Redis and PostgreSQL, with a fix for each failure',
      )
      .option('--run', 'also compile and run a sample program in every language'),
  ),
).action(exitCodeAction(doctorCommand));

withScaleOut(
  withServerOptions(
    program
      .command('worker')
      .description('scale-out: claim jobs from Redis and run them; results to PostgreSQL'),
  ),
)
  .option('-n, --concurrency <n>', 'programs running at once (default: the number of cores)')
  .option(
    '--metrics-port <port>',
    "port of the worker's /metrics and /health (default 9469; 0 = any free port)",
  )
  .action(exitCodeAction(workerCommand));

withScaleOut(
  withServerOptions(
    program
      .command('serve')
      .description(
        'start the service: API, queue and in-process workers (scale-out: API only unless --workers)',
      ),
  ),
)
  .option('-w, --workers <n>', 'programs running at once (default: the number of cores)')
  .action(exitCodeAction(serveCommand));

const keys = program.command('keys').description('manage API keys (stored hashed in the data directory)');
withScaleOut(
  withServerOptions(keys.command('create').description('create a key and print it (shown only once)')),
)
  .requiredOption('-n, --name <name>', 'who the key is for')
  .option('-r, --role <role>', 'admin or user', 'user')
  .option('--priority <n>', 'queue priority of its submissions (default: by role)')
  .option('--rate <n>', 'requests per second (burst is twice that)')
  .action(exitCodeAction(keysCreate));
withScaleOut(withServerOptions(keys.command('list').description('list keys (never the keys themselves)')))
  .option('--json', 'print JSON')
  .action(exitCodeAction(keysList));
withScaleOut(
  withServerOptions(
    keys
      .command('revoke')
      .description('revoke a key by id')
      .argument('<id>', 'key id from `arbiter keys list`'),
  ),
).action(exitCodeAction(keysRevoke));

// Scale-out set-up: PostgreSQL schema migrations, as a deployment step of their own.
registerMigrateCommand(program);

// Remote commands: they talk to a running server through the SDK (packages/client).
registerSubmitCommand(program);
registerStatusCommand(program);
registerQueueCommand(program);
registerProblemsCommand(program);
registerLoadtestCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof ArbiterError) {
    process.stderr.write(`arbiter: ${error.message} [${error.code}]\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
