// The native interactive WebSocket, GET /api/v1/interactive, against a real `arbiter serve` with the
// real sandbox (needs root, bubblewrap and the toolchains): stdin streamed in, output streamed out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_MAX_LIMITS } from '../../src/sandbox/limits.js';
import { assertErrorBody, cleanup, request, startServer, type TestServer } from './helpers.js';
import { TestSocket, type Message } from './interactive-socket.js';

let server: TestServer;
/** One slot and a 1.5 s wall-time ceiling: for clamping and for proving a slot comes back. */
let small: TestServer;
const SMALL_MAX_WALL_MS = 1500;

before(async () => {
  [server, small] = await Promise.all([
    startServer({ workers: 2 }),
    startServer({ workers: 1, maxLimits: { ...DEFAULT_MAX_LIMITS, wallMs: SMALL_MAX_WALL_MS } }),
  ]);
});

after(cleanup);

const PATH = '/api/v1/interactive';
const isType = (type: string) => (m: Message) => m.type === type;

interface ExitResult {
  status: string;
  exitCode: number | null;
  signal: number | null;
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  reason?: string;
}

async function exitOf(socket: TestSocket): Promise<ExitResult> {
  const exit = await socket.waitFor(isType('exit'), 'the exit message');
  return exit.result as ExitResult;
}

/** Echoes each line back, prefixed, flushing at once; ends at end of input. */
const PY_ECHO =
  'import sys\nfor line in sys.stdin:\n    print("got", line.strip(), flush=True)\nprint("bye")\n';

test('stdin streams in and stdout streams out: each reply arrives before the next line is sent', async () => {
  const socket = await TestSocket.open(server, PATH);
  socket.send({ type: 'start', language: 'python3', source: PY_ECHO, limits: { wallMs: 20_000 } });
  await socket.waitFor(isType('started'), 'started');
  for (const word of ['alpha', 'beta', 'gamma']) {
    socket.send({ type: 'stdin', data: `${word}\n` });
    await socket.waitForText(isType('stdout'), `got ${word}\n`, `the echo of ${word}`);
    assert.ok(!socket.messages.some(isType('exit')), 'the program is still waiting for input');
  }
  socket.send({ type: 'eof' });
  const result = await exitOf(socket);
  assert.equal(result.status, 'accepted', socket.dump());
  assert.equal(result.exitCode, 0);
  assert.equal(result.signal, null);
  for (const key of ['cpuMs', 'wallMs', 'memoryKb'] as const) assert.equal(typeof result[key], 'number');
  assert.ok(result.memoryKb > 0, socket.dump());
  assert.equal(socket.text(isType('stdout')), 'got alpha\ngot beta\ngot gamma\nbye\n');
  const types = socket.messages.map((m) => m.type);
  assert.equal(types[0], 'started', socket.dump());
  assert.equal(types.at(-1), 'exit', 'exit is the last message');
  assert.deepEqual(await socket.closed, { code: 1000, reason: '' });
});

test('stderr streams separately, and a non-zero exit is a runtime_error with its code', async () => {
  const socket = await TestSocket.open(server, PATH);
  socket.send({
    type: 'start',
    language: 'python3',
    source:
      'import sys\nprint("to out", flush=True)\nprint("to err", file=sys.stderr, flush=True)\nsys.exit(4)\n',
  });
  const result = await exitOf(socket);
  assert.equal(result.status, 'runtime_error', socket.dump());
  assert.equal(result.exitCode, 4);
  assert.equal(socket.text(isType('stdout')), 'to out\n');
  assert.equal(socket.text(isType('stderr')), 'to err\n');
});

