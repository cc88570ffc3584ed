// Makes the precompiled headers of every installed language entry that lists some (GCC's C++:
// bits/stdc++.h), for exactly its compiler and flags; called by scripts/setup after the server is
// compiled, as the entries live in the catalog. Quick when they are current. A header that cannot
// be made is a warning: its programs still compile, only slower (`arbiter doctor` names it).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/src/languages/', import.meta.url);
const { LANGUAGE_CATALOG } = await import(new URL('catalog.js', dist).href);
const { buildPrecompiledHeaders } = await import(new URL('pch-build.js', dist).href);

const say = (text) => console.log(`\x1b[1msetup:\x1b[0m ${text}`);
for (const language of LANGUAGE_CATALOG) {
  if (!language.precompiledHeaders || !existsSync(language.binary)) continue;
  const started = Date.now();
  try {
    if ((await buildPrecompiledHeaders(language)) === 'built') {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      say(`made the precompiled headers of ${language.id} in ${seconds} s`);
    }
  } catch (error) {
    say(`WARNING: no precompiled headers for ${language.id} (its programs compile slower): ${error.message}`);
  }
}
