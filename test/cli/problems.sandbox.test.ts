// `arbiter problems import|list|export|verify` against a real server (loopback, no keys: the
// operator), with a Kattis package built by the test; needs the sandbox (root, bubblewrap, gcc, python3).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { kattisSumPackage, SUM_PY } from '../helpers/package-fixtures.js';
import { zipPackage } from '../helpers/package-zip.js';
import { arbiter, startServer, type RunningServer } from '../client/server.js';

let server: RunningServer;
const work = mkdtempSync(join(tmpdir(), 'arbiter-problems-'));
/** Generous: the CLI waits for every reference solution to be compiled and judged. */
const VERIFY_TIMEOUT_MS = 300_000;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('import --wait verifies; list shows it; export writes a zip that imports again; verify runs again', async () => {
  const file = join(work, 'addtwo.zip');
  writeFileSync(file, zipPackage(kattisSumPackage(), 'addtwo'));
  const imported = await arbiter(['problems', 'import', file, '--server', server.url, '--wait'], {
    timeoutMs: VERIFY_TIMEOUT_MS,
  });
  assert.equal(imported.code, 0, imported.stderr + imported.stdout);
  assert.match(imported.stderr, /imported kattis package as problem addtwo: 5 tests, 2 reference solutions/);
  assert.match(imported.stdout, /accepted\/sum\.py\s+accepted\s+accepted\s+100\/100\s+yes/);
  assert.match(imported.stdout, /wrong_answer\/int32\.c\s+wrong_answer\s+wrong_answer\s+70\/100\s+yes/);
  assert.match(imported.stdout, /verification passed/);

  const listed = await arbiter(['problems', 'list', '--server', server.url]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /addtwo\s+Add Two Numbers\s+5\s+passed/);

  const output = join(work, 'exported.zip');
  const exported = await arbiter(['problems', 'export', 'addtwo', '-o', output, '--server', server.url]);
  assert.equal(exported.code, 0, exported.stderr);
  const again = await arbiter([
    'problems',
    'import',
    output,
    '--id',
    'addtwo-2',
    '--server',
    server.url,
    '--json',
  ]);
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout) as { id: string; testCount: number };
  assert.equal(summary.id, 'addtwo-2');
  assert.equal(summary.testCount, 5);
  assert.ok(readFileSync(output).length > 0);

  const verified = await arbiter(['problems', 'verify', 'addtwo-2', '--server', server.url], {
    timeoutMs: VERIFY_TIMEOUT_MS,
  });
  assert.equal(verified.code, 0, verified.stderr + verified.stdout);
  assert.match(verified.stdout, /verification passed/);
});

test('a failing verification exits 1; a refused package exits 2 naming the file', async () => {
  const tree = kattisSumPackage();
  tree['submissions/wrong_answer/really.py'] = SUM_PY;
  const file = join(work, 'misfiled.zip');
  writeFileSync(file, zipPackage(tree, 'misfiled'));
  const failed = await arbiter(['problems', 'import', file, '--server', server.url, '--wait'], {
    timeoutMs: VERIFY_TIMEOUT_MS,
  });
  assert.equal(failed.code, 1, failed.stderr + failed.stdout);
  assert.match(failed.stdout, /wrong_answer\/really\.py\s+wrong_answer\s+accepted\s+100\/100\s+NO/);
  assert.match(failed.stdout, /verification failed/);

  delete tree['data/sample/1.ans'];
  const broken = join(work, 'broken.zip');
  writeFileSync(broken, zipPackage(tree));
  const refused = await arbiter(['problems', 'import', broken, '--server', server.url]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /data\/sample\/1\.ans: is missing .*\[ARB_ERR_PACKAGE_INVALID, HTTP 400/);
});
