// Judge0 CE's API, checked against what Judge0's documentation promises, on a real `arbiter serve`
// with the real sandbox (needs root, bubblewrap and the toolchains: python3, gcc, g++, bash).
// Every test makes the submissions it reads; none relies on another.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { createKey } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const POLL_TIMEOUT_MS = 30_000;

const STATUS_DESCRIPTIONS = [
  'In Queue',
  'Processing',
  'Accepted',
  'Wrong Answer',
  'Time Limit Exceeded',
  'Compilation Error',
  'Runtime Error (SIGSEGV)',
  'Runtime Error (SIGXFSZ)',
  'Runtime Error (SIGFPE)',
  'Runtime Error (SIGABRT)',
  'Runtime Error (NZEC)',
  'Runtime Error (Other)',
  'Internal Error',
  'Exec Format Error',
];
const DEFAULT_FIELDS = ['stdout', 'time', 'memory', 'stderr', 'token', 'compile_output', 'message', 'status'];
const ALL_FIELDS = [
  'source_code',
  'language_id',
  'stdin',
  'expected_output',
  'stdout',
  'status_id',
  'created_at',
  'finished_at',
  'time',
  'memory',
  'stderr',
  'token',
  'number_of_runs',
  'cpu_time_limit',
  'cpu_extra_time',
  'wall_time_limit',
  'memory_limit',
  'stack_limit',
  'max_processes_and_or_threads',
  'enable_per_process_and_thread_time_limit',
  'enable_per_process_and_thread_memory_limit',
  'max_file_size',
  'compile_output',
  'exit_code',
  'exit_signal',
  'message',
  'wall_time',
  'compiler_options',
  'command_line_arguments',
  'redirect_stderr_to_stdout',
  'callback_url',
  'additional_files',
  'enable_network',
  'status',
  'language',
];
const PYTHON = 71;
const C = 50;
const CPP = 54;
const BASH = 46;
const MULTI_FILE = 89;

type Json = Record<string, unknown>;
interface Answer<T = Json> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

