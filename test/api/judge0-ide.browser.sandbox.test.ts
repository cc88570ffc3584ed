// Issue 15 [H]: a Judge0 IDE-like page on its own origin uses Arbiter on another origin, in a real
// browser (Debian's chromium driven by playwright-core; needs /usr/bin/chromium, which scripts/setup
// installs) against a real `arbiter serve` with its default settings (the real sandbox: root,
// bubblewrap, toolchains). The page is our own; it makes the requests the Judge0 IDE's js/ide.js
// makes (read there, not copied): GET /languages for the menu, GET /languages/:id for the source
// file's name, POST /submissions?base64_encoded=true&wait=false with a JSON body (so the browser
// sends a CORS preflight first), then GET /submissions/:token?base64_encoded=true until the status
// id is above 2, and shows compile_output and stdout, base64-decoded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { accessLog as accessLogOf, launchChromium, servePages, type Chromium } from '../helpers/browser.js';
import { cleanup, startServer, type TestServer } from './helpers.js';

/** The IDE page's own origin: a name chromium resolves to this machine. */
const IDE_HOST = 'ide.example';
/** Compiles (C++, Java) on a busy test machine take seconds each. */
const RUN_TIMEOUT_MS = 120_000;

/** Programs that read a name from stdin and greet it; `prefix` finds the language in the menu. */
const PROGRAMS = [
  {
    prefix: 'C (',
    source:
      '#include <stdio.h>\nint main(void) {\n  char name[64];\n  if (scanf("%63s", name) != 1) return 1;\n  printf("hello, %s from C\\n", name);\n  return 0;\n}\n',
    stdin: 'Ada\n',
    expected: 'hello, Ada from C',
  },
  {
    prefix: 'C++ (',
    source:
      '#include <iostream>\n#include <string>\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "hello, " << name << " from C++" << std::endl;\n}\n',
    stdin: 'Grace\n',
    expected: 'hello, Grace from C++',
  },
  {
    prefix: 'Python (',
    source: 'name = input()\nprint(f"hello, {name} from Python")\n',
    // Not ASCII: the page encodes UTF-8 into base64 and decodes the answer back, as the IDE does.
    stdin: 'Zoë\n',
    expected: 'hello, Zoë from Python',
  },
  {
    prefix: 'Java (',
    source:
      'import java.util.Scanner;\npublic class Main {\n  public static void main(String[] args) {\n    String name = new Scanner(System.in).next();\n    System.out.println("hello, " + name + " from Java");\n  }\n}\n',
    stdin: 'James\n',
    expected: 'hello, James from Java',
  },
  {
    prefix: 'JavaScript (',
    source:
      'const name = require("fs").readFileSync(0, "utf8").trim();\nconsole.log(`hello, ${name} from JavaScript`);\n',
    stdin: 'Brendan\n',
    expected: 'hello, Brendan from JavaScript',
  },
] as const;

/**
 * The page: loads the language menu, then runs each program the test puts in window.programs and
 * shows its output in a <pre> per language. `API` is Arbiter's origin, another origin than the page's.
 */
const IDE_PAGE = (api: string) => `<!doctype html>
<meta charset="utf-8"><title>IDE</title>
<select id="language"></select><div id="outputs"></div>
<script>
const API = ${JSON.stringify(api)};
const toBase64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const fromBase64 = (b64) => b64 ? new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) : '';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function json(response) {
  if (!response.ok) throw new Error(response.status + ' ' + (await response.text()));
  return response.json();
}
window.loadLanguages = async () => {
  const languages = await json(await fetch(API + '/languages'));
  for (const language of languages) document.getElementById('language').add(new Option(language.name, language.id));
  return languages;
};
window.runProgram = async (languageId, source, stdin) => {
  const detail = await json(await fetch(API + '/languages/' + languageId));
  const created = await fetch(API + '/submissions?base64_encoded=true&wait=false', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      source_code: toBase64(source), language_id: languageId, stdin: toBase64(stdin),
      compiler_options: '', command_line_arguments: '', redirect_stderr_to_stdout: true,
    }),
  });
  const exposed = {
    requestId: created.headers.get('X-Request-Id'),
    rateLimitRemaining: created.headers.get('X-RateLimit-Remaining'),
  };
  const { token } = await json(created);
  for (let i = 1; i < 600; i++) {
    const result = await json(await fetch(API + '/submissions/' + token + '?base64_encoded=true'));
    if (result.status.id > 2) {
      const output = [fromBase64(result.compile_output), fromBase64(result.stdout)].join('\\n').trim();
      const pre = document.createElement('pre');
      pre.id = 'out-' + languageId;
      pre.textContent = output;
      document.getElementById('outputs').append(pre);
      return { output, status: result.status, sourceFile: detail.source_file, exposed };
    }
    await sleep(Math.min(100 * i, 500));
  }
  throw new Error('no result for ' + token);
};
window.tryRead = async (path) => {
  try { await fetch(API + path); return 'read'; } catch (error) { return 'blocked'; }
};
</script>`;

