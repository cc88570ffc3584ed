// Piston's v2 API (/api/v2/runtimes, /api/v2/execute, /api/v2/connect) against a real `arbiter serve`
// with the real sandbox (needs root, bubblewrap and the toolchains). The expectations come from
// Piston's published documentation; one test drives the server with the `piston-client` npm package.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import piston from 'piston-client';
import semver from 'semver';
import { cleanup, metrics, metricValue, request, startServer, type TestServer } from './helpers.js';
import { TestSocket, type Message } from './interactive-socket.js';

let server: TestServer;

before(async () => {
  server = await startServer({ workers: 2 });
});

after(cleanup);

interface PistonRuntime {
  language: string;
  version: string;
  aliases: string[];
  runtime?: string;
}

interface PistonStage {
  stdout: string;
  stderr: string;
  output: string;
  code: number | null;
  signal: string | null;
  message: string | null;
  status: string | null;
  cpu_time: number;
  wall_time: number;
  memory: number;
}

interface ExecuteAnswer {
  language: string;
  version: string;
  run: PistonStage;
  compile?: PistonStage;
}

async function runtimes(): Promise<PistonRuntime[]> {
  const response = await request<PistonRuntime[]>(server, 'GET', '/api/v2/runtimes');
  assert.equal(response.status, 200, response.text);
  return response.body;
}

async function runtimeOf(language: string): Promise<PistonRuntime> {
  const found = (await runtimes()).find((r) => r.language === language);
  assert.ok(found, `no runtime ${language}`);
  return found;
}

/** POST /api/v2/execute; asserts 200 and the answer's shape. */
async function execute(body: Record<string, unknown>): Promise<ExecuteAnswer> {
  const response = await request<ExecuteAnswer>(server, 'POST', '/api/v2/execute', {
    body,
    timeoutMs: 90_000,
  });
  assert.equal(response.status, 200, response.text);
  assertStageShape(response.body.run, response.text);
  if (response.body.compile) assertStageShape(response.body.compile, response.text);
  return response.body;
}

/** POST /api/v2/execute expecting an error: Piston's {message} body with this status. */
async function executeError(body: unknown, status = 400): Promise<string> {
  const response = await request<{ message: string }>(server, 'POST', '/api/v2/execute', { body });
  assert.equal(response.status, status, response.text);
  assert.deepEqual(Object.keys(response.body), ['message'], response.text);
  assert.equal(typeof response.body.message, 'string');
  return response.body.message;
}

function assertStageShape(stage: PistonStage, context: string): void {
  assert.deepEqual(
    Object.keys(stage).sort(),
    ['code', 'cpu_time', 'memory', 'message', 'output', 'signal', 'status', 'stderr', 'stdout', 'wall_time'],
    context,
  );
  for (const key of ['stdout', 'stderr', 'output'] as const)
    assert.equal(typeof stage[key], 'string', context);
  for (const key of ['cpu_time', 'wall_time', 'memory'] as const) {
    assert.ok(Number.isInteger(stage[key]) && stage[key] >= 0, `${key}: ${context}`);
  }
  // One of code and signal is null (both when nothing ran).
  assert.ok(stage.code === null || stage.signal === null, context);
  assert.ok(stage.status === null || ['RE', 'SG', 'TO', 'OL', 'EL', 'XX'].includes(stage.status), context);
  if (stage.status === null) assert.equal(stage.message, null, context);
}

test('GET /api/v2/runtimes lists installed languages: {language, version, aliases}', async () => {
  const list = await runtimes();
  assert.ok(Array.isArray(list) && list.length > 0);
  for (const runtime of list) {
    assert.equal(typeof runtime.language, 'string');
    assert.ok(semver.valid(runtime.version), `version ${runtime.version} of ${runtime.language} is semver`);
    assert.ok(Array.isArray(runtime.aliases) && runtime.aliases.every((a) => typeof a === 'string'));
    assert.ok(!runtime.aliases.includes(runtime.language), `${runtime.language} is its own alias`);
  }
  // Several versions of one language (GCC 11 and 12 as `c`) are listed apart, as Piston lists them.
  const keys = list.map((r) => `${r.language} ${r.version} ${r.runtime ?? ''}`);
  assert.equal(new Set(keys).size, list.length, 'one entry per language version');
  const python = list.find((r) => r.language === 'python');
  assert.ok(python, 'Piston names Python "python"');
  assert.ok(python.aliases.includes('py') && python.aliases.includes('python3'), JSON.stringify(python));
  assert.ok(
    list.some((r) => r.language === 'c++'),
    'Piston names C++ "c++"',
  );
});

