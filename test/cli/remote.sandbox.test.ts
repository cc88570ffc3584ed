// The remote CLI commands (submit, status, queue, loadtest) against a real `arbiter serve`: real
// processes, the real sandbox. Needs root, bubblewrap and the toolchains.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ArbiterClient } from '../../packages/client/src/index.js';
import { arbiter, startServer, type RunningServer } from '../client/server.js';

let server: RunningServer;
const work = mkdtempSync(join(tmpdir(), 'arbiter-remote-'));

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

test('submit prints the id; status shows the finished submission', async () => {
  const source = file('reverse.py', 'print(input()[::-1])\n');
  const input = file('reverse.in', 'hello\n');
  const submitted = await arbiter(['submit', source, '--server', server.url, '--stdin', input]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.match(submitted.stderr, /queued at position \d+/);

  await new ArbiterClient({ baseUrl: server.url }).wait(id);
  const json = await arbiter(['status', id, '--server', server.url, '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { run: { stdout: string } }).run.stdout, 'olleh\n');
  const table = await arbiter(['status', id, '--server', server.url]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^id\\s+${id}$`, 'm'));
  assert.match(table.stdout, /^status\s+accepted$/m);
  assert.match(table.stdout, /^language\s+python3 \d/m);
  assert.match(table.stdout, /^run\s+accepted · cpu [\d.]+ m?s · wall [\d.]+ m?s · memory/m);
});

test('submit --wait prints the output and the verdict line of `arbiter run`', async () => {
  const ok = await arbiter([
    'submit',
    file('hi.py', 'print("hi there")\n'),
    '--server',
    server.url,
    '--wait',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'hi there\n');
  assert.match(
    ok.stderr,
    /hi\.py \[python3\]: accepted · cpu [\d.]+ m?s · wall [\d.]+ m?s · memory [\d.]+ (MiB|KiB)/,
  );

  const broken = await arbiter([
    'submit',
    file('broken.c', 'int main(void) { return nope; }\n'),
    '--wait',
    '-s',
    server.url,
  ]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /nope/);
  assert.match(broken.stderr, /broken\.c \[c\]: compilation_error/);

  const slow = await arbiter([
    'submit',
    file('spin.py', 'while True:\n    pass\n'),
    '--wait',
    '--time',
    '300ms',
    '-s',
    server.url,
  ]);
  assert.equal(slow.code, 1);
  assert.match(slow.stderr, /time_limit_exceeded \(cpu\)/);
});

test('the server and key come from ARBITER_SERVER / ARBITER_KEY; refusals are one line and exit 2', async () => {
  const viaEnv = await arbiter(['submit', file('env.py', 'print(2)\n'), '--wait'], {
    env: { ARBITER_SERVER: server.url },
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(viaEnv.stdout, '2\n');

  const badKey = await arbiter(['queue'], { env: { ARBITER_SERVER: server.url, ARBITER_KEY: 'arb_wrong' } });
  assert.equal(badKey.code, 2);
  assert.match(badKey.stderr, /^arbiter: .*\[ARB_ERR_AUTH_REQUIRED, HTTP 401, request \S+\]$/m);

  const missing = await arbiter(['status', 'no-such-id', '--server', server.url]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ARB_ERR_SUBMISSION_NOT_FOUND/);

  const unknown = await arbiter([
    'submit',
    file('x.py', 'print(1)\n'),
    '--lang',
    'klingon',
    '--server',
    server.url,
  ]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /ARB_ERR_LANGUAGE_UNKNOWN/);
});

test('queue prints a readable summary', async () => {
  const result = await arbiter(['queue', '--server', server.url]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^queue: +\d+ waiting \(at most 10000\) · \d+ running on 2 workers/m);
  assert.match(result.stdout, /^processed: +\d+ \(\d+ accepted, \d+ other verdicts, \d+ cancelled/m);
  assert.match(result.stdout, /^python3 +\d+ +\d+ +\d+/m);
  const json = await arbiter(['queue', '--server', server.url, '--json']);
  assert.equal((JSON.parse(json.stdout) as { workers: number }).workers, 2);
});

/** The "label  number" rows of the summary table. */
function tableNumbers(text: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of text.matchAll(/^( {2}\w+|\w[\w ()/]*?) {2,}(\d+)$/gm))
    rows.set(match[1]!, Number(match[2]));
  return rows;
}

test('loadtest: a short classroom adds up, has no errors, and writes an HTML report with charts', async () => {
  const report = join(work, 'classroom.html');
  const result = await arbiter(
    [
      'loadtest',
      '--server',
      server.url,
      '--students',
      '5',
      '--duration',
      '5s',
      '--think',
      '200ms',
      '--mix',
      'python:100',
      '--report',
      report,
    ],
    { timeoutMs: 90_000 },
  );
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const rows = tableNumbers(result.stdout);
  const submissions = rows.get('submissions') ?? 0;
  const statuses = [...rows].filter(([label]) => label.startsWith('  '));
  assert.ok(submissions >= 5, result.stdout);
  assert.equal(
    statuses.reduce((sum, [, n]) => sum + n, 0),
    submissions,
    `submissions vs the sum of statuses:\n${result.stdout}`,
  );
  assert.equal(rows.get('errors'), 0, result.stdout);
  assert.ok((rows.get('  accepted') ?? 0) > 0, result.stdout);
  assert.match(result.stdout, /^correct accepted +(\d+)\/\1$/m);
  assert.match(result.stdout, /^throughput +[\d.]+\/s$/m);
  assert.match(result.stdout, /^end-to-end +[\d.]+ m?s +[\d.]+ m?s +[\d.]+ m?s$/m);
  // stderr is not a terminal here: plain progress lines, no control characters.
  assert.ok(!result.stderr.includes('\u001b['), result.stderr);
  assert.ok(existsSync(report));
  const html = readFileSync(report, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.ok((html.match(/<svg /g) ?? []).length >= 3, 'expected several charts');
  assert.doesNotMatch(
    html,
    /<script|https?:\/\/(?!127\.0\.0\.1|www\.w3\.org)/,
    'the report must be self-contained',
  );
});

test('loadtest: a fixed number of requests, summary as JSON', async () => {
  const report = join(work, 'requests.html');
  const result = await arbiter(
    [
      'loadtest',
      '--server',
      server.url,
      '--requests',
      '20',
      '--concurrency',
      '5',
      '--mix',
      'python:3,c:1',
      '--report',
      report,
      '--json',
    ],
    { timeoutMs: 90_000 },
  );
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const summary = JSON.parse(result.stdout) as {
    submissions: number;
    statuses: Record<string, number>;
    unfinished: number;
    errors: number;
    endToEnd: { count: number; p50: number; p99: number };
    report: string;
  };
  assert.equal(summary.submissions, 20);
  assert.equal(Object.values(summary.statuses).reduce((a, b) => a + b, 0) + summary.unfinished, 20);
  assert.equal(summary.unfinished, 0);
  assert.equal(summary.errors, 0);
  assert.equal(summary.endToEnd.count, 20);
  assert.ok(summary.endToEnd.p50 <= summary.endToEnd.p99);
  assert.equal(summary.report, report);
  assert.match(readFileSync(report, 'utf8'), /<svg /);
});

test('loadtest: a class of 30 from one address, on the default rate settings, meets no 429 and passes', async () => {
  // The measurement: with the old defaults this met 181 HTTP 429s and left submissions
  // unfinished. Each simulated student opens the editor first and so has a session of its own.
  const defaults = await startServer({ ipRatePerSec: 200, defaultKeyRatePerSec: 10, ipReadRatePerSec: 1000 });
  try {
    const result = await arbiter(
      [
        'loadtest',
        '--server',
        defaults.url,
        '--students',
        '30',
        '--duration',
        '15s',
        '--mix',
        'python:100',
        '--report',
        join(work, 'class30.html'),
        '--json',
      ],
      { timeoutMs: 180_000 },
    );
    const summary = JSON.parse(result.stdout) as { http429: number; unfinished: number; failures: string[] };
    assert.equal(summary.http429, 0, result.stdout);
    assert.equal(summary.unfinished, 0, result.stdout);
    assert.deepEqual(summary.failures, []);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await defaults.stop();
  }
});

test("loadtest with a site's key: each student is a user of the key, and the default per-user rate lets them all in", async () => {
  const defaults = await startServer({ ipRatePerSec: 200, defaultKeyRatePerSec: 10, ipReadRatePerSec: 1000 });
  try {
    const created = await arbiter([
      'keys',
      'create',
      '--name',
      'site',
      '--rate',
      '300',
      '--data-dir',
      defaults.dataDir,
    ]);
    const key = created.stdout.split('\n').find((line) => line.startsWith('arb_'));
    assert.ok(key, created.stdout + created.stderr);
    const result = await arbiter(
      [
        'loadtest',
        '--server',
        defaults.url,
        '--key',
        key,
        '--students',
        '20',
        '--duration',
        '10s',
        '--mix',
        'python:100',
        '--report',
        join(work, 'site20.html'),
        '--json',
      ],
      { timeoutMs: 180_000 },
    );
    const summary = JSON.parse(result.stdout) as { http429: number; submissions: number; failures: string[] };
    assert.equal(summary.http429, 0, result.stdout);
    assert.deepEqual(summary.failures, []);
    assert.equal(result.code, 0, result.stderr);
    const listed = await new ArbiterClient({ baseUrl: defaults.url, apiKey: key }).listSubmissions({
      limit: 100,
    });
    const users = new Set(listed.submissions.map((s) => s.user));
    assert.ok(
      [...users].every((user) => typeof user === 'string' && /^student-\d+$/.test(user)),
      `every submission names its student: ${[...users].join(', ')}`,
    );
    assert.ok(users.size >= Math.min(10, summary.submissions), `${users.size} students seen`);
  } finally {
    await defaults.stop();
  }
});

test('loadtest fails the run when the server refuses with 429', async () => {
  const strict = await startServer({ ipRatePerSec: 1, defaultKeyRatePerSec: 1 });
  try {
    const result = await arbiter(
      [
        'loadtest',
        '--server',
        strict.url,
        '--requests',
        '10',
        '--concurrency',
        '5',
        '--mix',
        'python:100',
        '--json',
        '--report',
        join(work, 'strict.html'),
      ],
      { timeoutMs: 120_000 },
    );
    const summary = JSON.parse(result.stdout) as { http429: number; failures: string[] };
    assert.ok(summary.http429 > 0, result.stdout);
    assert.match(summary.failures.join(' '), /HTTP 429/);
    assert.equal(result.code, 1);
  } finally {
    await strict.stop();
  }
});

test('loadtest refuses sizes past its hard caps', async () => {
  const tooMany = await arbiter(['loadtest', '--server', server.url, '--students', '5000']);
  assert.equal(tooMany.code, 2);
  assert.match(tooMany.stderr, /--students is at most 2000/);
  const tooLong = await arbiter(['loadtest', '--server', server.url, '--duration', '2h']);
  assert.equal(tooLong.code, 2);
  assert.match(tooLong.stderr, /--duration is at most 1h/);
  const both = await arbiter(['loadtest', '--server', server.url, '--students', '5', '--requests', '5']);
  assert.equal(both.code, 2);
});