test('a compiled language: compile result first, stdin sent during the compile waits for the program', async () => {
  const socket = await TestSocket.open(server, PATH);
  socket.send({
    type: 'start',
    language: 'c',
    files: [
      {
        name: 'main.c',
        content:
          '#include <stdio.h>\nint main(void){char line[64];while(fgets(line,sizeof line,stdin)){printf("C:%s",line);fflush(stdout);}return 0;}\n',
      },
    ],
  });
  socket.send({ type: 'stdin', data: 'early\n' });
  const compile = await socket.waitFor(isType('compile'), 'the compile result');
  const stage = compile.result as { status: string; exitCode: number; stderr: string; cpuMs: number };
  assert.equal(stage.status, 'accepted', socket.dump());
  assert.equal(stage.exitCode, 0);
  await socket.waitForText(isType('stdout'), 'C:early\n', 'the echo of the early line');
  socket.send({ type: 'stdin', data: 'late\n' });
  await socket.waitForText(isType('stdout'), 'C:late\n', 'the echo of the late line');
  socket.send({ type: 'eof' });
  assert.equal((await exitOf(socket)).status, 'accepted', socket.dump());
  const types = socket.messages.map((m) => m.type);
  assert.ok(types.indexOf('compile') < types.indexOf('started'), socket.dump());
});

test('a compile error: the compiler output, then exit with compilation_error; nothing runs', async () => {
  const socket = await TestSocket.open(server, PATH);
  socket.send({ type: 'start', language: 'c', source: 'int main(void) { return missing; }\n' });
  const compile = await socket.waitFor(isType('compile'), 'the compile result');
  assert.match((compile.result as { stderr: string }).stderr, /missing/);
  assert.equal((await exitOf(socket)).status, 'compilation_error');
  assert.ok(!socket.messages.some(isType('started')), socket.dump());
  assert.equal((await socket.closed).code, 1000);
});

test('kill stops a running program at once', async () => {
  const socket = await TestSocket.open(server, PATH);
  socket.send({ type: 'start', language: 'python3', source: PY_ECHO, limits: { wallMs: 30_000 } });
  socket.send({ type: 'stdin', data: 'one\n' });
  await socket.waitForText(isType('stdout'), 'got one\n', 'the first echo');
  const killedAt = Date.now();
  socket.send({ type: 'kill' });
  const result = await exitOf(socket);
  assert.equal(result.status, 'cancelled', socket.dump());
  assert.ok(Date.now() - killedAt < 10_000, 'the kill took effect at once, not at the wall limit');
  assert.ok(result.wallMs < 30_000, socket.dump());
  assert.equal((await socket.closed).code, 1000);
});

test('limits hold: a program waiting forever on stdin ends at its wall limit', async () => {
  const socket = await TestSocket.open(server, PATH);
  socket.send({ type: 'start', language: 'python3', source: 'input()\n', limits: { wallMs: 800 } });
  const result = await exitOf(socket);
  assert.equal(result.status, 'time_limit_exceeded', socket.dump());
  assert.equal(result.reason, 'wall');
  assert.ok(result.wallMs >= 700 && result.wallMs < 5000, socket.dump());
});

test('limits are clamped to the server maximum, never above it', async () => {
  const socket = await TestSocket.open(small, PATH);
  socket.send({ type: 'start', language: 'python3', source: 'input()\n', limits: { wallMs: 10_000_000 } });
  const result = await exitOf(socket);
  assert.equal(result.status, 'time_limit_exceeded', socket.dump());
  assert.equal(result.reason, 'wall');
  assert.ok(
    result.wallMs < SMALL_MAX_WALL_MS + 1000,
    `ran ${result.wallMs} ms, server max ${SMALL_MAX_WALL_MS}`,
  );
});

test('a client that goes away mid-run frees its sandbox slot for the next job', async () => {
  const socket = await TestSocket.open(small, PATH);
  socket.send({ type: 'start', language: 'python3', source: PY_ECHO, limits: { wallMs: 60_000 } });
  socket.send({ type: 'stdin', data: 'x\n' });
  await socket.waitForText(isType('stdout'), 'got x\n', 'the echo');
  socket.close();
  await socket.closed;
  // The server has one slot: this run can only start once the abandoned program is gone.
  const started = Date.now();
  const response = await request<{ status: string; run: { stdout: string } }>(small, 'POST', '/run', {
    body: { language: 'python3', code: 'print("next")' },
  });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.run.stdout, 'next\n');
  assert.ok(Date.now() - started < SMALL_MAX_WALL_MS * 4, 'the slot came back without waiting for a limit');
});

