// The editor and the dashboard in a real browser against a real server: Debian's chromium driven
// headless by playwright-core, `arbiter serve` with the real sandbox (root, bubblewrap, toolchains).
// Needs /usr/bin/chromium (scripts/setup installs it) and builds dist/web first when it is stale.
// Screenshots land in test/web/screenshots/ (not committed) for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type Chromium } from '../helpers/browser.js';
import { PLAIN_LANGUAGES } from '../../src/web/editor/language-modes.js';
import { ensureWebBuilt, root } from './web-build.js';
import { createKey, freshDataDir, startServer, type WebTestServer } from './web-server.js';

const SCREENSHOTS = join(root, 'test/web/screenshots');
/** Rate limits out of the way: the test, not the limiter, is under test. */
const SERVER_CONFIG = { ipRatePerSec: 1000, defaultKeyRatePerSec: 1000 };
/** Bound on waiting for a verdict (a compile, or a 2 s CPU limit behind two others). */
const VERDICT_TIMEOUT_MS = 30_000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let server: WebTestServer;
let chromium: Chromium;
let context: BrowserContext;
/** Uncaught errors in any page: a test fails if its pages threw. */
const pageErrors: string[] = [];

/** Records every text the status line shows, so a test can check the live sequence. */
const STATUS_RECORDER = `
document.addEventListener('DOMContentLoaded', () => {
  const status = document.getElementById('status');
  if (!status) return;
  window.__statusLog = [];
  new MutationObserver(() => window.__statusLog.push(status.textContent.trim()))
    .observe(status, { childList: true, characterData: true, subtree: true });
});`;

before(async () => {
  ensureWebBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startServer(SERVER_CONFIG);
  chromium = await launchChromium({ viewport: DESKTOP });
  context = chromium.context;
  await context.addInitScript({ content: STATUS_RECORDER });
  context.on('page', (page) =>
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`)),
  );
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

async function newPage(viewport = DESKTOP): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  return page;
}

async function openEditor(baseUrl = server.url, viewport = DESKTOP): Promise<Page> {
  const page = await newPage(viewport);
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector('html[data-ready="editor"]');
  return page;
}

/** Replaces the editor's text: select all, then type (or paste, for long programs). */
async function setCode(page: Page, code: string, how: 'type' | 'paste' = 'type'): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (how === 'type') await page.keyboard.type(code);
  else await page.keyboard.insertText(code);
}

async function waitForVerdict(page: Page): Promise<string> {
  await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', {
    timeout: VERDICT_TIMEOUT_MS,
  });
  assert.equal(await page.getAttribute('#status', 'data-state'), 'done', await text(page, '#status'));
  return (await page.getAttribute('#verdict', 'data-status')) ?? '';
}

async function statusLog(page: Page): Promise<string[]> {
  return (await page.evaluate('window.__statusLog.splice(0)')) as string[];
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? '').trim();
}

async function api<T>(path: string, body?: unknown, baseUrl = server.url): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await response.json()) as T;
  assert.ok(response.ok, `${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

function assertNoPageErrors(): void {
  assert.deepEqual(pageErrors.splice(0), [], 'the pages threw');
}

test('the editor runs typed code with Ctrl+Enter and shows output, verdict and measurements', async () => {
  const page = await openEditor();
  // Every control is labelled, and the status line is announced.
  const unlabelled = await page.evaluate(
    `[...document.querySelectorAll('select, textarea, input')].filter((e) => e.labels.length === 0).map((e) => e.id)`,
  );
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.getAttribute('#status', 'aria-live'), 'polite');
  assert.equal(await page.getAttribute('.cm-content', 'aria-labelledby'), 'code-heading');

  await page.selectOption('#language', 'python3');
  await setCode(page, 'a, b = map(int, input().split()); print(a * b)');
  await page.fill('#stdin', '6 7');
  await page.click('.cm-content');
  await statusLog(page); // from here on
  await page.keyboard.press('Control+Enter');
  assert.equal(await waitForVerdict(page), 'accepted');
  assert.equal(await text(page, '#stdout'), '42');
  assert.equal(await text(page, '#verdict-badge'), 'Accepted');
  assert.match(await text(page, '#verdict-metrics'), /^CPU \d+ ms · wall \d+ ms · memory [\d.]+ (MiB|KiB)/);
  assert.equal(await text(page, '#stderr'), '');
  const log = await statusLog(page);
  assert.equal(log[0], 'Submitting…');
  assert.equal(log.at(-1), 'Finished: Accepted.');

  // A program that writes to stderr and fails: its errors pane, not its output pane.
  await setCode(page, 'import sys; print("out"); sys.exit("boom")');
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'runtime_error');
  assert.equal(await text(page, '#stdout'), 'out');
  assert.match(await text(page, '#stderr'), /boom/);
  assert.match(await text(page, '#verdict-metrics'), /exit code 1/);
  await page.screenshot({ path: join(SCREENSHOTS, 'editor.png'), fullPage: true });
  await page.close();
  assertNoPageErrors();
});

test('a compile error shows in the compile output pane', async () => {
  const page = await openEditor();
  await page.selectOption('#language', 'c');
  await setCode(
    page,
    '#include <stdio.h>\nint main(void) {\n  printf("%d\\n", undeclared_thing);\n}\n',
    'paste',
  );
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'compilation_error');
  assert.equal(await text(page, '#verdict-badge'), 'Compilation error');
  assert.match(await text(page, '#compile-output'), /undeclared_thing/);
  assert.equal(await text(page, '#stdout'), '');
  await page.screenshot({ path: join(SCREENSHOTS, 'editor-compile-error.png'), fullPage: true });
  await page.close();
  assertNoPageErrors();
});

test('output that is not UTF-8 is shown with U+FFFD and a note saying so', async () => {
  const page = await openEditor();
  await page.selectOption('#language', 'c');
  await setCode(
    page,
    '#include <stdio.h>\nint main(void) {\n  fputs("A\\xfe" "B\\n", stdout);\n}\n',
    'paste',
  );
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'accepted');
  const shown = await text(page, '#stdout');
  assert.match(shown, /^A\uFFFDB\n/);
  assert.match(shown, /not UTF-8: each � stands for bytes the API keeps exactly in base64/);
  await page.close();
  assertNoPageErrors();
});