let child: ChildProcess;
let base: string;
let log = '';
const dirs: string[] = [];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-judge0-'));
  dirs.push(dir);
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      workers: 2,
      ipRatePerSec: 1000,
      defaultKeyRatePerSec: 1000,
      webhookAllowlist: ['127.0.0.1'],
    }),
  );
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--config',
      config,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ARBITER_'))),
    },
  );
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server not ready in ${READY_TIMEOUT_MS} ms:\n${log}`)),
      READY_TIMEOUT_MS,
    );
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('arbiter is ready')) continue;
        const url = (JSON.parse(line) as { url?: string }).url;
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${log}`));
    });
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function call<T = Json>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(60_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined; // text answers (/version): callers read `text`
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

/** POST /submissions?wait=true: the finished submission. */
async function run(submission: Json, query = ''): Promise<Json> {
  const answer = await call('POST', `/submissions?wait=true${query}`, submission);
  assert.equal(answer.status, 201, answer.text);
  return answer.body;
}

const statusId = (s: Json) => (s.status as { id: number }).id;
const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');
const unb64 = (text: unknown) => Buffer.from(String(text), 'base64').toString('utf8');
const zip = (files: Record<string, string | Uint8Array>) =>
  b64(
    zipSync(
      Object.fromEntries(
        Object.entries(files).map(([n, c]) => [n, typeof c === 'string' ? new TextEncoder().encode(c) : c]),
      ),
    ),
  );

async function pollFinal(token: string, query = ''): Promise<Json> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const answer = await call('GET', `/submissions/${token}?fields=*${query}`);
    assert.equal(answer.status, 200, answer.text);
    if ((answer.body.status_id as number) > 2) return answer.body;
    assert.ok(Date.now() < deadline, `submission ${token} not finished in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('statuses and languages', () => {
  test('GET /statuses lists the fourteen statuses with ids 1-14', async () => {
    const answer = await call<{ id: number; description: string }[]>('GET', '/statuses');
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body,
      STATUS_DESCRIPTIONS.map((description, i) => ({ id: i + 1, description })),
    );
  });

  test('GET /languages lists installed languages by Judge0 id, named with their versions', async () => {
    const answer = await call<{ id: number; name: string }[]>('GET', '/languages');
    assert.equal(answer.status, 200);
    for (const language of answer.body) assert.deepEqual(Object.keys(language), ['id', 'name']);
    // Each name once (issue [H]); every mapped id, by which clients hard-code languages, is in /all.
    const names = answer.body.map((l) => l.name);
    assert.equal(new Set(names).size, names.length, names.join(', '));
    const all = await call<{ id: number; name: string }[]>('GET', '/languages/all');
    const byId = new Map(all.body.map((l) => [l.id, l.name]));
    assert.match(byId.get(PYTHON) ?? '', /^Python \(3\.\d+\.\d+\)$/);
    assert.match(byId.get(C) ?? '', /^C \(GCC \d+\.\d+\.\d+\)$/);
    assert.match(byId.get(CPP) ?? '', /^C\+\+ \(GCC \d+\.\d+\.\d+\)$/);
    assert.match(byId.get(BASH) ?? '', /^Bash \(\d/);
    assert.equal(byId.get(MULTI_FILE), 'Multi-file program');
  });

  test('GET /languages/:id describes one language; an unknown id is 404', async () => {
    const python = await call('GET', `/languages/${PYTHON}`);
    assert.equal(python.status, 200);
    assert.deepEqual(Object.keys(python.body), [
      'id',
      'name',
      'is_archived',
      'source_file',
      'compile_cmd',
      'run_cmd',
    ]);
    assert.equal(python.body.is_archived, false);
    assert.equal(python.body.compile_cmd, null);
    const c = await call('GET', `/languages/${C}`);
    assert.match(String(c.body.compile_cmd), /gcc/);
    const missing = await call('GET', '/languages/150000');
    assert.equal(missing.status, 404);
    assert.equal(typeof missing.body.error, 'string');
  });

  test('GET /languages/all adds is_archived to every entry', async () => {
    const answer = await call<{ id: number; name: string; is_archived: boolean }[]>('GET', '/languages/all');
    assert.equal(answer.status, 200);
    assert.ok(answer.body.length >= 2);
    for (const language of answer.body) assert.equal(typeof language.is_archived, 'boolean');
    assert.ok(answer.body.some((l) => l.id === PYTHON && !l.is_archived));
  });
});

describe('creating and reading submissions', () => {
  test('POST /submissions answers 201 with only the token; GET gives the 8 default attributes', async () => {
    const created = await call('POST', '/submissions', {
      source_code: 'print(f"hello, {input()}")',
      language_id: PYTHON,
      stdin: 'world',
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(Object.keys(created.body), ['token']);
    const token = String(created.body.token);
    await pollFinal(token);
    const answer = await call('GET', `/submissions/${token}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body), DEFAULT_FIELDS);
    assert.equal(answer.body.stdout, 'hello, world\n');
    assert.equal(answer.body.stderr, null);
    assert.equal(answer.body.compile_output, null);
    assert.equal(answer.body.message, null);
    assert.equal(answer.body.token, token);
    assert.match(String(answer.body.time), /^\d+\.\d{1,3}$/);
    assert.equal(typeof answer.body.memory, 'number');
    assert.deepEqual(answer.body.status, { id: 3, description: 'Accepted' });
  });

  test('wait=true answers 201 with the finished submission; fields picks attributes', async () => {
    const body = await run(
      { source_code: 'print(6*7)', language_id: PYTHON },
      '&fields=stdout,status_id,language_id',
    );
    assert.deepEqual(body, { stdout: '42\n', status_id: 3, language_id: PYTHON });
  });

  test('fields=* returns every attribute, with the defaults of /config_info echoed', async () => {
    const config = (await call('GET', '/config_info')).body;
    const body = await run({ source_code: 'print(1)', language_id: PYTHON, stdin: 'in' }, '&fields=*');
    assert.deepEqual(Object.keys(body), ALL_FIELDS);
    assert.equal(body.source_code, 'print(1)');
    assert.equal(body.stdin, 'in');
    assert.equal(body.expected_output, null);
    assert.equal(Number(body.cpu_time_limit), config.cpu_time_limit);
    assert.equal(Number(body.cpu_extra_time), config.cpu_extra_time);
    assert.equal(Number(body.wall_time_limit), config.wall_time_limit);
    assert.equal(body.memory_limit, config.memory_limit);
    assert.equal(body.stack_limit, config.stack_limit);
    assert.equal(body.max_processes_and_or_threads, config.max_processes_and_or_threads);
    assert.equal(body.max_file_size, config.max_file_size);
    assert.equal(body.number_of_runs, 1);
    assert.equal(body.enable_network, false);
    assert.equal(body.exit_code, 0);
    assert.equal(body.exit_signal, null);
    assert.match(String(body.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(String(body.finished_at)) >= Date.parse(String(body.created_at)));
    assert.match(String(body.wall_time), /^\d+\.\d{1,3}$/);
    assert.deepEqual(body.language, {
      id: PYTHON,
      name: (await call('GET', `/languages/${PYTHON}`)).body.name,
    });
  });

  test('a request field given is echoed as given', async () => {
    const body = await run(
      {
        source_code: 'print(1)',
        language_id: PYTHON,
        cpu_time_limit: 1.5,
        wall_time_limit: 3,
        memory_limit: 128000,
        command_line_arguments: 'a b',
        redirect_stderr_to_stdout: true,
      },
      '&fields=cpu_time_limit,wall_time_limit,memory_limit,command_line_arguments,redirect_stderr_to_stdout',
    );
    assert.deepEqual(body, {
      cpu_time_limit: '1.5',
      wall_time_limit: '3.0',
      memory_limit: 128000,
      command_line_arguments: 'a b',
      redirect_stderr_to_stdout: true,
    });
  });

  test('a form-encoded submission works like a JSON one', async () => {
    const form = new URLSearchParams({
      source_code: 'print(input())',
      language_id: String(PYTHON),
      stdin: 'form',
    });
    const answer = await call('POST', '/submissions?wait=true', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.body.stdout, 'form\n');
  });

  test('command_line_arguments reach the program as words; redirect_stderr_to_stdout merges', async () => {
    const args = await run({
      source_code: 'import sys; print(sys.argv[1:])',
      language_id: PYTHON,
      command_line_arguments: `one "two three" '$HOME'`,
    });
    assert.equal(args.stdout, "['one', 'two three', '$HOME']\n");
    const merged = await run({
      source_code: 'import sys; print("err", file=sys.stderr, flush=True)',
      language_id: PYTHON,
      redirect_stderr_to_stdout: true,
    });
    assert.equal(merged.stdout, 'err\n');
    assert.equal(merged.stderr, null);
  });
});