test('execute an interpreted language: stdout, stderr, output, code, stdin and args', async () => {
  const python = await runtimeOf('python');
  const answer = await execute({
    language: 'python',
    version: python.version,
    files: [
      {
        name: 'main.py',
        content: 'import sys\nprint(input()[::-1])\nprint(sys.argv[1:], file=sys.stderr)\n',
      },
    ],
    stdin: 'hello\n',
    args: ['1', '2', '3'],
  });
  assert.equal(answer.language, 'python');
  assert.equal(answer.version, python.version);
  assert.equal(answer.compile, undefined, 'an interpreted language has no compile stage');
  assert.equal(answer.run.stdout, 'olleh\n');
  assert.equal(answer.run.stderr, "['1', '2', '3']\n");
  assert.equal(answer.run.output, "olleh\n['1', '2', '3']\n");
  assert.equal(answer.run.code, 0);
  assert.equal(answer.run.signal, null);
  assert.equal(answer.run.status, null);
  assert.ok(answer.run.memory > 1024 * 1024, `memory is in bytes: ${answer.run.memory}`);
});

test('execute a compiled language: a compile stage, then the run', async () => {
  const answer = await execute({
    language: 'c++',
    version: '*',
    files: [{ content: '#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a*b<<"\\n";}\n' }],
    stdin: '6 7',
  });
  assert.equal(answer.language, 'c++');
  assert.ok(answer.compile, 'a compiled language has a compile stage');
  assert.equal(answer.compile.code, 0, JSON.stringify(answer.compile));
  assert.equal(answer.compile.status, null);
  assert.equal(answer.run.stdout, '42\n');
  assert.equal(answer.run.code, 0);
});

test('a compile error: the compile stage carries the errors, and run repeats it (no program ran)', async () => {
  const answer = await execute({
    language: 'c',
    version: '*',
    files: [{ name: 'broken.c', content: 'int main(void) { return undeclared_thing; }\n' }],
  });
  assert.ok(answer.compile);
  assert.notEqual(answer.compile.code, 0);
  assert.equal(answer.compile.status, 'RE');
  assert.match(answer.compile.stderr, /undeclared_thing/);
  assert.equal(answer.compile.output, answer.compile.stdout + answer.compile.stderr);
  assert.deepEqual(answer.run, answer.compile);
});

test('a runtime error is RE with its exit code; death by a signal is SG with the signal name', async () => {
  const failed = await execute({
    language: 'python',
    version: '*',
    files: [{ content: 'raise SystemExit(3)' }],
  });
  assert.equal(failed.run.code, 3);
  assert.equal(failed.run.signal, null);
  assert.equal(failed.run.status, 'RE');
  assert.equal(typeof failed.run.message, 'string');

  const killed = await execute({
    language: 'python',
    version: '*',
    files: [{ content: 'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n' }],
  });
  assert.equal(killed.run.code, null);
  assert.equal(killed.run.signal, 'SIGSEGV');
  assert.equal(killed.run.status, 'SG');
});

test('version selectors: exact, "*", and semver ranges such as 3.x and ^3.10', async () => {
  const python = await runtimeOf('python');
  const { major, minor } = semver.parse(python.version)!;
  for (const version of [
    python.version,
    '*',
    `${major}.x`,
    `${major}`,
    `^${major}.${minor}`,
    `~${major}.${minor}.0`,
    `>=${major}.0.0 <${major + 1}.0.0`,
  ]) {
    const answer = await execute({ language: 'python', version, files: [{ content: 'print("ok")' }] });
    assert.equal(answer.version, python.version, `selector ${version}`);
    assert.equal(answer.run.stdout, 'ok\n', `selector ${version}`);
  }
  for (const version of [`${major + 1}.x`, `^${major}.${minor + 1}`, '2.7.18', 'not-a-version']) {
    assert.equal(
      await executeError({ language: 'python', version, files: [{ content: 'print(1)' }] }),
      `python-${version} runtime is unknown`,
    );
  }
});

