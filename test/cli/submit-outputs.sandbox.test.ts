// `arbiter submit --problem ID --outputs …` and `arbiter status` on an output-only problem, against a
// real `arbiter serve` (real processes, the real sandbox: root, bubblewrap and the toolchains).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ArbiterClient } from '../../packages/client/src/index.js';
import { arbiter, startServer, type RunningServer } from '../client/server.js';

let server: RunningServer;
let client: ArbiterClient;
const work = mkdtempSync(join(tmpdir(), 'arbiter-outputs-'));
const PROBLEM = 'cli-outputs';

before(async () => {
  server = await startServer();
  // The server is on loopback without keys: this caller is its operator, who may make problems.
  client = new ArbiterClient({ baseUrl: server.url });
  await client.problems.create({
    id: PROBLEM,
    title: 'Outputs from the CLI',
    type: 'output-only',
    tests: [
      { name: 'small', expected: '1 2 3\n' },
      { name: 'medium', expected: '4\n5\n6\n' },
      { expected: '7\n', hidden: true },
    ],
  });
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A directory of output files, name → content. */
function outputsDir(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

test('submit --outputs DIR: every output right is accepted with full score', async () => {
  const dir = outputsDir('right', {
    'small.out': '1 2 3\n',
    'medium.out': '4\n5\n6\n',
    '3.out': '7\n',
    'notes.txt': 'not an output: left out',
  });
  const r = await arbiter(
    ['submit', '--problem', PROBLEM, '--outputs', dir, '--server', server.url, '--wait'],
    {
      timeoutMs: 120_000,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /outputs \[output\]: accepted · tests 3\/3 · score 3\/3/);
});

test('submit --outputs FILES: a wrong and a missing output; status names the first failure and its diff', async () => {
  const dir = outputsDir('some', { 'small.out': '1 2 3\n', 'medium.out': '4\nfive\n6\n' });
  const r = await arbiter(
    [
      'submit',
      '-p',
      PROBLEM,
      '--outputs',
      join(dir, 'small.out'),
      join(dir, 'medium.out'),
      '--server',
      server.url,
    ],
    { timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  const judged = await client.wait(id);
  assert.equal(judged.status, 'wrong_answer');
  assert.deepEqual(
    judged.tests.map((t) => t.status),
    ['accepted', 'wrong_answer', 'wrong_answer'],
  );

  const status = await arbiter(['status', id, '--server', server.url]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^language\s+output$/m);
  assert.match(status.stdout, /^tests\s+1\/3 passed · score 1\/3$/m);
  assert.match(
    status.stdout,
    /^first failed\s+test 2 \(medium\): wrong_answer · line 2: expected "5", got "five"$/m,
  );
  assert.match(status.stdout, /^diff\s+test 2, line 2: expected "5", got "five"$/m);
});

test('submit --outputs refuses what cannot be an output-only submission, naming why', async () => {
  const empty = outputsDir('empty', { 'readme.txt': 'no outputs here' });
  const cases: [string[], RegExp][] = [
    [['--outputs', empty], /--outputs needs --problem ID/],
    [['-p', PROBLEM, '--outputs', empty], /holds no \.out files/],
    [['-p', PROBLEM, '--outputs', join(empty, 'readme.txt')], /named after its test, <test name>\.out/],
    [['-p', PROBLEM, '--outputs', join(work, 'nowhere')], /cannot read .*nowhere: ENOENT/],
    [['-p', PROBLEM], /give a source FILE, or --problem ID --outputs/],
  ];
  for (const [args, message] of cases) {
    const r = await arbiter(['submit', ...args, '--server', server.url]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  // A file the problem has no test for: the server refuses it, and the CLI says so in one line.
  const extra = outputsDir('extra', { 'small.out': '1 2 3\n', 'huge.out': '0\n' });
  const r = await arbiter(['submit', '-p', PROBLEM, '--outputs', extra, '--server', server.url]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /huge\.out.*\[ARB_ERR_INPUT_INVALID, HTTP 400/);
});