describe('verdicts', () => {
  test('expected_output: a match is Accepted (3), a difference Wrong Answer (4)', async () => {
    const ok = await run({
      source_code: 'print(input())',
      language_id: PYTHON,
      stdin: 'Judge0',
      expected_output: 'Judge0',
    });
    assert.equal(statusId(ok), 3);
    const wrong = await run({ source_code: 'print("nope")', language_id: PYTHON, expected_output: 'yes' });
    assert.deepEqual(wrong.status, { id: 4, description: 'Wrong Answer' });
    assert.equal(wrong.stdout, 'nope\n');
  });

  test('a compile error is 6 with compile_output; time and memory are null', async () => {
    const body = await run({ source_code: 'int main() { return missing; }', language_id: CPP });
    assert.deepEqual(body.status, { id: 6, description: 'Compilation Error' });
    assert.match(String(body.compile_output), /missing/);
    assert.equal(body.stdout, null);
    assert.equal(body.time, null);
  });

  test('compiler_options reach the compiler', async () => {
    const body = await run({
      source_code: '#include <stdio.h>\nint main(){printf("%d\\n", VALUE);}',
      language_id: C,
      compiler_options: '-DVALUE=7',
    });
    assert.equal(body.stdout, '7\n');
  });

  test('a program over cpu_time_limit is Time Limit Exceeded (5)', async () => {
    const body = await run({
      source_code: 'while True: pass',
      language_id: PYTHON,
      cpu_time_limit: 0.5,
      cpu_extra_time: 0.2,
    });
    assert.deepEqual(body.status, { id: 5, description: 'Time Limit Exceeded' });
    assert.ok(Number(body.time) >= 0.5, String(body.time));
  });

  test('runtime errors are classed by signal, else NZEC (11) with the exit code', async () => {
    const nzec = await run(
      { source_code: 'raise SystemExit(3)', language_id: PYTHON },
      '&fields=status,exit_code,exit_signal',
    );
    assert.deepEqual(nzec, {
      status: { id: 11, description: 'Runtime Error (NZEC)' },
      exit_code: 3,
      exit_signal: null,
    });
    const cases: [string, number][] = [
      ['int main(){ volatile int *p = 0; return *p; }', 7],
      ['#include <signal.h>\nint main(){ raise(SIGFPE); return 0; }', 9],
      ['#include <stdlib.h>\nint main(){ abort(); }', 10],
      ['#include <signal.h>\nint main(){ raise(SIGUSR1); return 0; }', 12],
    ];
    for (const [source, expected] of cases) {
      const body = await run({ source_code: source, language_id: C }, '&fields=status,exit_signal');
      assert.equal(statusId(body), expected, `${source}: ${JSON.stringify(body)}`);
      assert.equal(typeof body.exit_signal, 'number');
    }
  });

  test('memory over memory_limit is Runtime Error (Other), 12, killed by signal 9', async () => {
    const body = await run(
      { source_code: 'x = bytearray(400 * 1024 * 1024)', language_id: PYTHON, memory_limit: 65536 },
      '&fields=status,exit_signal',
    );
    assert.deepEqual(body, { status: { id: 12, description: 'Runtime Error (Other)' }, exit_signal: 9 });
  });

  test('output over max_file_size is Runtime Error (SIGXFSZ), 8', async () => {
    const body = await run(
      { source_code: 'print("x" * 200000)', language_id: PYTHON, max_file_size: 64 },
      '&fields=status,exit_signal',
    );
    assert.deepEqual(body, { status: { id: 8, description: 'Runtime Error (SIGXFSZ)' }, exit_signal: 25 });
  });

  test('number_of_runs runs the program that many times and echoes the count', async () => {
    const body = await run(
      {
        source_code: 'print(input())',
        language_id: PYTHON,
        stdin: '5',
        expected_output: '5',
        number_of_runs: 3,
      },
      '&fields=status,number_of_runs,time,memory',
    );
    assert.equal(statusId(body), 3);
    assert.equal(body.number_of_runs, 3);
    assert.equal(typeof body.memory, 'number');
  });
});