test('an infinite loop waits its turn, runs live, and ends in time_limit_exceeded', async () => {
  // Two CPU-bound programs take both workers, so the editor's run has to queue first.
  const busy = { language: 'python3', source: 'while True:\n    pass\n' };
  const blockers = await Promise.all([0, 1].map(() => api<{ id: string }>('/api/v1/submissions', busy)));
  for (;;) {
    const queue = await api<{ running: number }>('/api/v1/queue');
    if (queue.running >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const page = await openEditor();
  await page.selectOption('#language', 'python3');
  await setCode(page, 'while True:\n    pass\n', 'paste');
  await page.click('#stdin');
  await statusLog(page);
  await page.keyboard.press('Control+Enter'); // the page-wide shortcut, outside the editor
  assert.equal(await waitForVerdict(page), 'time_limit_exceeded');
  assert.equal(await text(page, '#verdict-badge'), 'Time limit exceeded');
  assert.match(await text(page, '#verdict-metrics'), /limit: CPU time/);
  const log = await statusLog(page);
  assert.ok(
    log.some((s) => /^Queued: (next in line|position \d+)/.test(s)),
    `no queued status in ${JSON.stringify(log)}`,
  );
  assert.ok(log.includes('Running…'), `no running status in ${JSON.stringify(log)}`);
  assert.ok(log.indexOf('Running…') > log.findIndex((s) => s.startsWith('Queued')), JSON.stringify(log));
  assert.equal(log.at(-1), 'Finished: Time limit exceeded.');
  for (const { id } of blockers) {
    const done = await api<{ status: string }>(`/api/v1/submissions/${id}`);
    assert.equal(done.status, 'time_limit_exceeded');
  }
  await page.close();
  assertNoPageErrors();
});

test('problem mode submits with problemId and shows a result per test', async () => {
  await api('/api/v1/problems', {
    id: 'web-sum',
    title: 'Sum of two',
    tests: [
      { stdin: '1 2', expected: '3', name: 'small' },
      { stdin: '50 50', expected: '100', name: 'hundred', weight: 2 },
      { stdin: '2 2', expected: '5', name: 'trap' },
    ],
  });
  const page = await openEditor();
  await page.click('#problems-reload');
  await page.waitForSelector('#problem option[value="web-sum"]', { state: 'attached' });
  await page.selectOption('#problem', 'web-sum');
  assert.equal(await page.isHidden('#stdin'), true, 'a problem brings its own input');
  assert.match(await text(page, '#problem-info'), /3 tests of “Sum of two”/);
  await page.selectOption('#language', 'python3');
  await setCode(page, 'print(sum(map(int, input().split())))');
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'wrong_answer');
  const rows = await page.$$eval('#tests tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent?.trim())),
  );
  assert.deepEqual(rows, [
    ['1', 'small', 'Accepted'],
    ['2', 'hundred', 'Accepted'],
    ['3', 'trap', 'Wrong answer'],
  ]);
  assert.match(await text(page, '#tests-score'), /2 of 3 tests passed; score 3 of 4/);
  // The visible wrong answer shows where its output differs from the expected one.
  assert.equal(await page.locator('#tests tbody tr pre.diff').count(), 1);
  assert.equal(await text(page, '#tests tbody tr:nth-child(3) pre.diff'), '- 1  5\n+ 1  4');
  assert.match(await text(page, '#verdict-metrics'), /score 3 \/ 4/);
  await page.screenshot({ path: join(SCREENSHOTS, 'editor-problem.png'), fullPage: true });
  await page.close();
  assertNoPageErrors();
});

test("problem mode shows each test group's verdict and score, and the tests it skipped", async () => {
  await api('/api/v1/problems', {
    id: 'web-groups',
    title: 'Sum in subtasks',
    tests: [
      { stdin: '1 2', expected: '3', group: 'small' },
      { stdin: '2 2', expected: '5', group: 'trap' },
      { stdin: '3 3', expected: '6', group: 'trap' },
      { stdin: '4 4', expected: '8', group: 'after' },
    ],
    groups: [
      { id: 'small', points: 30 },
      { id: 'trap', points: 50, aggregation: 'min' },
      { id: 'after', points: 20, dependsOn: ['trap'] },
    ],
  });
  const page = await openEditor();
  await page.click('#problems-reload');
  await page.waitForSelector('#problem option[value="web-groups"]', { state: 'attached' });
  await page.selectOption('#problem', 'web-groups');
  await page.selectOption('#language', 'python3');
  await setCode(page, 'print(sum(map(int, input().split())))');
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'wrong_answer');
  const groups = await page.$$eval('#groups tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
  );
  assert.deepEqual(groups, [
    ['small', 'Accepted', '30 / 30'],
    ['trap', 'Wrong answer', '0 / 50'],
    ['after', 'Skipped', '0 / 20'],
  ]);
  const verdicts = await page.$$eval('#tests tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 3).map((td) => td.textContent?.trim())),
  );
  assert.deepEqual(verdicts, [
    ['test 1 (small)', 'Accepted'],
    ['test 2 (trap)', 'Wrong answer'],
    ['test 3 (trap)', 'Skipped'],
    ['test 4 (after)', 'Skipped'],
  ]);
  await page.close();
  assertNoPageErrors();
});

