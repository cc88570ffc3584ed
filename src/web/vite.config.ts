/**
 * Builds the editor (`/`) and the ops dashboard (`/dashboard`) from src/web into dist/web, which
 * src/api/web.ts serves. `npm run build:web`; scripts/setup and the browser test run it when
 * src/web changed. Every asset is also written gzip- and brotli-compressed, so the server sends
 * the smaller file without compressing on each request (@fastify/static's preCompressed).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/web', import.meta.url));
/** Where `vite` (the dev server) sends API calls: a local `npm start`. */
const DEV_API = 'http://127.0.0.1:2358';
/** Files smaller than this are sent as they are; compressing them gains nothing. */
const COMPRESS_MIN_BYTES = 1024;

function precompress(): Plugin {
  return {
    name: 'arbiter-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
        );
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg)$/.test(file)) continue;
        const data = readFileSync(file);
        if (data.length < COMPRESS_MIN_BYTES) continue;
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

/** Where each page takes the <head> lines every page shares (head.html), at the mark's indent. */
const SHARED_HEAD_MARK = /^([ \t]*)<!-- shared head -->$/m;

function sharedHead(): Plugin {
  return {
    name: 'arbiter-shared-head',
    // Before Vite's own pass, so the shared stylesheet is bundled like the page's own.
    transformIndexHtml: {
      order: 'pre',
      handler(html, { filename }) {
        if (!SHARED_HEAD_MARK.test(html)) throw new Error(`${filename} has no <!-- shared head --> mark`);
        const lines = readFileSync(join(root, 'head.html'), 'utf8').trimEnd().split('\n');
        return html.replace(SHARED_HEAD_MARK, (_, indent: string) =>
          lines.map((line) => indent + line).join('\n'),
        );
      },
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  plugins: [sharedHead(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rollupOptions: {
      input: { index: join(root, 'index.html'), dashboard: join(root, 'dashboard.html') },
      output: {
        // Grammar chunks named for what they hold (lang-python-…js, ruby-…js) rather than "dist-…js".
        chunkFileNames: (chunk) => {
          const ids = [chunk.facadeModuleId ?? '', ...chunk.moduleIds];
          const name =
            ids.map((id) => /@codemirror\/(lang-[\w-]+)\//.exec(id)?.[1]).find(Boolean) ??
            ids.map((id) => /legacy-modes\/mode\/([\w-]+)\.js$/.exec(id)?.[1]).find(Boolean) ??
            ids.map((id) => /node_modules\/(?:@[\w.-]+\/)?([\w.-]+)\//.exec(id)?.[1]).find(Boolean) ??
            '[name]';
          return `assets/${name}-[hash].js`;
        },
      },
    },
  },
  server: {
    proxy: {
      '/api/v1/ws': { target: DEV_API, ws: true },
      '/api': DEV_API,
      '/health': DEV_API,
      '/metrics': DEV_API,
    },
  },
});
