// Browser tests' shared parts: Debian's Chromium driven by playwright-core (scripts/setup --test
// installs it; a missing one fails the test, naming the package), a server for pages on another
// origin, and the access log of a real `arbiter serve` (where a request is checked to have arrived).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless Chromium in a fresh profile. `hostResolverRules` maps names to this machine (e.g.
 * "MAP evil.example 127.0.0.1"), which is how a test gives a page an origin of its own.
 */
export async function launchChromium(
  options: { hostResolverRules?: string; viewport?: { width: number; height: number } } = {},
): Promise<Chromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `chromium is missing at ${CHROMIUM}: apt-get install chromium (scripts/setup --test installs it)`,
    );
  const userDataDir = mkdtempSync(join(tmpdir(), 'arbiter-chromium-'));
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (options.hostResolverRules) args.push(`--host-resolver-rules=${options.hostResolverRules}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A server on 127.0.0.1 that answers GET `path` with `pages(path)` as HTML, or 404. */
export async function servePages(
  pages: (path: string) => string | undefined,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const page = pages(req.url ?? '');
    res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface AccessLine {
  method: string;
  url: string;
  statusCode: number;
}

/** The access log lines (one JSON line per request) in a server's log so far. */
export function accessLog(log: string): AccessLine[] {
  return log
    .split('\n')
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as AccessLine);
}
