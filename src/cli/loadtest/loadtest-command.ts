import type { Command } from 'commander';
import { exitCodeActionWithEnv } from '../command-action.js';
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArbiterError } from '../../errors.js';
import {
  connect,
  reportRemoteError,
  withRemoteOptions,
  type ArbiterClient,
  type RemoteOptions,
  type RetryInfo,
} from '../submit-connection.js';
import { htmlReport } from './html-report.js';
import {
  LOADTEST_DEFAULTS,
  LOADTEST_LIMITS,
  planFromFlags,
  type LoadtestFlags,
  type LoadtestPlan,
} from './loadtest-options.js';
import { Progress } from './progress.js';
import { QueueSampler } from './queue-sampler.js';
import { Recorder } from './recorder.js';
import { runDrivers } from './students.js';
import { summarise, summaryTable, type LoadtestSummary } from './summary.js';

/** After the end, submissions in flight get this long to finish before they count as unfinished, in ms. */
const DRAIN_MS = 30_000;

export type LoadtestCommandOptions = LoadtestFlags & RemoteOptions;

export function registerLoadtestCommand(program: Command): void {
  withRemoteOptions(
    program
      .command('loadtest')
      .description(
        'simulate a classroom (students think, submit, wait, repeat) or a fixed number of submissions ' +
          'against a server; print a summary and write an HTML report',
      ),
  )
    .option(
      '--students <n>',
      `simulated students (default ${LOADTEST_DEFAULTS.students}, at most ${LOADTEST_LIMITS.maxStudents})`,
    )
    .option(
      '--duration <time>',
      `how long students keep submitting, e.g. 60s, 5m (default ${LOADTEST_DEFAULTS.duration}, at most 1h)`,
    )
    .option(
      '--think <time>',
      `mean pause between a result and the next submission (default ${LOADTEST_DEFAULTS.think})`,
    )
    .option('--mix <languages>', `languages by weight (default ${LOADTEST_DEFAULTS.mix})`)
    .option(
      '--faulty <percent>',
      `share of programs that loop, exhaust memory or fail to compile (default ${LOADTEST_DEFAULTS.faulty})`,
    )
    .option(
      '--requests <n>',
      `instead of a classroom: this many submissions in all (at most ${LOADTEST_LIMITS.maxRequests})`,
    )
    .option(
      '--concurrency <n>',
      `with --requests: submissions at a time (default ${LOADTEST_DEFAULTS.concurrency})`,
    )
    .option('--report <file>', `HTML report (default ${LOADTEST_DEFAULTS.report})`)
    .option('--json', 'print the summary as JSON instead of a table')
    .action(exitCodeActionWithEnv(loadtestCommand));
}

/**
 * `arbiter loadtest`: runs the plan against the server, shows progress on stderr, prints the
 * summary on stdout and writes the report. Exit code 0 when the run passed (every submission got
 * in and finished, whatever its verdict), 1 when it did not (errors, any HTTP 429, unfinished
 * submissions: summary.failures), 2 for bad flags or an unreachable server.
 */
export async function loadtestCommand(
  options: LoadtestCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const plan = planFromFlags(options);
  const reportFile = resolve(plan.reportFile);
  let summary: LoadtestSummary;
  let recorder: Recorder;
  try {
    const client = connect(options, env);
    // Fail fast, before any load, when the server is not there or refuses this key.
    await client.queue();
    ({ summary, recorder } = await runLoadtest(plan, options, env));
  } catch (error) {
    return reportRemoteError(error);
  }
  try {
    writeFileSync(reportFile, htmlReport(summary, recorder));
  } catch (error) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `cannot write the report to ${reportFile}: ${(error as Error).message}`,
    );
  }
  if (plan.json) process.stdout.write(`${JSON.stringify({ ...summary, report: reportFile }, null, 2)}\n`);
  else process.stdout.write(`${summaryTable(summary)}\n\nreport: ${reportFile}\n`);
  return summary.failures.length > 0 ? 1 : 0;
}

/**
 * One student's client: when the server gives the editor page a session (anonymous use), the
 * student's requests carry that session, so each is its own identity behind the one address this
 * load test sends from, as a class behind a NAT is. With a key, or without a session, the shared one.
 */
async function studentClient(
  remote: RemoteOptions,
  env: NodeJS.ProcessEnv,
  shared: ArbiterClient,
  onRetry: (retry: RetryInfo) => void,
): Promise<ArbiterClient> {
  if (shared.options.apiKey) return shared;
  let cookie: string | undefined;
  try {
    const page = await fetch(new URL('/', shared.options.baseUrl), { signal: AbortSignal.timeout(30_000) });
    await page.arrayBuffer();
    cookie = page.headers.get('set-cookie')?.split(';')[0];
  } catch {
    return shared; // the page did not load: this student goes on as its address
  }
  if (!cookie) return shared;
  const withSession: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('cookie', cookie);
    return fetch(input, { ...init, headers });
  };
  return connect(remote, env, { onRetry, fetch: withSession });
}

/** Runs the plan: drivers, queue sampler, progress, the end of the duration, the drain, Ctrl-C. */
export async function runLoadtest(
  plan: LoadtestPlan,
  remote: RemoteOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ summary: LoadtestSummary; recorder: Recorder }> {
  const recorder = new Recorder();
  const onRetry = (retry: RetryInfo) => {
    if (retry.status !== null) recorder.httpStatus(retry.status);
  };
  const client = connect(remote, env, { onRetry });
  // The sampler's own requests are not retried and not counted: it measures, it does not load.
  const samplerClient = connect(remote, env, { maxRetries: 0 });
  const stopStarting = new AbortController();
  const hardStop = new AbortController();
  // Every student listens on these two (thinking, waiting): hundreds of listeners are expected.
  setMaxListeners(0, stopStarting.signal, hardStop.signal);
  let drainTimer: NodeJS.Timeout | undefined;
  stopStarting.signal.addEventListener('abort', () => {
    drainTimer = setTimeout(() => hardStop.abort(), DRAIN_MS);
  });
  const endTimer = setTimeout(() => stopStarting.abort(), plan.durationMs);
  const interrupt = () => {
    process.stderr.write('\ninterrupted: stopping now; the summary covers what finished\n');
    stopStarting.abort();
    hardStop.abort();
  };
  process.once('SIGINT', interrupt);

  let remaining = plan.requests ?? Infinity;
  const sampler = new QueueSampler(samplerClient, recorder);
  const progress = new Progress({
    recorder,
    plan,
    queue: () => sampler.latest,
    draining: () => stopStarting.signal.aborted,
  });
  try {
    await runDrivers({
      client,
      studentClient: () => studentClient(remote, env, client, onRetry),
      plan,
      recorder,
      stopStarting: stopStarting.signal,
      hardStop: hardStop.signal,
      claim: () => remaining-- > 0,
    });
  } finally {
    clearTimeout(endTimer);
    clearTimeout(drainTimer);
    process.off('SIGINT', interrupt);
    progress.stop();
    await sampler.stop();
  }
  const server = client.options.baseUrl;
  return { summary: summarise(recorder, plan, server, sampler), recorder };
}