test('an output-only problem takes uploaded and pasted outputs, says which are missing or extra, and judges them', async () => {
  await api('/api/v1/problems', {
    id: 'web-outputs',
    title: 'Outputs only',
    type: 'output-only',
    tests: [
      { name: 'small', expected: '1 2 3\n' },
      { name: 'big', expected: '42\n', hidden: true },
    ],
  });
  const page = await openEditor();
  await page.click('#problems-reload');
  await page.waitForSelector('#problem option[value="web-outputs"]', { state: 'attached' });
  await page.selectOption('#problem', 'web-outputs');
  assert.match(
    await text(page, '#problem-info'),
    /Output-only: you submit the output of each of the 2 tests/,
  );
  assert.equal(await page.isHidden('#editor'), true, 'no program to write');
  assert.equal(await page.isHidden('#stdin'), true);
  assert.equal(await page.isDisabled('#language'), true);
  assert.equal(await text(page, '#language'), 'None: outputs only');
  assert.equal(await page.isHidden('#code-heading'), true);
  const labels = await page.$$eval('#outputs-list label', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(labels, ['small.out', 'big.out']);

  // Nothing given: refused on the page, nothing sent.
  await page.click('#run');
  assert.match(await text(page, '#outputs-message'), /Give at least one output/);
  assert.equal(await page.getAttribute('#status', 'data-state'), 'error');

  // An upload fills the box of its test; a file named for no test is named back.
  await page.setInputFiles('#outputs-upload', [
    { name: 'small.out', mimeType: 'text/plain', buffer: Buffer.from('1 2 3\n') },
    { name: 'answer.out', mimeType: 'text/plain', buffer: Buffer.from('0\n') },
  ]);
  await page.waitForFunction(`document.getElementById('output-0').value === '1 2 3\\n'`);
  assert.match(
    await text(page, '#outputs-message'),
    /Not used: answer\.out names no test of this problem\. Name each file after its test: small\.out, big\.out\./,
  );
  await page.setInputFiles('#outputs-upload', [
    { name: 'small.out', mimeType: 'text/plain', buffer: Buffer.from('1 2 3\n') },
  ]);
  await page.waitForFunction(`/Read 1 file/.test(document.getElementById('outputs-message').textContent)`);
  assert.match(
    await text(page, '#outputs-message'),
    /No output yet for big\.out: those tests are judged wrong/,
  );

  // One output right, one wrong (pasted).
  await page.fill('#output-1', '41\n');
  assert.match(await text(page, '#outputs-message'), /Every test has its output/);
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'wrong_answer');
  const rows = await page.$$eval('#tests tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 3).map((td) => td.textContent?.trim())),
  );
  assert.deepEqual(rows, [
    ['small', 'Accepted'],
    ['big', 'Wrong answer'],
  ]);
  assert.match(await text(page, '#tests-score'), /1 of 2 tests passed; score 1 of 2/);

  // Both right.
  await page.fill('#output-1', '42\n');
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'accepted');
  assert.match(await text(page, '#tests-score'), /2 of 2 tests passed; score 2 of 2/);
  await page.screenshot({ path: join(SCREENSHOTS, 'editor-outputs.png'), fullPage: true });
  // Reloading the problem list keeps the outputs given.
  await page.$eval('#output-1', (box) => box.setAttribute('data-before-reload', ''));
  await page.click('#problems-reload');
  await page.waitForSelector('#output-1:not([data-before-reload])', { state: 'attached' });
  assert.equal(await page.inputValue('#output-1'), '42\n');

  // Back to no problem: the code editor returns.
  await page.selectOption('#problem', '');
  assert.equal(await page.isVisible('#editor'), true);
  assert.equal(await page.isEnabled('#language'), true);
  assert.equal(await page.isHidden('#outputs-area'), true);
  await page.close();
  assertNoPageErrors();
});