describe('base64_encoded', () => {
  test('base64 in, base64 out (MIME lines), round trip', async () => {
    const body = await run(
      {
        source_code: b64('print("hello, " + input())'),
        language_id: PYTHON,
        stdin: b64('Judge0'),
        expected_output: b64('hello, Judge0'),
      },
      '&base64_encoded=true&fields=stdout,source_code,stdin,expected_output,status,message',
    );
    assert.equal(statusId(body), 3);
    assert.equal(body.stdout, 'aGVsbG8sIEp1ZGdlMAo=\n');
    assert.equal(unb64(body.source_code), 'print("hello, " + input())');
    assert.equal(unb64(body.stdin), 'Judge0');
    assert.equal(unb64(body.expected_output), 'hello, Judge0');
    assert.equal(body.message, null);
  });

  test('text that is not base64 is refused with 422 naming the field', async () => {
    const answer = await call('POST', '/submissions?base64_encoded=true', {
      source_code: 'print(1)!',
      language_id: PYTHON,
    });
    assert.equal(answer.status, 422);
    assert.deepEqual(Object.keys(answer.body), ['source_code']);
  });

  test('output that is not UTF-8 asks for base64_encoded=true; with it, the answer is base64', async () => {
    const source = 'import sys; sys.stdout.buffer.write(bytes([0xfe, 0x41]))';
    const waited = await call('POST', '/submissions?wait=true', { source_code: source, language_id: PYTHON });
    assert.equal(waited.status, 201);
    assert.equal(typeof waited.body.token, 'string');
    assert.match(String(waited.body.error), /use base64_encoded=true/);
    const plain = await call('GET', `/submissions/${waited.body.token}`);
    assert.equal(plain.status, 400);
    assert.match(String(plain.body.error), /cannot be converted to UTF-8, use base64_encoded=true/);
    const encoded = await call('GET', `/submissions/${waited.body.token}?base64_encoded=true`);
    assert.equal(encoded.status, 200);
    assert.deepEqual(
      Buffer.from(String(encoded.body.stdout).replace(/\n/g, ''), 'base64'),
      Buffer.from([0xfe, 0x41]),
      'the exact bytes, not their lossy text',
    );
  });
});

