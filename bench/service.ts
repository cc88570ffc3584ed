import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { backgroundLoad } from './cpu-meter.js';
import { formatPercent } from './format.js';
import { machineFacts, versionOf } from './machine.js';
import type { Report } from './report.js';
import { acceptTable, measureAcceptRate } from './service-accept.js';
import { burstTables, measureBurst } from './service-burst.js';
import { e2eTable, measureEndToEnd } from './service-e2e.js';
import { startServer, UNLIMITED } from './server.js';

/** Sized so the service section takes about two minutes on a two-core machine. */
const ACCEPT = { connections: 50, durationSeconds: 10, warmupSeconds: 2 };
const E2E_WARMUP_RUNS = 20;
const E2E_RUNS = 150;
const E2E_PASSES = 5;
const BURST_SUBMISSIONS = 200;
/** The server's default log level; the accept rate is measured as shipped. */
const LOG_LEVEL = 'info';

function autocannonVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('autocannon/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * The service benchmarks, each against a ceiling measured in the same run: the accept rate
 * against GET /health, python print(1) end to end against bare exec, and a classroom burst
 * against the CPU time its runs needed.
 */
export async function serviceReport(): Promise<Report> {
  const began = performance.now();
  const cores = availableParallelism();
  const idleBusy = await backgroundLoad();

  process.stderr.write(
    `bench: service: accept rate, ${ACCEPT.connections} connections, 2 x ${ACCEPT.durationSeconds} s...\n`,
  );
  const acceptServer = await startServer({ ...UNLIMITED, workers: 1, logLevel: LOG_LEVEL });
  let accept;
  try {
    accept = await measureAcceptRate(acceptServer, ACCEPT);
  } finally {
    // Tens of thousands of jobs wait in its queue: kill it outright and delete its data.
    await acceptServer.stop('kill');
  }

  const server = await startServer({
    ...UNLIMITED,
    workers: cores,
    logLevel: LOG_LEVEL,
    shutdownGraceMs: 5_000,
  });
  let e2e;
  try {
    process.stderr.write(`bench: service: python print(1) end to end at concurrency ${cores}...\n`);
    e2e = await measureEndToEnd(server, {
      concurrency: cores,
      warmupRuns: E2E_WARMUP_RUNS,
      runs: E2E_RUNS,
      passes: E2E_PASSES,
    });
  } finally {
    await server.stop('graceful');
  }
  // The class on the shipped settings: no raised limits, no key (the bench's admin key only warms up).
  const classroom = await startServer({ workers: cores, logLevel: LOG_LEVEL, shutdownGraceMs: 5_000 });
  let burst;
  try {
    process.stderr.write(`bench: service: classroom burst of ${BURST_SUBMISSIONS} submissions...\n`);
    burst = await measureBurst(classroom, { total: BURST_SUBMISSIONS, cores, workers: cores });
  } finally {
    await classroom.stop('graceful');
  }

  return {
    title: 'Arbiter service benchmark',
    facts: [
      ...machineFacts(),
      ['python', `${versionOf('/usr/bin/python3', ['--version'])} (/usr/bin/python3)`],
      ['gcc', versionOf('gcc', ['--version'])],
      ['java', versionOf('java', ['--version'])],
      ['autocannon', autocannonVersion()],
      [
        'servers',
        `arbiter serve --port 0 on a fresh data dir each, log level ${LOG_LEVEL}, ` +
          `accept rate and end to end: ipRatePerSec and maxQueueLength ${UNLIMITED.ipRatePerSec}, an admin key at 100000 req/s; ` +
          'classroom burst: the shipped settings, students without a key (a browser session each)',
      ],
      [
        'background load',
        `${formatPercent(idleBusy, 0)} of all cores busy in the second before the section began`,
      ],
      ['bench time', `${((performance.now() - began) / 1000).toFixed(1)} s`],
    ],
    tables: [acceptTable(accept, LOG_LEVEL), e2eTable(e2e), ...burstTables(burst)],
  };
}