test('languages are found by Piston name or alias; the answer names the language, not the alias', async () => {
  const cases = [
    { language: 'py', code: 'print("x")', expected: 'python' },
    { language: 'python3', code: 'print("x")', expected: 'python' },
    { language: 'js', code: 'console.log("x")', expected: 'javascript' },
    { language: 'node', code: 'console.log("x")', expected: 'javascript' },
    { language: 'bash', code: 'echo x', expected: 'bash' },
  ];
  for (const { language, code, expected } of cases) {
    const answer = await execute({ language, version: '*', files: [{ content: code }] });
    assert.equal(answer.language, expected, language);
    assert.equal(answer.run.stdout, 'x\n', language);
  }
});

test('unknown languages and bad requests get 400 {message}', async () => {
  assert.equal(
    await executeError({ language: 'html', version: '5.0.0', files: [{ content: '<p>' }] }),
    'html-5.0.0 runtime is unknown',
  );
  assert.match(await executeError({ version: '*', files: [{ content: 'x' }] }), /language/);
  assert.match(await executeError({ language: 'python', version: '*' }), /files/);
  assert.match(await executeError({ language: 'python', version: '*', files: [] }), /files/);
  assert.match(
    await executeError({ language: 'python', version: '*', files: [{ name: 'a.py' }] }),
    /content/,
  );
  assert.match(
    await executeError({ language: 'python', version: '*', files: [{ content: 'x', encoding: 'rot13' }] }),
    /encoding/,
  );
  assert.match(
    await executeError({ language: 'python', version: '*', files: [{ content: 'x' }], args: 'a b' }),
    /args/,
  );
  assert.match(
    await executeError({ language: 'python', version: '*', files: [{ content: 'x' }], run_timeout: 'soon' }),
    /run_timeout/,
  );
  assert.match(
    await executeError({
      language: 'python',
      version: '*',
      files: [{ content: 'x' }],
      run_timeout: 10_000_000,
    }),
    /run_timeout cannot exceed/,
  );
  assert.match(await executeError('{not json', 400), /JSON/);
});

test('files: base64 and hex encodings; the first file runs and the others sit beside it', async () => {
  const code = 'import helper\nprint(helper.greet("piston"))\n';
  const answer = await execute({
    language: 'python',
    version: '*',
    files: [
      { name: 'entry.py', content: Buffer.from(code).toString('base64'), encoding: 'base64' },
      {
        name: 'helper.py',
        content: Buffer.from('def greet(who):\n    return "hi " + who\n').toString('hex'),
        encoding: 'hex',
      },
      { name: 'data.txt', content: 'unused', encoding: 'utf8' },
    ],
  });
  assert.equal(answer.run.stdout, 'hi piston\n', JSON.stringify(answer.run));
  assert.match(
    await executeError({ language: 'python', version: '*', files: [{ content: '%%%', encoding: 'base64' }] }),
    /base64/,
  );
  assert.match(
    await executeError({ language: 'python', version: '*', files: [{ content: 'abc', encoding: 'hex' }] }),
    /hex/,
  );
});

test('timeouts: run_timeout (wall) and run_cpu_time (CPU) end the run with TO and SIGKILL', async () => {
  const slept = await execute({
    language: 'python',
    version: '*',
    files: [{ content: 'import time\ntime.sleep(30)\n' }],
    run_timeout: 600,
  });
  assert.equal(slept.run.status, 'TO', JSON.stringify(slept.run));
  assert.equal(slept.run.signal, 'SIGKILL');
  assert.equal(slept.run.code, null);
  assert.ok(slept.run.wall_time >= 500 && slept.run.wall_time < 5000, JSON.stringify(slept.run));

  const spun = await execute({
    language: 'python',
    version: '*',
    files: [{ content: 'while True:\n    pass\n' }],
    run_timeout: 10_000,
    run_cpu_time: 400,
  });
  assert.equal(spun.run.status, 'TO', JSON.stringify(spun.run));
  assert.ok(spun.run.cpu_time >= 300 && spun.run.wall_time < 5000, JSON.stringify(spun.run));

  const defaulted = await execute({
    language: 'python',
    version: '*',
    files: [{ content: 'print("fine")' }],
    compile_timeout: -1,
    run_timeout: -1,
    compile_memory_limit: -1,
    run_memory_limit: -1,
  });
  assert.equal(defaulted.run.stdout, 'fine\n', '-1 means the default limit');
});

