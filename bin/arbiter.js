#!/usr/bin/env node
// The `arbiter` command; the compiled CLI lives in dist/ (built by scripts/setup or `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('arbiter: not built yet; run `bash scripts/setup` (or `npm run build`) first');
  process.exit(2);
}
await import(entry.href);
