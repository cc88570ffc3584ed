// A served end-to-end submission, as a user would make it: starts `arbiter serve` (the compiled
// server in dist/, embedded mode: SQLite, in-process workers), waits for /health, submits the README's
// C program with two tests (?wait=true) and requires the verdict "accepted". Prints the result's JSON.
// Run inside the VM guests by scripts/vm/guest-checks.sh; works on any machine set up by
// scripts/setup. Exit code 0 only for an accepted submission.
//
// Every wait is bounded, and generously: an emulated guest is 10-30x slower than the host, and a
// server starting there has been seen to need nearly a minute before /health answered.
/* global fetch, AbortSignal -- Node 20 has both; the lint config names only a few globals. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const port = 2399;
const base = `http://127.0.0.1:${port}`;
const healthTimeoutMs = 5 * 60_000;
const resultTimeoutMs = 5 * 60_000;
const stopTimeoutMs = 60_000;

const submission = {
  language: 'c',
  source: '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}',
  tests: [
    { stdin: '1 2', expected: '3' },
    { stdin: '5 5', expected: '10', weight: 2 },
  ],
};

const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-e2e-'));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
// The server's log is kept, and shown only when something fails.
const serverLog = [];
const server = spawn(
  process.execPath,
  ['bin/arbiter.js', 'serve', '--port', String(port), '--data-dir', dataDir],
  {
    cwd: new URL('../..', import.meta.url).pathname,
    // ?wait=true answers 202 once the server's maximum wait passes (30 s by default); an emulated
    // compile and two runs may take longer, and the 202 path is covered by the polling below anyway.
    env: { ...process.env, ARBITER_MAX_WAIT_MS: String(resultTimeoutMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let exited = null;
server.on('exit', (code, signal) => (exited = { code, signal }));
for (const stream of [server.stdout, server.stderr]) {
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => serverLog.push(chunk));
}

async function stopServer() {
  if (exited) return;
  server.kill('SIGTERM');
  const deadline = Date.now() + stopTimeoutMs;
  while (!exited && Date.now() < deadline) await sleep(200);
  if (!exited) server.kill('SIGKILL');
}

function fail(message) {
  console.error(`e2e: FAILED after ${elapsed()}: ${message}`);
  console.error('e2e: server log (last 40 lines):');
  console.error(serverLog.join('').split('\n').slice(-40).join('\n'));
  return 1;
}

async function getJson(path, init = {}) {
  const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(resultTimeoutMs) });
  return { status: response.status, body: await response.json() };
}

async function main() {
  const healthDeadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (exited) return fail(`the server exited before it was healthy: ${JSON.stringify(exited)}`);
    if (Date.now() > healthDeadline) return fail(`/health did not answer 200 within ${healthTimeoutMs} ms`);
    try {
      const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) });
      if (health.status === 200) break;
    } catch {
      // Not listening yet: the deadline above bounds the retries.
    }
    await sleep(1_000);
  }
  console.log(`e2e: server healthy after ${elapsed()}`);

  const submitted = await getJson('/api/v1/submissions?wait=true', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(submission),
  });
  let result = submitted.body;
  if (submitted.status === 202) {
    // The server's wait ran out first; follow the submission until it is final.
    const deadline = Date.now() + resultTimeoutMs;
    while (result.status === 'queued' || result.status === 'running') {
      if (Date.now() > deadline) return fail(`submission ${result.id} still ${result.status}`);
      await sleep(1_000);
      result = (await getJson(`/api/v1/submissions/${result.id}`)).body;
    }
  } else if (submitted.status !== 200) {
    return fail(`POST answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
  }
  console.log(`e2e: result ${JSON.stringify(result)}`);
  if (result.status !== 'accepted') return fail(`the submission was ${result.status}, not accepted`);
  console.log(`e2e: accepted after ${elapsed()}`);
  return 0;
}

let code;
try {
  code = await main();
} catch (error) {
  code = fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