test("a grader problem limits the languages, shows the visible header and the source's name; an interactive one says so", async () => {
  await api('/api/v1/problems', {
    id: 'web-add',
    title: 'Write add',
    tests: [
      { stdin: '1 2', expected: '3' },
      { stdin: '40 2', expected: '42', hidden: true },
    ],
    graders: {
      cpp: {
        files: [
          {
            name: 'grader.cpp',
            content:
              '// grader-secret\n#include <cstdio>\n#include "add.h"\nint main(){int a,b; if(std::scanf("%d %d",&a,&b)!=2) return 3; std::printf("%d\\n", add(a,b));}\n',
          },
          { name: 'add.h', content: 'int add(int a, int b);\n', visible: true },
        ],
      },
      python3: {
        files: [
          {
            name: 'grader.py',
            content: 'from solution import add\nprint(add(*map(int, input().split())))\n',
          },
        ],
        entry: 'grader.py',
        sourceFile: 'solution.py',
      },
    },
  });
  await api('/api/v1/problems', {
    id: 'web-guess',
    title: 'Guess',
    tests: [{ stdin: '5' }],
    // Accepts a program that greets it with "hi".
    interactor: {
      language: 'python3',
      source: 'import sys\nsys.exit(0 if sys.stdin.readline().strip() == "hi" else 1)\n',
    },
  });
  const page = await openEditor();
  const allLanguages = await page.locator('#language option').count();
  await page.click('#problems-reload');
  await page.waitForSelector('#problem option[value="web-add"]', { state: 'attached' });
  await page.selectOption('#problem', 'web-add');
  const offered = await page.$$eval('#language option', (os) => os.map((o) => o.getAttribute('value')));
  assert.deepEqual(offered.sort(), ['cpp', 'python3']);
  assert.match(await text(page, '#problem-info'), /grader calls, in cpp, python3/);

  await page.selectOption('#language', 'python3');
  await page.waitForSelector('#source-file:not([hidden])');
  assert.equal(await text(page, '#source-file'), 'Your code is saved as solution.py and grader.py runs it.');
  assert.equal(await page.isHidden('#problem-files'), true, 'the python grader shows no file');

  await page.selectOption('#language', 'cpp');
  await page.waitForSelector('#problem-files:not([hidden])');
  assert.equal(await text(page, '#source-file'), "Your code is compiled with the problem's grader.");
  await page.click('#problem-files summary');
  assert.deepEqual(await page.$$eval('#problem-files h3', (hs) => hs.map((h) => h.textContent)), ['add.h']);
  assert.equal(await text(page, '#problem-files pre'), 'int add(int a, int b);');
  assert.ok(!(await page.content()).includes('grader-secret'), 'a hidden grader file is not shown');
  await setCode(page, '#include "add.h"\nint add(int a, int b) { return a + b; }\n', 'paste');
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'accepted');
  await page.screenshot({ path: join(SCREENSHOTS, 'editor-grader.png'), fullPage: true });

  // An interactive problem says the program talks with the interactor, and takes any language.
  await page.selectOption('#problem', 'web-guess');
  assert.match(
    await text(page, '#problem-info'),
    /Interactive: your program talks with the problem's interactor/,
  );
  assert.equal(await page.isHidden('#problem-files'), true);
  assert.equal(await page.isHidden('#source-file'), true);
  assert.equal(await page.locator('#language option').count(), allLanguages);
  await page.selectOption('#language', 'python3');
  await setCode(page, 'print("hi", flush=True)');
  await page.click('#run');
  assert.equal(await waitForVerdict(page), 'accepted');
  assert.equal(
    await page.getAttribute('#stdout', 'data-empty'),
    "Not shown: an interactive program's output is its conversation with the interactor.",
  );
  await page.close();
  assertNoPageErrors();
});