test('run_memory_limit is in bytes; exceeding it kills the program', async () => {
  const answer = await execute({
    language: 'python',
    version: '*',
    files: [{ content: 'block = bytearray(200 * 1024 * 1024)\nprint(len(block))\n' }],
    run_memory_limit: 64 * 1024 * 1024,
  });
  assert.equal(answer.run.stdout, '', JSON.stringify(answer.run));
  assert.equal(answer.run.status, 'SG', JSON.stringify(answer.run));
  assert.match(answer.run.message ?? '', /memory/i);
});

test('execute goes through the queue like any submission', async () => {
  const before =
    metricValue(await metrics(server), 'arbiter_jobs_finished_total', { language: 'python3' }) ?? 0;
  await execute({ language: 'python', version: '*', files: [{ content: 'print(1)' }] });
  const after =
    metricValue(await metrics(server), 'arbiter_jobs_finished_total', { language: 'python3' }) ?? 0;
  assert.equal(after, before + 1);
});

test('the piston-client npm package works unchanged against the server', async () => {
  const client = piston({ server: server.url });
  const listed = await client.runtimes();
  assert.deepEqual(listed, await runtimes());

  const python = await client.execute('python', 'import sys\nprint("Hello", sys.argv[1:])');
  assert.equal(python.language, 'python');
  assert.equal(python.run.stdout, "Hello ['1', '2', '3']\n", JSON.stringify(python)); // the client's default args
  assert.equal(python.run.code, 0);

  const cpp = await client.execute('c++', '#include <cstdio>\nint main(){std::puts("from c++");}', {
    stdin: '',
    args: [],
    runTimeout: 3000,
  });
  assert.ok(cpp.compile, JSON.stringify(cpp));
  assert.equal(cpp.run.stdout, 'from c++\n', JSON.stringify(cpp));

  const unknown = await client.execute('brainfuck', '+.');
  assert.match(String(unknown.message), /runtime is unknown/, JSON.stringify(unknown));
});

// The connect WebSocket (Piston's interactive protocol).

const CONNECT = '/api/v2/connect';
const isType = (type: string) => (m: Message) => m.type === type;
const isData = (stream: string) => (m: Message) => m.type === 'data' && m.stream === stream;

test('connect: init, runtime, stage run, stdin echoed on stdout, then exit and close', async () => {
  const python = await runtimeOf('python');
  const socket = await TestSocket.open(server, CONNECT);
  socket.send({
    type: 'init',
    language: 'python',
    version: '3.x',
    files: [{ content: 'for _ in range(2):\n    line = input()\n    print("echo:" + line, flush=True)\n' }],
    run_timeout: 20_000,
  });
  const runtime = await socket.waitFor(isType('runtime'), 'the runtime message');
  assert.deepEqual(runtime, { type: 'runtime', language: 'python', version: python.version });
  await socket.waitFor((m) => m.type === 'stage' && m.stage === 'run', 'the run stage');
  socket.send({ type: 'data', stream: 'stdin', data: 'Hello World!\n' });
  await socket.waitForText(isData('stdout'), 'echo:Hello World!\n', 'the first echo');
  socket.send({ type: 'data', stream: 'stdin', data: 'again\n' });
  const exit = await socket.waitFor(isType('exit'), 'the exit message');
  assert.equal(exit.stage, 'run');
  assert.equal(exit.code, 0);
  assert.equal(exit.signal, null);
  assert.equal(socket.text(isData('stdout')), 'echo:Hello World!\necho:again\n');
  assert.equal((await socket.closed).code, 4999);
});

test('connect: a compiled language reports the compile stage and its exit first', async () => {
  const socket = await TestSocket.open(server, CONNECT);
  socket.send({
    type: 'init',
    language: 'c',
    version: '*',
    files: [
      {
        content:
          '#include <stdio.h>\nint main(void){int n; if (scanf("%d", &n) != 1) return 9; printf("%d\\n", n * 2); return 0;}\n',
      },
    ],
  });
  socket.send({ type: 'data', stream: 'stdin', data: '21\n' });
  const exit = await socket.waitFor((m) => m.type === 'exit' && m.stage === 'run', 'the run exit');
  assert.equal(exit.code, 0, socket.dump());
  assert.equal(socket.text(isData('stdout')), '42\n');
  const sequence = socket.messages
    .filter((m) => m.type !== 'data')
    .map((m) => (m.stage ? `${String(m.type)}:${String(m.stage)}` : m.type));
  assert.deepEqual(sequence, ['runtime', 'stage:compile', 'exit:compile', 'stage:run', 'exit:run']);
});

