import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANGUAGE_CATALOG } from './catalog.js';
import { parseDepFile } from './pch-build.js';
import {
  includesPrecompiledHeader,
  needsPlainCompile,
  withPrecompiledHeaders,
  type PrecompiledHeaders,
} from './precompiled-headers.js';

const PCH: PrecompiledHeaders = {
  dir: '/usr/local/lib/arbiter-toolchains/pch/x',
  headers: ['bits/stdc++.h'],
  build: ['g++', '-O2', '-x', 'c++-header'],
};

test('GCC C++ entries have precompiled headers; C and Clang entries have none', () => {
  const withPch = LANGUAGE_CATALOG.filter((d) => d.precompiledHeaders).map((d) => d.id);
  assert.deepEqual(withPch.sort(), ['cpp', 'cpp-gcc11']);
});

test('a precompiled header is built with exactly its compile command, less the files it names', () => {
  for (const language of LANGUAGE_CATALOG) {
    const pch = language.precompiledHeaders;
    if (!pch) continue;
    // GCC ignores a .gch made with other code-shaping flags: the compile must add only its files.
    assert.deepEqual(pch.build.slice(-2), ['-x', 'c++-header'], language.id);
    assert.deepEqual(
      language.compile,
      [...pch.build.slice(0, -2), '-o', 'main', language.sourceFile],
      `${language.id}: compile command and precompiled header flags differ`,
    );
    assert.ok(pch.dir.startsWith('/usr/'), `${language.id}: the box sees only /usr read-only`);
    assert.ok(pch.dir.endsWith(`/${language.id}`), `${language.id}: one directory per entry`);
  }
});

test('includesPrecompiledHeader sees an include on a line of its own, however spaced', () => {
  const yes = [
    '#include <bits/stdc++.h>\nint main(){}',
    '// solution\n  #  include   <bits/stdc++.h>\n',
    '#include "bits/stdc++.h"\n',
    '#define LOCAL\n#include<bits/stdc++.h>\n',
    Buffer.from('\xff\xfe\n#include <bits/stdc++.h>\n', 'latin1'),
  ];
  for (const source of yes) assert.ok(includesPrecompiledHeader(PCH, source), String(source));
  const no = [
    '#include <iostream>\nint main(){}',
    '#include <bits/stdc++.hpp>\n',
    'int x; // #include <bits/stdc++.h>\n',
    '#include <bitsxstdc++.h>\n',
    '',
  ];
  for (const source of no) assert.ok(!includesPrecompiledHeader(PCH, source), String(source));
});

test('withPrecompiledHeaders puts the directory first on the include path', () => {
  assert.deepEqual(withPrecompiledHeaders(['g++', '-O2', '-o', 'main', 'main.cpp'], PCH), [
    'g++',
    `-I${PCH.dir}`,
    '-O2',
    '-o',
    'main',
    'main.cpp',
  ]);
  assert.throws(() => withPrecompiledHeaders([], PCH));
});

test('needsPlainCompile: anything the compiler said is said again by a plain compile', () => {
  const empty = Buffer.alloc(0);
  const said = Buffer.from('main.cpp:3:1: warning: …');
  assert.equal(needsPlainCompile({ status: 'accepted', stdout: empty, stderr: empty }), false);
  assert.equal(needsPlainCompile({ status: 'accepted', stdout: empty, stderr: said }), true);
  assert.equal(needsPlainCompile({ status: 'accepted', stdout: said, stderr: empty }), true);
  assert.equal(needsPlainCompile({ status: 'runtime_error', stdout: empty, stderr: said }), true);
  // A compile stopped by a limit is not paid for twice.
  for (const status of ['time_limit_exceeded', 'memory_limit_exceeded', 'output_limit_exceeded', 'cancelled'])
    assert.equal(needsPlainCompile({ status, stdout: empty, stderr: said }), false, status);
});

test('parseDepFile reads the prerequisites of a make rule, continued lines included', () => {
  const text = 'out.gch: /usr/include/a.h \\\n /usr/include/b.h /usr/include/c.h \\\n /usr/include/d.h\n';
  assert.deepEqual(parseDepFile(text), [
    '/usr/include/a.h',
    '/usr/include/b.h',
    '/usr/include/c.h',
    '/usr/include/d.h',
  ]);
  assert.deepEqual(parseDepFile(''), []);
});
