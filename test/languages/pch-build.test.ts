// What scripts/setup does with precompiled headers, on a one-line header of the test's own so it
// takes well under a second: built once and then left alone, rebuilt when a header it read
// changed or the .gch, its record of written pages or the preload went missing, never fresh when
// built with other flags; the preload records a compile's written pages and, from that record,
// fills a .gch's mapping at mmap, leaving every other mapping alone. Needs g++ and gcc (scripts/setup).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LANGUAGE_CATALOG } from '../../src/languages/catalog.js';
import type { LanguageDefinition } from '../../src/languages/language.js';
import { buildPrecompiledHeaders, pchStatus } from '../../src/languages/pch-build.js';
import {
  PCH_PRELOAD,
  PCH_RECORD_ENV,
  PCH_STAMP,
  PCH_WRITES_SUFFIX,
} from '../../src/languages/precompiled-headers.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const work = scratchDir('arbiter-pch-');

const include = join(work, 'include');
const dir = join(work, 'pch');
const cpp = LANGUAGE_CATALOG.find((d) => d.id === 'cpp')!;
const language: LanguageDefinition = {
  ...cpp,
  precompiledHeaders: {
    dir,
    headers: ['mini/mini.h'],
    build: ['g++', '-std=gnu++17', '-O2', `-I${include}`, '-x', 'c++-header'],
  },
};
const gch = join(dir, 'mini/mini.h.gch');

test('setup builds precompiled headers once, and again only when what they were built from changed', async () => {
  assert.ok(existsSync('/usr/bin/g++'), '/usr/bin/g++ is missing: run scripts/setup');
  mkdirSync(join(include, 'mini'), { recursive: true });
  const header = join(include, 'mini/mini.h');
  writeFileSync(header, '#pragma once\n#include <cstdio>\ninline int mini() { return 7; }\n');

  assert.deepEqual(await pchStatus(language), { fresh: false, detail: `missing (${dir})` });
  assert.equal(await buildPrecompiledHeaders(language), 'built');
  assert.ok(statSync(gch).size > 0);
  assert.equal(statSync(gch).mode & 0o777, 0o644, 'every sandbox uid reads it');
  const stamp = JSON.parse(readFileSync(join(dir, PCH_STAMP), 'utf8'));
  assert.ok(
    stamp.headers[0].deps.some((d: { path: string }) => d.path === header),
    'the header is a dependency',
  );
  assert.ok(
    stamp.headers[0].deps.some((d: { path: string }) => d.path.endsWith('/cstdio')),
    'what it includes too',
  );
  assert.equal((await pchStatus(language)).fresh, true);
  assert.equal(await buildPrecompiledHeaders(language), 'fresh', 'a second run does nothing');

  // A header edited in place (same compiler): GCC would not notice, the stamp does.
  const later = new Date(Date.now() + 60_000);
  utimesSync(header, later, later);
  const stale = await pchStatus(language);
  assert.equal(stale.fresh, false);
  assert.match(stale.detail, /mini\.h changed since it was built/);
  assert.equal(await buildPrecompiledHeaders(language), 'built');
  assert.equal((await pchStatus(language)).fresh, true);

  rmSync(gch);
  assert.match((await pchStatus(language)).detail, /mini\.h\.gch missing/);
  assert.equal(await buildPrecompiledHeaders(language), 'built');

  rmSync(join(dir, PCH_PRELOAD));
  assert.deepEqual(await pchStatus(language), { fresh: false, detail: `${PCH_PRELOAD} missing` });
  assert.equal(await buildPrecompiledHeaders(language), 'built');
  assert.equal(statSync(join(dir, PCH_PRELOAD)).mode & 0o777, 0o755, 'every sandbox uid loads it');

  rmSync(`${gch}${PCH_WRITES_SUFFIX}`);
  assert.match((await pchStatus(language)).detail, /mini\.h\.gch\.writes missing/);
  assert.equal(await buildPrecompiledHeaders(language), 'built');

  const otherFlags: LanguageDefinition = {
    ...language,
    precompiledHeaders: {
      ...language.precompiledHeaders!,
      build: ['g++', '-std=gnu++17', '-O0', `-I${include}`, '-x', 'c++-header'],
    },
  };
  assert.deepEqual(await pchStatus(otherFlags), { fresh: false, detail: 'built with other flags' });

  writeFileSync(join(dir, PCH_STAMP), '{not json');
  assert.equal((await pchStatus(language)).fresh, false, 'a damaged stamp means rebuild');
});