test('connect: a compile error ends after the compile stage', async () => {
  const socket = await TestSocket.open(server, CONNECT);
  socket.send({
    type: 'init',
    language: 'c',
    version: '*',
    files: [{ content: 'int main(void){return nope;}' }],
  });
  const exit = await socket.waitFor(isType('exit'), 'the compile exit');
  assert.equal(exit.stage, 'compile');
  assert.notEqual(exit.code, 0);
  assert.match(socket.text(isData('stderr')), /nope/);
  assert.equal((await socket.closed).code, 4999);
  assert.ok(!socket.messages.some((m) => m.type === 'stage' && m.stage === 'run'), socket.dump());
});

test('connect: a signal stops the program; a program waiting forever ends at run_timeout', async () => {
  const socket = await TestSocket.open(server, CONNECT);
  socket.send({
    type: 'init',
    language: 'bash',
    version: '*',
    files: [{ content: 'cat' }],
    run_timeout: 30_000,
  });
  socket.send({ type: 'data', stream: 'stdin', data: 'ping\n' });
  await socket.waitForText(isData('stdout'), 'ping\n', 'cat echoing');
  socket.send({ type: 'signal', signal: 'SIGKILL' });
  const killed = await socket.waitFor(isType('exit'), 'the exit after the signal');
  assert.equal(killed.code, null);
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal((await socket.closed).code, 4999);

  const waiting = await TestSocket.open(server, CONNECT);
  waiting.send({
    type: 'init',
    language: 'bash',
    version: '*',
    files: [{ content: 'cat' }],
    run_timeout: 700,
  });
  const timedOut = await waiting.waitFor(isType('exit'), 'the exit at the time limit');
  assert.equal(timedOut.signal, 'SIGKILL');
  assert.equal(timedOut.status, 'TO');
});

test("connect: protocol errors close the socket with Piston's codes", async () => {
  const init = {
    type: 'init',
    language: 'bash',
    version: '*',
    files: [{ content: 'cat' }],
    run_timeout: 5000,
  };
  const cases: { send: unknown[]; code: number; error?: RegExp }[] = [
    { send: [], code: 4001 },
    { send: [{ type: 'data', stream: 'stdin', data: 'x' }], code: 4003 },
    { send: [init, init], code: 4000 },
    { send: [init, { type: 'data', stream: 'stdout', data: 'x' }], code: 4004 },
    { send: [init, { type: 'signal', signal: 'SIGNOPE' }], code: 4005 },
    {
      send: [{ ...init, language: 'html', version: '5.0.0' }],
      code: 4002,
      error: /^html-5\.0\.0 runtime is unknown$/,
    },
    { send: ['{oops'], code: 4002, error: /JSON/ },
    { send: [{ ...init, run_timeout: 10_000_000 }], code: 4002, error: /run_timeout/ },
  ];
  for (const { send, code, error } of cases) {
    const socket = await TestSocket.open(server, CONNECT);
    for (const message of send) socket.send(message);
    const closed = await socket.closed;
    assert.equal(closed.code, code, `${JSON.stringify(send)}: ${socket.dump()}`);
    if (error) {
      const sent = socket.messages.find(isType('error'));
      assert.ok(sent, `an error message for ${JSON.stringify(send)}`);
      assert.match(String(sent.message), error);
    }
  }
});

test('the Piston routes are on the OpenAPI page; a plain GET of connect is told to upgrade', async () => {
  const response = await request<{ paths: Record<string, unknown> }>(server, 'GET', '/docs/json');
  assert.equal(response.status, 200, response.text.slice(0, 500));
  for (const path of ['/api/v2/runtimes', '/api/v2/execute', '/api/v2/connect'])
    assert.ok(response.body.paths[path], `${path} is documented`);
  const plain = await request<{ message: string }>(server, 'GET', CONNECT);
  assert.equal(plain.status, 400, plain.text);
  assert.match(plain.body.message, /WebSocket/);
});