test('code is kept per language across switches and reloads', async () => {
  const page = await openEditor();
  await page.selectOption('#language', 'ruby');
  await setCode(page, 'puts "kept in ruby"');
  await page.selectOption('#language', 'lua');
  assert.match(await text(page, '.cm-content'), /io\.read/, 'lua starts from its starter program');
  await page.selectOption('#language', 'ruby');
  assert.equal(await text(page, '.cm-content'), 'puts "kept in ruby"');
  await page.reload();
  await page.waitForSelector('html[data-ready="editor"]');
  assert.equal(await page.inputValue('#language'), 'ruby', 'the last language is remembered');
  assert.equal(await text(page, '.cm-content'), 'puts "kept in ruby"');
  await page.click('#reset');
  assert.match(await text(page, '.cm-content'), /gets\.strip/);
  await page.close();
  assertNoPageErrors();
});

test('every installed language gets syntax highlighting', async () => {
  const page = await openEditor();
  const languages = await page.$$eval('#language option', (options) => options.map((o) => o.value));
  const installed = await api<{ languages: { id: string }[] }>('/api/v1/languages');
  assert.deepEqual(
    languages,
    installed.languages.map((l) => l.id),
  );
  const plain: string[] = [];
  for (const id of languages.filter((l) => !PLAIN_LANGUAGES.has(l))) {
    await page.selectOption('#language', id);
    await page.click('#reset');
    // Highlighted tokens are spans with a generated class; plain text has none.
    const highlighted = await page
      .waitForFunction(
        `document.querySelectorAll('.cm-line span[class]:not(.cm-matchingBracket):not(.cm-nonmatchingBracket)').length > 0`,
        undefined,
        { timeout: 5000 },
      )
      .then(() => true)
      .catch(() => false);
    if (!highlighted) plain.push(id);
  }
  assert.deepEqual(plain, [], 'languages shown without highlighting');
  await page.close();
  assertNoPageErrors();
});