test('interactive sessions take at most half the slots: the queue keeps running, later sessions wait', async () => {
  // `server` has two slots, so one interactive session at a time.
  const first = await TestSocket.open(server, PATH);
  first.send({ type: 'start', language: 'python3', source: PY_ECHO, limits: { wallMs: 30_000 } });
  await first.waitFor(isType('started'), 'the first session to start');
  const second = await TestSocket.open(server, PATH);
  second.send({ type: 'start', language: 'python3', source: PY_ECHO, limits: { wallMs: 30_000 } });
  second.send({ type: 'stdin', data: 'queued line\n' });

  const response = await request<{ status: string; run: { stdout: string } }>(server, 'POST', '/run', {
    body: { language: 'python3', code: 'print("queue still runs")' },
  });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.run.stdout, 'queue still runs\n');
  assert.ok(!second.messages.some(isType('started')), `the second session waits: ${second.dump()}`);

  first.send({ type: 'kill' });
  assert.equal((await exitOf(first)).status, 'cancelled');
  await second.waitFor(isType('started'), 'the second session to start once the first ended');
  await second.waitForText(isType('stdout'), 'got queued line\n', 'stdin sent while waiting');
  second.send({ type: 'eof' });
  assert.equal((await exitOf(second)).status, 'accepted', second.dump());
});

test('bad messages are refused with an error and the socket closes', async () => {
  const cases: { send: unknown[]; code: string; match: RegExp }[] = [
    { send: ['not json'], code: 'ARB_ERR_INPUT_INVALID', match: /JSON/ },
    { send: [{ type: 'stdin', data: 'x' }], code: 'ARB_ERR_INPUT_INVALID', match: /start/ },
    {
      send: [{ type: 'start', language: 'cobol-2099', source: 'x' }],
      code: 'ARB_ERR_LANGUAGE_UNKNOWN',
      match: /cobol/,
    },
    { send: [{ type: 'start', language: 'python3' }], code: 'ARB_ERR_INPUT_INVALID', match: /source/ },
    {
      send: [{ type: 'start', language: 'python3', source: 'x', limits: { wallMs: 'long' } }],
      code: 'ARB_ERR_INPUT_INVALID',
      match: /wallMs/,
    },
    {
      send: [{ type: 'start', language: 'python3', source: 'input()' }, { type: 'dance' }],
      code: 'ARB_ERR_INPUT_INVALID',
      match: /dance/,
    },
    {
      send: [
        { type: 'start', language: 'python3', source: 'input()' },
        { type: 'start', language: 'python3', source: 'input()' },
      ],
      code: 'ARB_ERR_INPUT_INVALID',
      match: /already started/,
    },
  ];
  for (const { send, code, match } of cases) {
    const socket = await TestSocket.open(server, PATH);
    for (const message of send) socket.send(message);
    const error = await socket.waitFor(isType('error'), `an error for ${JSON.stringify(send)}`);
    assert.equal(error.error, code, socket.dump());
    assert.match(String(error.message), match);
    assert.equal((await socket.closed).code, 1008, socket.dump());
  }
});

test('the upgrade goes through authentication: an unknown key is refused', async () => {
  await assert.rejects(
    TestSocket.open(server, PATH, { authorization: 'Bearer not-a-real-key' }),
    /upgrade refused: HTTP 401/,
  );
});

test('the OpenAPI document describes the route and its protocol; a plain GET is told to upgrade', async () => {
  const response = await request<{
    paths: Record<string, { get?: { summary?: string; description?: string } }>;
  }>(server, 'GET', '/docs/json');
  assert.equal(response.status, 200, response.text.slice(0, 500));
  const route = response.body.paths[PATH]?.get;
  assert.ok(route?.summary, JSON.stringify(Object.keys(response.body.paths)));
  assert.match(route.description ?? '', /"type":"start"/);
  assertErrorBody(await request(server, 'GET', PATH), { status: 400, code: 'ARB_ERR_INPUT_INVALID' });
});