test('a compiler that fails leaves no .gch and no stamp behind', async () => {
  const broken: LanguageDefinition = {
    ...language,
    precompiledHeaders: {
      dir: join(work, 'broken'),
      headers: ['no/such/header.h'],
      build: language.precompiledHeaders!.build,
    },
  };
  await assert.rejects(
    buildPrecompiledHeaders(broken),
    /failed \(exit 1\): .*no\/such\/header\.h: No such file/,
  );
  assert.ok(!existsSync(join(work, 'broken', PCH_STAMP)));
  assert.ok(!existsSync(join(work, 'broken', 'no/such/header.h.gch')));
});

test('the preload fills a .gch mapping from its record of written pages, and leaves other mappings alone', async () => {
  await buildPrecompiledHeaders(language); // the test before left a damaged stamp
  assert.equal((await pchStatus(language)).fresh, true);
  const record = readFileSync(`${gch}${PCH_WRITES_SUFFIX}`, 'latin1');
  assert.match(record, /^[01]+$/, 'one byte per page of the mapping');
  assert.ok(record.includes('1'), 'a compile writes into its .gch');

  const preload = join(dir, PCH_PRELOAD);
  const probe = join(work, 'populate-probe');
  execFileSync('gcc', ['-O2', '-o', probe, new URL('populate-probe.c', import.meta.url).pathname]);
  const pages = 8192; // 32 MiB
  const big = join(work, 'big.gch');
  const other = join(work, 'big.bin');
  writeFileSync(big, Buffer.alloc(pages * 4096, 7));
  writeFileSync(other, Buffer.alloc(pages * 4096, 7));
  /** [anonymous KiB, resident KiB] of a mapping of `file` right after mmap; then writes every stride-th page. */
  const probed = (file: string, mode: 'rw' | 'r', env: Record<string, string>, stride?: number) =>
    execFileSync(probe, [file, mode, ...(stride ? [String(stride)] : [])], { env, encoding: 'utf8' })
      .trim()
      .split(' ')
      .map(Number);
  const withPreload = { LD_PRELOAD: preload };

  // Recording: every 4th page written, so 2,048 of the 8,192 are marked.
  probed(big, 'rw', { ...withPreload, [PCH_RECORD_ENV]: `${big}${PCH_WRITES_SUFFIX}` }, 4);
  const written = readFileSync(`${big}${PCH_WRITES_SUFFIX}`, 'latin1');
  assert.equal(written, '1000'.repeat(pages / 4));
  writeFileSync(`${other}${PCH_WRITES_SUFFIX}`, written);

  assert.deepEqual(probed(big, 'rw', {}), [0, 0], 'without the preload nothing is touched at mmap');
  assert.deepEqual(
    probed(big, 'rw', withPreload),
    [(pages / 4) * 4, pages * 4],
    'the recorded pages are copies and the rest is mapped, before the program touches any',
  );
  assert.deepEqual(probed(big, 'r', withPreload), [0, 0], 'a read-only mapping is left alone');
  assert.deepEqual(probed(other, 'rw', withPreload), [0, 0], 'a file not named .gch is left alone');
  writeFileSync(`${big}${PCH_WRITES_SUFFIX}`, written.slice(1));
  assert.deepEqual(probed(big, 'rw', withPreload), [0, 0], 'a record of another length is not used');
});