test('429 and 503 answers show the wait and hold the Run button until it passes', async () => {
  const page = await openEditor();
  const refuse = (status: number, body: Record<string, unknown>, headers: Record<string, string>) =>
    page.route('**/api/v1/submissions', (route) =>
      route.fulfill({ status, headers, contentType: 'application/json', body: JSON.stringify(body) }),
    );
  await refuse(
    429,
    { error: 'ARB_ERR_RATELIMIT_EXCEEDED', message: 'too many requests', status: 429, retryAfter: 2 },
    { 'retry-after': '2' },
  );
  await page.click('#run');
  await page.waitForSelector('#status[data-state="error"]');
  assert.equal(await text(page, '#status'), 'Too many requests: wait 2 s, then try again.');
  assert.equal(await page.isDisabled('#run'), true);
  assert.match(await text(page, '#run'), /^Run \(wait [12] s\)$/);
  await page.waitForSelector('#run:not([disabled])', { timeout: 5000 });
  assert.equal(await text(page, '#status'), 'Ready to run again.');

  await page.unroute('**/api/v1/submissions');
  // The wait only in the body (no Retry-After header) is read too.
  await refuse(
    503,
    { error: 'ARB_ERR_QUEUE_FULL', message: 'the queue is full', status: 503, retryAfter: 1 },
    {},
  );
  await page.click('#run');
  await page.waitForSelector('#status[data-state="error"]');
  assert.equal(
    await text(page, '#status'),
    'The server is busy (the queue is full): wait 1 s, then try again.',
  );
  await page.waitForSelector('#run:not([disabled])', { timeout: 5000 });
  await page.unroute('**/api/v1/submissions');
  await page.close();
  assertNoPageErrors();
});

test('the dashboard is pushed live: its numbers move as jobs run', async () => {
  const page = await newPage();
  await page.goto(`${server.url}/dashboard`);
  await page.waitForSelector('#push-state[data-state="live"]');
  await page.waitForFunction(`document.querySelector('[data-metric="finished"]').textContent !== '–'`);
  const finishedBefore = Number((await text(page, '[data-metric="finished"]')).replace(/,/g, ''));
  const jobs = await Promise.all(
    ['print(1)', 'print(2)', 'import time; time.sleep(0.3); print(3)'].map((source) =>
      api<{ id: string }>('/api/v1/submissions', { language: 'python3', source }),
    ),
  );
  // Each job appears in the live table, pushed over the WebSocket, and ends accepted.
  for (const { id } of jobs)
    await page.waitForSelector(`#feed tr[data-status="accepted"] td[title="${id}"]`, {
      timeout: VERDICT_TIMEOUT_MS,
    });
  await page.waitForFunction(
    `Number(document.querySelector('[data-metric="finished"]').textContent.replace(/,/g, '')) >= ${finishedBefore + 3}`,
  );
  // Percentiles from the pushed results, and the per-language and per-status figures.
  await page.waitForFunction(
    `!document.querySelector('#chart-run .legend strong').textContent.includes('–')`,
  );
  assert.match(await text(page, '#chart-wait .legend'), /p50: \d+ ms/);
  assert.ok(Number(await text(page, '#by-language tr[data-language="python3"] td:nth-child(2)')) >= 3);
  assert.ok(await page.isVisible('#by-status li[data-status="accepted"]'));
  assert.ok(await page.isVisible('#by-status li[data-status="time_limit_exceeded"]'));
  assert.equal(await text(page, '#workers tbody tr td:nth-child(4)'), '0 / 2');
  assert.match(await text(page, '[data-metric="workers"]'), /of 2 workers/);
  assert.equal(await text(page, '[data-metric="rate-factor"]'), '1.00');
  assert.match(await text(page, '[data-metric="compile-cache"]'), /%$/, 'the C program compiled earlier');
  assert.equal(await page.isHidden('#alerts'), true, 'no alert on a healthy server');
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

  // The banner, fed the real answer with a queue past 80 % and a slow p95 wait.
  await page.route('**/api/v1/queue', async (route) => {
    const real = (await (await route.fetch()).json()) as Record<string, Record<string, number>>;
    const body = {
      ...real,
      length: 9000,
      maxLength: 10_000,
      last15Minutes: { ...real.last15Minutes, p95WaitMs: 45_000 },
    };
    await route.fulfill({ json: body });
  });
  await page.waitForSelector('#alerts:not([hidden]) [data-alert="wait"]');
  assert.equal(await page.getAttribute('#alerts', 'role'), 'alert');
  assert.match(await text(page, '#alerts [data-alert="queue"]'), /Queue nearly full: 9,000 of 10,000/);
  assert.match(await text(page, '#alerts [data-alert="wait"]'), /p95 wait 45\.0 s/);
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-alert.png') });
  await page.unroute('**/api/v1/queue');
  await page.waitForSelector('#alerts', { state: 'hidden' });
  await page.close();
  assertNoPageErrors();
});