describe('errors', () => {
  test('422 with field errors, Judge0 style', async () => {
    const blank = await call('POST', '/submissions', { source_code: 'int main(){}' });
    assert.equal(blank.status, 422);
    assert.deepEqual(blank.body, { language_id: ["can't be blank"] });
    const unknown = await call('POST', '/submissions', { source_code: 'x', language_id: 150000 });
    assert.deepEqual(unknown.body, { language_id: ["language with id 150000 doesn't exist"] });
    const config = (await call('GET', '/config_info')).body;
    const tooLong = await call('POST', '/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      wall_time_limit: 100000,
    });
    assert.equal(tooLong.status, 422);
    assert.deepEqual(tooLong.body, {
      wall_time_limit: [`must be less than or equal to ${config.max_wall_time_limit}`],
    });
    const empty = await call('POST', '/submissions', { source_code: '', language_id: PYTHON });
    assert.deepEqual(empty.body, { source_code: ["can't be blank"] });
  });

  test('enable_network is refused: the sandbox has no network', async () => {
    const answer = await call('POST', '/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      enable_network: true,
    });
    assert.equal(answer.status, 422);
    assert.ok(Array.isArray(answer.body.enable_network));
    assert.equal((await call('GET', '/config_info')).body.allow_enable_network, false);
  });

  test('an unknown token is 404 with {error}', async () => {
    const answer = await call('GET', '/submissions/00000000-0000-0000-0000-000000000000');
    assert.equal(answer.status, 404);
    assert.deepEqual(Object.keys(answer.body), ['error']);
  });

  test('a bad X-Auth-Token is 401 with {error}', async () => {
    const answer = await call('GET', '/statuses', undefined, { 'X-Auth-Token': 'not-a-key' });
    assert.equal(answer.status, 401);
    assert.equal(typeof answer.body.error, 'string');
  });
});

