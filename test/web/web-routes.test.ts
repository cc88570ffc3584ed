// src/api/web.ts on its own, in process: what `/` answers when dist/web is missing, and the static
// files with their caching headers.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerWebRoutes } from '../../src/api/web.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function appWith(root: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await registerWebRoutes(app, { root });
  return app;
}

function builtPages(): string {
  const root = mkdtempSync(join(tmpdir(), 'arbiter-web-dist-'));
  dirs.push(root);
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>editor</title>');
  writeFileSync(join(root, 'dashboard.html'), '<!doctype html><title>dashboard</title>');
  const js = 'console.log("app");\n'.repeat(100);
  writeFileSync(join(root, 'assets/app-1234.js'), js);
  writeFileSync(join(root, 'assets/app-1234.js.gz'), gzipSync(js));
  return root;
}

test('without a build, / and /dashboard answer 503 with the error shape, saying to run the build', async () => {
  const app = await appWith(join(tmpdir(), 'arbiter-no-such-dist'));
  for (const url of ['/', '/dashboard', '/assets/app.js']) {
    const response = await app.inject({ url });
    assert.equal(response.statusCode, 503, url);
    const body = response.json() as Record<string, unknown>;
    assert.equal(body.error, 'ARB_ERR_WEB_NOT_BUILT');
    assert.equal(body.status, 503);
    assert.equal(body.path, url);
    assert.match(String(body.message), /npm run build:web/);
    assert.ok(typeof body.requestId === 'string' && typeof body.timestamp === 'string');
  }
  await app.close();
});

test('pages are revalidated; hashed assets are cached for good and sent precompressed', async () => {
  const app = await appWith(builtPages());
  const editor = await app.inject({ url: '/' });
  assert.equal(editor.statusCode, 200);
  assert.match(editor.headers['content-type'] as string, /text\/html/);
  assert.equal(editor.headers['cache-control'], 'no-cache');
  assert.match(editor.body, /<title>editor/);
  assert.match((await app.inject({ url: '/dashboard' })).body, /<title>dashboard/);

  const asset = await app.inject({ url: '/assets/app-1234.js', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(asset.statusCode, 200);
  assert.equal(asset.headers['content-encoding'], 'gzip');
  assert.equal(asset.headers.vary, 'accept-encoding');
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');

  assert.equal((await app.inject({ url: '/assets/missing.js' })).statusCode, 404);
  assert.equal((await app.inject({ url: '/assets/../index.html' })).statusCode, 404);
  await app.close();
});
