// Fresh state for every test of a submission (issue [G]): all tests run in one lease, so without a
// reset between them a program stashes a hidden test's input in /tmp, /dev/shm or its work directory
// and a later visible test prints it; or it replaces its own compiled program for the tests after.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { judge, type JudgeDeps } from '../../src/judge/judge.js';
import type { JudgeRequest } from '../../src/judge/types.js';
import { resolveLimits, type SandboxPool } from '../../src/sandbox/index.js';
import { createTestPool, registry } from '../helpers/sandbox.js';

/** A hidden test's input; no later test may see it. */
const SECRET = 'hidden-5f0d2e';

let pool: SandboxPool;
let deps: JudgeDeps;
before(async () => {
  pool = await createTestPool(2);
  deps = { pool, registry };
});
after(async () => {
  await pool?.close();
});

const request = (
  files: JudgeRequest['files'],
  tests: JudgeRequest['tests'],
  extra: Partial<JudgeRequest> = {},
): JudgeRequest => ({
  language: registry.get('c'),
  version: 'test',
  files,
  limits: resolveLimits({ cpuMs: 5_000, wallMs: 10_000 }),
  tests,
  ...extra,
});
const c = (source: string): JudgeRequest['files'] => [{ name: 'main.c', content: source }];

/** Stashes its input in every writable place; on input "show" prints what it finds there. */
const STASH_C = `#include <stdio.h>
#include <string.h>
static const char *places[] = {"/tmp/x", "/dev/shm/x", "/box/y", "y"};
int main(void) {
  char line[256] = "";
  if (!fgets(line, sizeof line, stdin)) return 3;
  line[strcspn(line, "\\n")] = 0;
  if (strcmp(line, "show") != 0) {
    for (int i = 0; i < 4; i++) {
      FILE *f = fopen(places[i], "w");
      if (f) { fputs(line, f); fclose(f); }
    }
    puts("stashed");
    return 0;
  }
  int found = 0;
  for (int i = 0; i < 4; i++) {
    char seen[256] = "";
    FILE *f = fopen(places[i], "r");
    if (!f) continue;
    if (fgets(seen, sizeof seen, f)) printf("%s=%s\\n", places[i], seen);
    fclose(f);
    found++;
  }
  if (!found) puts("nothing");
  return 0;
}
`;

test('a later visible test cannot read what an earlier hidden test left in /tmp, /dev/shm or /box', async () => {
  const result = await judge(
    deps,
    request(c(STASH_C), [
      { stdin: `${SECRET}\n`, expected: 'stashed', hidden: true },
      { stdin: 'show\n', expected: 'nothing' },
    ]),
  );
  assert.ok(!JSON.stringify(result).includes(SECRET), `the hidden input leaked: ${JSON.stringify(result)}`);
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'accepted'],
    `the second test found a clean box: ${JSON.stringify(result)}`,
  );
});

/** Test "1" replaces the compiled program (unlink + new file, rename, chmod); "2" runs whatever is there. */
const REPLACE_C = `#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  int n = 0;
  if (scanf("%d", &n) != 1) return 3;
  if (n == 1) {
    int gone = unlink("main") == 0 || rename("main.c", "main") == 0;
    FILE *f = fopen("main", "w");
    if (f) { fputs("#!/bin/sh\\necho replaced\\n", f); fclose(f); chmod("main", 0755); }
    chmod(".", 0777);
    printf("%s\\n", gone && f ? "replaced it" : "could not replace it");
    return 0;
  }
  puts("original");
  return 0;
}
`;

test('a test that replaces the compiled binary cannot change what the next test runs', async () => {
  const result = await judge(
    deps,
    // Test 1 has no expected output: whether its attempt fails or is undone, only what runs next counts.
    request(c(REPLACE_C), [
      { stdin: '1' },
      { stdin: '2', expected: 'original' },
      { stdin: '2', expected: 'original' },
    ]),
  );
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'accepted', 'accepted'],
    `a later test ran a replaced program: ${JSON.stringify(result)}`,
  );
});

test('an interpreted program cannot rewrite its own source for the tests after it', async () => {
  const result = await judge(
    deps,
    request(
      [
        {
          name: 'main.py',
          content:
            'import os, sys\n' +
            'if sys.stdin.read().strip() == "1":\n' +
            '    try:\n' +
            '        open("main.py", "w").write("print(\\"replaced\\")\\n")\n' +
            '    except OSError:\n' +
            '        try:\n' +
            '            os.unlink("main.py"); open("main.py", "w").write("print(\\"replaced\\")\\n")\n' +
            '        except OSError:\n' +
            '            pass\n' +
            'print("original")\n',
        },
      ],
      [
        { stdin: '1', expected: 'original' },
        { stdin: '2', expected: 'original' },
      ],
      { language: registry.get('python3') },
    ),
  );
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'accepted'],
    `the source could be rewritten: ${JSON.stringify(result)}`,
  );
});

test('a custom checker run cannot pass a hidden test’s data to the checker run of a later visible test', async () => {
  const checker = {
    type: 'custom' as const,
    language: 'python3',
    // Where a stash from an earlier run exists, it fails the test and prints it (the message of a
    // visible test is shown); otherwise it stashes this test's input and accepts.
    source:
      'import os, sys\n' +
      'for place in ("/tmp/stash", "/dev/shm/stash", "stash"):\n' +
      '    if os.path.exists(place):\n' +
      '        print(open(place).read())\n' +
      '        sys.exit(1)\n' +
      'for place in ("/tmp/stash", "/dev/shm/stash", "stash"):\n' +
      '    open(place, "w").write(open("input.txt").read())\n' +
      'sys.exit(0)\n',
  };
  const result = await judge(
    deps,
    request(
      c('#include <stdio.h>\nint main(void) { puts("done"); return 0; }\n'),
      [{ stdin: `${SECRET}\n`, hidden: true }, { stdin: 'visible\n' }],
      { checker },
    ),
  );
  assert.ok(!JSON.stringify(result).includes(SECRET), `the hidden input leaked: ${JSON.stringify(result)}`);
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['accepted', 'accepted'],
    JSON.stringify(result),
  );
});
