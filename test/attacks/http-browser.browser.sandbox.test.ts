// Issue 13 [G]: the loopback server attacked by web pages in a real browser (Debian's chromium driven
// by playwright-core; needs /usr/bin/chromium, which scripts/setup installs) against a real
// `arbiter serve` (the real sandbox: root, bubblewrap, toolchains). The attacker's pages come from a
// second server; chromium resolves evil.example to 127.0.0.1, which is what a DNS-rebinding attack
// achieves. Each attack is checked where it lands: the server's access log must show the request
// arrived and was refused, so a browser that blocked it on its own cannot make a test pass.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { cleanup, pollUntil, request, startServer, type TestServer } from '../api/helpers.js';
import { accessLog, launchChromium, servePages, type AccessLine, type Chromium } from '../helpers/browser.js';

const SECRET = 'hidden-expected-b41d07';
const PROBLEM_ID = 'browser-attack';
/** What an attacking page waits for before the test reads the outcome. */
const PAGE_TIMEOUT_MS = 20_000;

let arbiter: TestServer;
let attacker: { port: number; close(): Promise<void> };
let attackerPort: number;
let chromium: Chromium;
let context: BrowserContext;
/** Pages the attacker's server serves, by path. */
const pages = new Map<string, string>();

before(async () => {
  arbiter = await startServer({ workers: 1 });
  const created = await request(arbiter, 'POST', '/api/v1/problems', {
    body: {
      id: PROBLEM_ID,
      title: 'Echo',
      tests: [{ stdin: 'secret\n', expected: `${SECRET}\n`, hidden: true }],
    },
  });
  assert.equal(created.status, 201, created.text);
  attacker = await servePages((path) => pages.get(path));
  attackerPort = attacker.port;
  // The rebinding: evil.example now resolves to this machine.
  chromium = await launchChromium({ hostResolverRules: 'MAP evil.example 127.0.0.1' });
  context = chromium.context;
});

after(async () => {
  await chromium?.close();
  await attacker?.close();
  await cleanup();
});

/** The access log lines of `method path` so far. */
function logged(method: string, path: string): AccessLine[] {
  return accessLog(arbiter.log).filter((line) => line.method === method && line.url === path);
}

/** Waits until `count` requests `method path` are in the access log, and returns them. */
async function arrived(method: string, path: string, count = 1): Promise<AccessLine[]> {
  return pollUntil(
    async () => logged(method, path),
    (lines) => lines.length >= count,
    { timeoutMs: PAGE_TIMEOUT_MS, what: `${count} × ${method} ${path} to reach the server` },
  );
}

async function submissionCount(): Promise<number> {
  const page = await request<{ submissions: unknown[] }>(arbiter, 'GET', '/api/v1/submissions?limit=100');
  assert.equal(page.status, 200, page.text);
  return page.body.submissions.length;
}

/** Opens the attacker's page `path` (serving `html` there) from http://evil.example:<its port>. */
async function openAttack(path: string, html: string): Promise<Page> {
  pages.set(path, html);
  const page = await context.newPage();
  await page.goto(`http://evil.example:${attackerPort}${path}`);
  return page;
}

test('cross-site form posts, no-cors fetches and beacons reach the server and are refused; nothing runs', async () => {
  const before = await submissionCount();
  const target = `http://127.0.0.1:${arbiter.port}`;
  const piston = JSON.stringify({ language: 'python', version: '*', files: [{ content: 'print(1)' }] });
  const native = JSON.stringify({ language: 'python3', source: 'print(1)', code: 'print(1)' });
  const page = await openAttack(
    '/forms',
    `<!doctype html><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="judge0" method="post" target="sink1" action="${target}/submissions?wait=true">
  <input name="source_code" value="print(1)"><input name="language_id" value="71"></form>
<form id="multi" method="post" target="sink2" enctype="multipart/form-data" action="${target}/run">
  <input name="language" value="python3"><input name="code" value="print(1)"></form>
<script>
  document.getElementById('judge0').submit();
  document.getElementById('multi').submit();
  fetch('${target}/api/v2/execute', { method: 'POST', mode: 'no-cors',
    headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(piston)} });
  fetch('${target}/api/v1/submissions', { method: 'POST', mode: 'no-cors',
    headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(native)} });
  navigator.sendBeacon('${target}/run', new Blob([${JSON.stringify(native)}], { type: 'text/plain' }));
</script></body>`,
  );
  try {
    for (const [method, path] of [
      ['POST', '/submissions?wait=true'],
      ['POST', '/run'],
      ['POST', '/api/v2/execute'],
      ['POST', '/api/v1/submissions'],
    ] as const) {
      const lines = await arrived(method, path, path === '/run' ? 2 : 1);
      for (const line of lines)
        assert.equal(line.statusCode, 403, `${method} ${path}: ${JSON.stringify(line)}`);
    }
  } finally {
    await page.close();
  }
  assert.equal(await submissionCount(), before, 'a page from another site ran code');
});

test('a cross-site WebSocket to the admin event stream is refused', async () => {
  const page = await openAttack(
    '/socket',
    `<!doctype html><script>
  const socket = new WebSocket('ws://127.0.0.1:${arbiter.port}/api/v1/ws');
  socket.onopen = () => { window.outcome = 'open'; };
  socket.onerror = () => { window.outcome = window.outcome ?? 'refused'; };
</script>`,
  );
  try {
    await page.waitForFunction('window.outcome !== undefined', undefined, { timeout: PAGE_TIMEOUT_MS });
    assert.equal(await page.evaluate('window.outcome'), 'refused');
    const [line] = await arrived('GET', '/api/v1/ws');
    assert.equal(line!.statusCode, 403);
  } finally {
    await page.close();
  }
});

test('DNS rebinding: the server under the name evil.example answers 403 and shows no hidden test', async () => {
  const page = await context.newPage();
  try {
    const problem = await page.goto(`http://evil.example:${arbiter.port}/api/v1/problems/${PROBLEM_ID}`);
    assert.equal(problem?.status(), 403);
    const text = (await problem?.text()) ?? '';
    assert.ok(!text.includes(SECRET), text);
    assert.match(text, /allowedHosts/);
    // The rebinding page itself (say, the web editor under that name) is refused too, so its
    // same-origin requests never run.
    const editor = await page.goto(`http://evil.example:${arbiter.port}/`);
    assert.equal(editor?.status(), 403);
  } finally {
    await page.close();
  }
});

test('the same browser on the server itself is its operator: the hidden test shows', async () => {
  const page = await context.newPage();
  try {
    const problem = await page.goto(`http://localhost:${arbiter.port}/api/v1/problems/${PROBLEM_ID}`);
    assert.equal(problem?.status(), 200);
    assert.ok(((await problem?.text()) ?? '').includes(SECRET));
  } finally {
    await page.close();
  }
});