describe('batches and deletion', () => {
  test('POST /submissions/batch answers per submission, in order', async () => {
    const answer = await call<Json[]>('POST', '/submissions/batch', {
      submissions: [
        { language_id: BASH, source_code: 'echo hello from Bash' },
        { language_id: 123456789, source_code: 'print("hello from Python")' },
        { language_id: PYTHON, source_code: '' },
      ],
    });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.body.length, 3);
    assert.deepEqual(Object.keys(answer.body[0]!), ['token']);
    assert.deepEqual(answer.body[1], { language_id: ["language with id 123456789 doesn't exist"] });
    assert.deepEqual(answer.body[2], { source_code: ["can't be blank"] });
    const token = String(answer.body[0]!.token);
    await pollFinal(token);
    const batch = await call<{ submissions: (Json | null)[] }>(
      'GET',
      `/submissions/batch?tokens=${token},00000000-0000-0000-0000-000000000000&fields=token,stdout,status_id,language_id`,
    );
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body.submissions, [
      { token, stdout: 'hello from Bash\n', status_id: 3, language_id: BASH },
      null,
    ]);
  });

  test('batches are capped at max_submission_batch_size', async () => {
    const max = (await call('GET', '/config_info')).body.max_submission_batch_size as number;
    const answer = await call('POST', '/submissions/batch', {
      submissions: Array.from({ length: max + 1 }, () => ({ language_id: PYTHON, source_code: 'print(1)' })),
    });
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.body.error, 'string');
  });

  test('DELETE cancels a running submission and answers it base64-encoded', async () => {
    const created = await call('POST', '/submissions', {
      source_code: 'import time\ntime.sleep(20)',
      language_id: PYTHON,
    });
    const token = String(created.body.token);
    const answer = await call('DELETE', `/submissions/${token}?fields=token,status,message`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.token, token);
    assert.deepEqual(answer.body.status, { id: 13, description: 'Internal Error' });
    assert.match(unb64(answer.body.message), /cancel/);
    assert.equal((await call('DELETE', '/submissions/00000000-0000-0000-0000-000000000000')).status, 404);
  });
});

describe('listing', () => {
  interface Listing {
    submissions: Json[];
    meta: {
      current_page: number;
      next_page: number | null;
      prev_page: number | null;
      total_pages: number;
      total_count: number;
    };
  }

  test('GET /submissions: numbered pages, newest first, with Judge0 meta and the default attributes', async () => {
    const tokens: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const created = await call('POST', '/submissions', {
        language_id: PYTHON,
        source_code: `print('${text}')`,
      });
      assert.equal(created.status, 201, created.text);
      tokens.push((created.body as { token: string }).token);
    }
    const first = await call<Listing>('GET', '/submissions?per_page=2');
    assert.equal(first.status, 200, first.text);
    const total = first.body.meta.total_count;
    assert.ok(total >= 3, first.text);
    assert.deepEqual(first.body.meta, {
      current_page: 1,
      next_page: 2,
      prev_page: null,
      total_pages: Math.ceil(total / 2),
      total_count: total,
    });
    assert.equal(first.body.submissions.length, 2);
    for (const submission of first.body.submissions)
      assert.deepEqual(Object.keys(submission).sort(), [...DEFAULT_FIELDS].sort());

    // Newest first, as Judge0: the three just made are the first three, one page each at per_page=1.
    const pages = [3, 2, 1];
    const listed = [];
    for (const page of pages) {
      const answer = await call<Listing>(
        'GET',
        `/submissions?page=${page}&per_page=1&fields=token,language_id`,
      );
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body.submissions.length, 1, answer.text);
      listed.push(answer.body.submissions[0]);
      assert.equal(answer.body.meta.prev_page, page > 1 ? page - 1 : null);
      assert.equal(answer.body.meta.next_page, page < total ? page + 1 : null);
    }
    assert.deepEqual(
      listed,
      tokens.map((token) => ({ token, language_id: PYTHON })),
    );

    const beyond = await call<Listing>('GET', `/submissions?page=${total + 5}&per_page=1`);
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.body.submissions, []);
    assert.equal(beyond.body.meta.next_page, null);
    assert.equal(beyond.body.meta.prev_page, total + 4);

    const capped = await call<Listing>('GET', '/submissions?per_page=100000&fields=token');
    assert.equal(capped.status, 200);
    assert.equal(capped.body.submissions.length, Math.min(total, 100));
    assert.equal(capped.body.meta.total_pages, Math.ceil(total / 100), 'pages of at most 100');
  });

  test('GET /submissions: a bad page or per_page is 400 in Judge0 words', async () => {
    for (const [query, error] of [
      ['page=0', 'invalid page: 0'],
      ['page=-4', 'invalid page: -4'],
      ['page=abc', 'invalid page: 0'],
      ['per_page=-2', 'invalid per_page: -2'],
      ['per_page=0', 'invalid per_page: 0'],
    ]) {
      const answer = await call('GET', `/submissions?${query}`);
      assert.equal(answer.status, 400, `${query}: ${answer.text}`);
      assert.deepEqual(answer.body, { error }, query);
    }
  });

  test('GET /submissions: a user key lists only its own submissions', async () => {
    const { key } = createKey(join(dirs[0]!, 'data'), { name: 'judge0-lister' });
    const headers = { 'X-Auth-Token': key };
    const created = await call(
      'POST',
      '/submissions',
      { language_id: PYTHON, source_code: 'print(1)' },
      headers,
    );
    assert.equal(created.status, 201, created.text);
    const mine = await call<Listing>('GET', '/submissions?fields=token', undefined, headers);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.body.submissions, [{ token: (created.body as { token: string }).token }]);
    assert.equal(mine.body.meta.total_count, 1);
    const everyone = await call<Listing>('GET', '/submissions?per_page=1');
    assert.ok(everyone.body.meta.total_count > 1, 'the loopback admin sees every key');
  });
});