let arbiter: TestServer;
let pageServer: { port: number; close(): Promise<void> };
let pagePort: number;
let chromium: Chromium;
let context: BrowserContext;

before(async () => {
  // Default settings: loopback, anonymous use on, compatCorsOrigins "*".
  arbiter = await startServer({ workers: 2 });
  const api = `http://127.0.0.1:${arbiter.port}`;
  pageServer = await servePages((path) => (path === '/' ? IDE_PAGE(api) : undefined));
  pagePort = pageServer.port;
  chromium = await launchChromium({ hostResolverRules: `MAP ${IDE_HOST} 127.0.0.1` });
  context = chromium.context;
});

after(async () => {
  await chromium?.close();
  await pageServer?.close();
  await cleanup();
});

/** The server's access log lines so far. */
const accessLog = () => accessLogOf(arbiter.log);

test(
  'an IDE page on its own origin lists languages once each and runs C, C++, Python, Java and JavaScript',
  { timeout: RUN_TIMEOUT_MS },
  async () => {
    const page = await context.newPage();
    try {
      await page.goto(`http://${IDE_HOST}:${pagePort}/`);
      const languages = (await page.evaluate('window.loadLanguages()')) as { id: number; name: string }[];
      const names = languages.map((l) => l.name);
      assert.equal(new Set(names).size, names.length, `a name is listed twice: ${names.join(', ')}`);
      const options = await page.locator('#language option').count();
      assert.equal(options, languages.length);

      for (const program of PROGRAMS) {
        const language = languages.find((l) => l.name.startsWith(program.prefix));
        assert.ok(language, `no ${program.prefix}…) in the menu: ${names.join(', ')}`);
        const result = (await page.evaluate(
          `window.runProgram(${language.id}, ${JSON.stringify(program.source)}, ${JSON.stringify(program.stdin)})`,
        )) as {
          output: string;
          status: { id: number; description: string };
          sourceFile: string;
          exposed: { requestId: string | null; rateLimitRemaining: string | null };
        };
        assert.deepEqual(result.status, { id: 3, description: 'Accepted' }, JSON.stringify(result));
        assert.equal(result.output, program.expected, `${language.name}: ${JSON.stringify(result)}`);
        // What the page shows, decoded.
        assert.equal(await page.locator(`#out-${language.id}`).textContent(), program.expected);
        assert.ok(result.sourceFile.length > 0, JSON.stringify(result));
        // Exposed to the page: the request id and the rate-limit headers.
        assert.ok(result.exposed.requestId, 'X-Request-Id is not exposed to the page');
        assert.match(
          result.exposed.rateLimitRemaining ?? '',
          /^\d+$/,
          'X-RateLimit-Remaining is not exposed',
        );
      }
    } finally {
      await page.close();
    }
    // The browser asked first (a preflight for the JSON POST) and the server said yes.
    const preflights = accessLog().filter((l) => l.method === 'OPTIONS' && l.url.startsWith('/submissions?'));
    assert.ok(preflights.length > 0, 'no preflight reached the server');
    for (const line of preflights) assert.equal(line.statusCode, 204, JSON.stringify(line));
  },
);

test('the same page cannot read listings of submissions, which without a key are everyone’s', async () => {
  const page = await context.newPage();
  try {
    await page.goto(`http://${IDE_HOST}:${pagePort}/`);
    assert.equal(await page.evaluate('window.tryRead("/submissions")'), 'blocked');
    assert.equal(await page.evaluate('window.tryRead("/api/v1/submissions")'), 'blocked');
    // A Judge0 read it is meant to make works.
    assert.equal(await page.evaluate('window.tryRead("/statuses")'), 'read');
  } finally {
    await page.close();
  }
  // Both listings arrived and were answered; only the browser kept them from the page.
  const urls = accessLog().map((l) => `${l.method} ${l.url}`);
  assert.ok(urls.includes('GET /submissions'), urls.slice(-10).join('\n'));
  assert.ok(urls.includes('GET /api/v1/submissions'), urls.slice(-10).join('\n'));
});
