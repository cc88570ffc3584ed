/**
 * The web pages' weight and speed: bytes of HTML + JS + CSS each page loads before it is ready
 * (raw and gzip), and time-to-interactive in Debian's chromium (navigation start → the editor's
 * `arbiter:editor-ready` mark: languages loaded, starter code shown, its grammar applied; for the
 * dashboard, `arbiter:dashboard-ready`: its first figures drawn). Medians of cold loads, each in
 * a fresh browser context (no cache). `npm run bench -- --web`, or `node --import tsx bench/web.ts`.
 * Needs /usr/bin/chromium and a server, which it starts (the real sandbox: root, bubblewrap).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
// The browser test's helpers: the same build rule and the same way of starting a server.
import { ensureWebBuilt, WEB_DIST } from '../test/web/web-build.js';
import { startServer } from '../test/web/web-server.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Cold loads per page; the median is reported. */
const LOADS = 7;
const OUT_FILE = join(dirname(fileURLToPath(import.meta.url)), 'out', 'web.md');

const PAGES = [
  { name: 'editor', path: '/', mark: 'arbiter:editor-ready' },
  { name: 'dashboard', path: '/dashboard', mark: 'arbiter:dashboard-ready' },
] as const;

interface PageFigures {
  name: string;
  files: number;
  rawBytes: number;
  gzipBytes: number;
  byKind: Record<'html' | 'js' | 'css', { raw: number; gzip: number }>;
  readyMs: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function measurePage(
  browser: Browser,
  baseUrl: string,
  page: (typeof PAGES)[number],
): Promise<PageFigures> {
  const figures: PageFigures = {
    name: page.name,
    files: 0,
    rawBytes: 0,
    gzipBytes: 0,
    byKind: { html: { raw: 0, gzip: 0 }, js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 } },
    readyMs: [],
  };
  for (let load = 0; load < LOADS; load++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    const loaded = new Set<string>();
    tab.on('requestfinished', (request) => loaded.add(new URL(request.url()).pathname));
    await tab.goto(`${baseUrl}${page.path}`);
    await tab.waitForFunction(
      `performance.getEntriesByName(${JSON.stringify(page.mark)}).length > 0`,
      undefined,
      {
        timeout: 30_000,
      },
    );
    figures.readyMs.push(
      (await tab.evaluate(
        `performance.getEntriesByName(${JSON.stringify(page.mark)})[0].startTime`,
      )) as number,
    );
    if (load === 0) {
      // The files themselves, from dist/web: what the server sends before compression, and gzip -9.
      for (const path of loaded) {
        const kind = path.endsWith('.js')
          ? 'js'
          : path.endsWith('.css')
            ? 'css'
            : path === page.path
              ? 'html'
              : null;
        if (!kind) continue; // API calls
        const file = join(
          WEB_DIST,
          kind === 'html' ? (page.path === '/' ? 'index.html' : 'dashboard.html') : path,
        );
        const data = readFileSync(file);
        const gzip = gzipSync(data, { level: 9 }).length;
        figures.files++;
        figures.rawBytes += data.length;
        figures.gzipBytes += gzip;
        figures.byKind[kind].raw += data.length;
        figures.byKind[kind].gzip += gzip;
      }
    }
    await context.close();
  }
  return figures;
}

/** Runs the web benchmark and prints its report; returns the report's text. */
export async function benchWeb(): Promise<string> {
  ensureWebBuilt();
  const server = await startServer({ ipRatePerSec: 1000, defaultKeyRatePerSec: 1000 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    process.stderr.write(`bench: web: ${LOADS} cold loads of each page in ${CHROMIUM}...\n`);
    const results = [];
    for (const page of PAGES) results.push(await measurePage(browser, server.url, page));
    const lines = [
      `Arbiter web pages (${browser.version()}, ${LOADS} cold loads each, median; dist/web built by Vite)`,
      '',
      '| page | files | HTML | JS | CSS | total | total gzip | ready (median) | ready (min–max) |',
      '|---|---|---|---|---|---|---|---|---|',
      ...results.map((r) =>
        [
          '',
          r.name,
          r.files,
          `${kib(r.byKind.html.raw)} (${kib(r.byKind.html.gzip)} gz)`,
          `${kib(r.byKind.js.raw)} (${kib(r.byKind.js.gzip)} gz)`,
          `${kib(r.byKind.css.raw)} (${kib(r.byKind.css.gzip)} gz)`,
          kib(r.rawBytes),
          kib(r.gzipBytes),
          `${median(r.readyMs).toFixed(0)} ms`,
          `${Math.min(...r.readyMs).toFixed(0)}–${Math.max(...r.readyMs).toFixed(0)} ms`,
          '',
        ]
          .join(' | ')
          .trim(),
      ),
      '',
      'ready: navigation start → editor ready (languages listed, starter code shown with its grammar) or',
      'dashboard ready (first figures drawn), over loopback. Grammars of other languages load on demand.',
    ];
    const text = lines.join('\n');
    process.stdout.write(`${text}\n`);
    mkdirSync(dirname(OUT_FILE), { recursive: true });
    writeFileSync(OUT_FILE, `${text}\n`);
    process.stderr.write(`bench: wrote ${OUT_FILE}\n`);
    return text;
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchWeb();