test('both pages fit a phone-sized screen', async () => {
  const editor = await openEditor(server.url, PHONE);
  assert.ok(((await editor.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width);
  await editor.screenshot({ path: join(SCREENSHOTS, 'editor-phone.png'), fullPage: true });
  await editor.close();
  const dashboard = await newPage(PHONE);
  await dashboard.goto(`${server.url}/dashboard`);
  await dashboard.waitForSelector('#push-state[data-state="live"]');
  await dashboard.waitForFunction(`document.querySelector('#by-language tbody tr') !== null`);
  assert.ok(((await dashboard.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width);
  await dashboard.screenshot({ path: join(SCREENSHOTS, 'dashboard-phone.png'), fullPage: true });
  await dashboard.close();
  assertNoPageErrors();
});

test('with keys on, a 401 shows the key form; the key unlocks the editor and the dashboard', async () => {
  const dataDir = freshDataDir();
  let keyed: WebTestServer | undefined;
  try {
    const key = createKey(dataDir, 'admin');
    keyed = await startServer({ ...SERVER_CONFIG, anonymous: false, workers: 1 }, dataDir);
    const page = await newPage();
    await page.goto(`${keyed.url}/`);
    await page.waitForSelector('#key-form:not([hidden])');
    assert.match(await text(page, '#key-message'), /needs an API key: enter it in the API key field/);
    assert.equal(await page.evaluate('document.activeElement.id'), 'api-key', 'the key field has the focus');
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-key-prompt.png') });
    await page.fill('#api-key', key);
    await page.keyboard.press('Enter');
    await page.waitForSelector('html[data-ready="editor"]');
    assert.equal(await page.isHidden('#key-form'), true);
    await page.selectOption('#language', 'python3');
    await setCode(page, 'print("with a key")');
    await page.click('#run');
    assert.equal(await waitForVerdict(page), 'accepted');
    assert.equal(await text(page, '#stdout'), 'with a key');

    // Forget the key: the dashboard asks for it, then goes live (the key rides the WebSocket subprotocol).
    await page.evaluate(`localStorage.removeItem('arbiter.apiKey')`);
    await page.goto(`${keyed.url}/dashboard`);
    await page.waitForSelector('#key-form:not([hidden])');
    assert.match(await text(page, '#key-message'), /needs an API key: enter it in the API key field/);
    await page.fill('#api-key', key);
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('#push-state[data-state="live"]');
    await page.waitForFunction(`document.querySelector('[data-metric="queue-length"]').textContent === '0'`);
    const job = await fetch(`${keyed.url}/api/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ language: 'python3', source: 'print(9)' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await page.waitForSelector(`#feed tr[data-status="accepted"] td[title="${job.id}"]`, {
      timeout: VERDICT_TIMEOUT_MS,
    });
    await page.close();
  } finally {
    await keyed?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  assertNoPageErrors();
});
