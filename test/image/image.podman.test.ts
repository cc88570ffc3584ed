// The OCI image as a user gets it: scripts/build-image really builds a slim variant (C, C++ and
// Python, to keep this short; C++ for its precompiled headers, made inside the image), then podman runs it with exactly the securityContext deploy/kubernetes asks
// for the worker: doctor passes its checks, and the server judges a C submission. Needs root,
// podman, buildah and debootstrap (scripts/debian-packages-image.txt); without them it fails, naming
// the fix, and never skips. Containers it starts are removed however it ends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { LANGUAGE_CATALOG } from '../../src/languages/catalog.js';
import { podmanHostOptions, podmanSecurityOptions, requirePodman, ROOT, VERSION } from './podman.js';

/** In the order build-image reports them (the catalog's). */
const LANGUAGES = ['c', 'cpp', 'python3'];
const IMAGE = `localhost/arbiter:${VERSION}-${LANGUAGES.join('-')}`;
const SERVER = `arbiter-image-test-${process.pid}`;
/** A cold build (debootstrap, npm ci, apt) takes 5 to 10 minutes here; a cached one under a minute. */
const BUILD_TIMEOUT_MS = 30 * 60_000;
/** The server answers /health within seconds; a minute and more leaves room for a slow machine. */
const HEALTH_TIMEOUT_MS = 120_000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], timeoutMs: number): Ran {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

const podman = (args: string[], timeoutMs = 180_000): Ran => run('podman', args, timeoutMs);
// --pull=never: the image is the one just built, never something a registry answers for its name.
const runOptions = (): string[] => ['--pull=never', ...podmanHostOptions(), ...podmanSecurityOptions()];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

before(() => requirePodman());

after(() => {
  // -v: the data volume goes with the container.
  spawnSync('podman', ['rm', '-f', '-v', '-t', '5', SERVER], { stdio: 'ignore', timeout: 60_000 });
});

test(
  'scripts/build-image builds the image, and builds it again from its caches',
  { timeout: 2 * BUILD_TIMEOUT_MS },
  (t) => {
    for (const label of ['first build', 'second build (cached)']) {
      const build = run(
        'bash',
        ['scripts/build-image', '--languages', LANGUAGES.join(',')],
        BUILD_TIMEOUT_MS,
      );
      assert.equal(
        build.code,
        0,
        `build-image failed:\n${build.stdout.slice(-4000)}\n${build.stderr.slice(-4000)}`,
      );
      assert.match(build.stdout, new RegExp(`done in \\d+ s: ${IMAGE.replace(/[.]/g, '\\.')}`));
      t.diagnostic(
        `build-image --languages ${LANGUAGES.join(',')}, ${label}: ${(build.ms / 1000).toFixed(0)} s`,
      );
      if (label.startsWith('second')) {
        // Nothing changed in between: the base root, the builder and the runtime base are reused.
        assert.match(build.stdout, /debootstrap base: cached/);
        assert.match(build.stdout, /builder root: cached/);
        assert.match(build.stdout, /runtime base: cached/);
        assert.doesNotMatch(build.stdout, /npm ci$/m);
      }
    }
    const inspect = podman(['image', 'inspect', IMAGE]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const [image] = JSON.parse(inspect.stdout) as {
      Config: {
        Entrypoint: string[];
        Cmd: string[];
        ExposedPorts: Record<string, unknown>;
        Volumes: Record<string, unknown>;
        Labels: Record<string, string>;
      };
    }[];
    assert.deepEqual(image!.Config.Entrypoint, ['/usr/local/bin/arbiter-entrypoint']);
    assert.deepEqual(image!.Config.Cmd, ['serve', '--host', '0.0.0.0']);
    assert.ok('2358/tcp' in image!.Config.ExposedPorts);
    assert.ok('/var/lib/arbiter' in image!.Config.Volumes);
    assert.equal(image!.Config.Labels['org.opencontainers.image.version'], VERSION);
    assert.equal(image!.Config.Labels['org.arbiter.languages'], LANGUAGES.join(','));
  },
);

test("doctor passes in the container, with the manifest's capabilities", { timeout: 300_000 }, () => {
  const doctor = podman(['run', '--rm', ...runOptions(), IMAGE, 'doctor'], 240_000);
  const lines = doctor.stdout.split('\n');
  const passed = new Set(lines.filter((l) => l.startsWith('✓ ')).map((l) => l.split(/\s+/)[1]));
  for (const check of [
    'root',
    'bubblewrap',
    'namespaces',
    'cgroups',
    'seccomp',
    'supervisor',
    'sandbox',
    ...LANGUAGES,
  ]) {
    assert.ok(passed.has(check), `doctor's ${check} check did not pass:\n${doctor.stdout}\n${doctor.stderr}`);
  }
  // A toolchain this slim image leaves out on purpose is a warning, never a failure (some, such as
  // JavaScript on the image's own Node, are there anyway).
  const omitted = LANGUAGE_CATALOG.map((l) => l.id).filter((id) => !LANGUAGES.includes(id));
  const warned = new Set(lines.filter((l) => l.startsWith('! ')).map((l) => l.split(/\s+/)[1]));
  for (const id of omitted)
    assert.ok(warned.has(id) || passed.has(id), `doctor says nothing of ${id}:\n${doctor.stdout}`);
  assert.ok(warned.size > 0, 'the slim image leaves some language out');
  // The image's own g++ made bits/stdc++.h's precompiled header when the image was built.
  assert.ok(
    lines.some((l) => /^✓ cpp pch\b/.test(l)),
    `the cpp precompiled headers are missing or stale in the image:\n${doctor.stdout}`,
  );
  assert.deepEqual(
    lines.filter((l) => l.startsWith('✗ ')),
    [],
    'no check fails',
  );
  assert.equal(doctor.code, 0, `doctor exited ${doctor.code}:\n${doctor.stdout}`);
});

test('the server in the container judges a C submission', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const started = podman([
    'run',
    '-d',
    '--name',
    SERVER,
    ...runOptions(),
    '-p',
    `127.0.0.1:${port}:2358`,
    '-v',
    '/var/lib/arbiter',
    IMAGE,
  ]);
  assert.equal(started.code, 0, started.stderr);

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  for (;;) {
    const health = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(5_000),
    }).catch(() => null);
    if (health?.ok) break;
    const state = podman(['inspect', '--format', '{{.State.Running}}', SERVER]).stdout.trim();
    const logs = (): string => {
      const l = podman(['logs', SERVER]);
      return `${l.stdout}${l.stderr}`;
    };
    assert.notEqual(state, 'false', `the container stopped before /health answered:\n${logs()}`);
    assert.ok(Date.now() < deadline, `no /health within ${HEALTH_TIMEOUT_MS / 1000} s:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  // Bound to 0.0.0.0, the server serves no anonymous callers: a key, made the way the docs say.
  const created = podman([
    'exec',
    SERVER,
    'arbiter',
    'keys',
    'create',
    '--name',
    'image-test',
    '--role',
    'user',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();

  const response = await fetch(`http://127.0.0.1:${port}/api/v1/submissions?wait=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      language: 'c',
      source:
        '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}\n',
      tests: [
        { stdin: '1 2', expected: '3' },
        { stdin: '5 5', expected: '10' },
      ],
    }),
    signal: AbortSignal.timeout(90_000),
  });
  const body = (await response.json()) as { status: string; tests: { status: string }[] };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.status, 'accepted', JSON.stringify(body));
  assert.deepEqual(
    body.tests.map((t) => t.status),
    ['accepted', 'accepted'],
  );
});