describe('additional_files', () => {
  test('files of the zip sit beside a single-file program', async () => {
    const body = await run({
      source_code: 'import helper\nprint(helper.greet())',
      language_id: PYTHON,
      additional_files: zip({ 'helper.py': 'def greet():\n    return "hi from helper"\n' }),
    });
    assert.equal(body.stdout, 'hi from helper\n');
  });

  test('paths outside the work directory and archives that are not zips are refused', async () => {
    const traversal = await call('POST', '/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      additional_files: zip({ '../escape.txt': 'x' }),
    });
    assert.equal(traversal.status, 422);
    assert.match(String((traversal.body.additional_files as string[])[0]), /not inside the work directory/);
    const notZip = await call('POST', '/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      additional_files: b64('plain text'),
    });
    assert.equal(notZip.status, 422);
  });

  test('Multi-file program (89): compile then run the scripts of the archive', async () => {
    const files = {
      compile: 'gcc -O2 -o program src/main.c "$@"\n',
      run: './program "$@"\n',
      'src/main.c':
        '#include <stdio.h>\n#include "twice.h"\nint main(int c, char **v){ printf("%d %s\\n", twice(21), c > 1 ? v[1] : "-"); }\n',
      'src/twice.h': 'static int twice(int x) { return 2 * x; }\n',
      'data.bin': new Uint8Array([0xff, 0x00, 0xfe]),
    };
    const body = await run(
      { language_id: MULTI_FILE, additional_files: zip(files), command_line_arguments: 'arg' },
      '&fields=stdout,status,source_code,language',
    );
    assert.equal(statusId(body), 3, JSON.stringify(body));
    assert.equal(body.stdout, '42 arg\n');
    assert.equal(body.source_code, null);
    assert.deepEqual(body.language, { id: MULTI_FILE, name: 'Multi-file program' });

    const binary = await run({
      language_id: MULTI_FILE,
      additional_files: zip({
        run: 'od -An -tx1 data.bin\n',
        'data.bin': new Uint8Array([0xff, 0x00, 0xfe]),
      }),
    });
    assert.equal(String(binary.stdout).trim(), 'ff 00 fe');
  });

  test('Multi-file program: a failing compile script is a Compilation Error with its output', async () => {
    const body = await run({
      language_id: MULTI_FILE,
      additional_files: zip({ compile: 'echo "broken build" >&2; exit 2\n', run: 'echo never\n' }),
    });
    assert.deepEqual(body.status, { id: 6, description: 'Compilation Error' });
    assert.equal(body.compile_output, 'broken build\n');
    assert.equal(body.stdout, null);
  });
});

describe('callback_url', () => {
  let receiver: Server;
  const received: { method: string; body: string }[] = [];
  before(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method ?? '', body });
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  test('the finished submission is sent with PUT, base64-encoded', async () => {
    const port = (receiver.address() as { port: number }).port;
    const created = await call('POST', '/submissions', {
      source_code: 'print("called back")',
      language_id: PYTHON,
      callback_url: `http://127.0.0.1:${port}/judge0`,
    });
    assert.equal(created.status, 201, created.text);
    const deadline = Date.now() + POLL_TIMEOUT_MS;
    while (received.length === 0) {
      assert.ok(Date.now() < deadline, 'no callback arrived');
      await new Promise((r) => setTimeout(r, 50));
    }
    const [callback] = received;
    assert.equal(callback!.method, 'PUT');
    const body = JSON.parse(callback!.body) as Json;
    assert.equal(body.token, created.body.token);
    assert.equal(unb64(body.stdout), 'called back\n');
    assert.deepEqual(body.status, { id: 3, description: 'Accepted' });
  });

  test('a callback_url on a private network is refused with 422', async () => {
    const answer = await call('POST', '/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      callback_url: 'http://10.1.2.3/hook',
    });
    assert.equal(answer.status, 422);
    assert.ok(Array.isArray(answer.body.callback_url));
  });
});

describe('system and configuration', () => {
  test('GET /config_info has Judge0 configuration keys with this server values', async () => {
    const { status, body } = await call('GET', '/config_info');
    assert.equal(status, 200);
    for (const key of [
      'enable_wait_result',
      'enable_compiler_options',
      'allowed_languages_for_compile_options',
      'enable_command_line_arguments',
      'enable_submission_delete',
      'max_queue_size',
      'cpu_time_limit',
      'max_cpu_time_limit',
      'cpu_extra_time',
      'max_cpu_extra_time',
      'wall_time_limit',
      'max_wall_time_limit',
      'memory_limit',
      'max_memory_limit',
      'stack_limit',
      'max_stack_limit',
      'max_processes_and_or_threads',
      'max_max_processes_and_or_threads',
      'enable_per_process_and_thread_time_limit',
      'allow_enable_per_process_and_thread_time_limit',
      'enable_per_process_and_thread_memory_limit',
      'allow_enable_per_process_and_thread_memory_limit',
      'max_file_size',
      'max_max_file_size',
      'number_of_runs',
      'max_number_of_runs',
    ]) {
      assert.ok(key in body, `config_info lacks ${key}`);
    }
    assert.equal(body.max_queue_size, 10_000);
    assert.equal(body.number_of_runs, 1);
    assert.equal(body.max_number_of_runs, 20);
  });

  test('GET /about, /version, /system_info, /workers', async () => {
    const about = await call('GET', '/about');
    assert.equal(about.status, 200);
    for (const key of ['version', 'homepage', 'source_code', 'maintainer']) assert.ok(key in about.body, key);
    const version = await call('GET', '/version');
    assert.equal(version.status, 200);
    assert.match(version.text, /^\d+\.\d+\.\d+$/);
    const system = await call('GET', '/system_info');
    assert.equal(system.status, 200);
    assert.equal(typeof system.body.Architecture, 'string');
    assert.equal(typeof system.body.Mem, 'string');
    assert.ok(!Object.keys(system.body).some((k) => k.startsWith('Vulnerability')));
    const workers = await call<Json[]>('GET', '/workers');
    assert.equal(workers.status, 200);
    assert.deepEqual(Object.keys(workers.body[0]!), [
      'queue',
      'size',
      'available',
      'idle',
      'working',
      'paused',
      'failed',
    ]);
    assert.equal(workers.body[0]!.available, 2);
  });
});
