// Issue 15 [H]: what real Judge0 and Piston clients need, one contract per difference the issue
// lists, against real `arbiter serve` processes with the real sandbox (needs root, bubblewrap, the
// toolchains and the sqlite3 command). Expectations come from Judge0 CE 1.13.1's and Piston v2's
// documentation and from what their clients send; the CORS rules from docs/compat.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { zipSync } from 'fflate';
import {
  cleanup,
  createKey,
  request,
  startServer,
  submitAndWait,
  tempDir,
  type TestServer,
} from './helpers.js';
import { TestSocket } from './interactive-socket.js';
import { rawRequest } from '../helpers/raw-http.js';

const PYTHON = 71;
const SQL = 82;
/** A page on another origin, as a browser names it. */
const IDE_ORIGIN = 'http://ide.example:8080';
/** Bytes that are not UTF-8 and that a lossy decode would change (00 01 fe ff → 00 01 ef bf bd …). */
const BINARY = Buffer.from([0x00, 0x01, 0xfe, 0xff]);
/** Reads data.bin and prints its bytes in hex. */
const PRINT_DATA_HEX = 'print(open("data.bin", "rb").read().hex())\n';

/** Default settings: loopback, anonymous use on, compatCorsOrigins "*", Judge0's base64 lines. */
let server: TestServer;
/** Strict base64 and a native API open to one origin. */
let strict: TestServer;
let userKey: string;

before(async () => {
  const dataDir = join(tempDir(), 'data');
  userKey = createKey(dataDir, { name: 'ide-user', role: 'user' }).key;
  [server, strict] = await Promise.all([
    startServer({ workers: 2 }, { dataDir }),
    startServer({ workers: 1, judge0StrictBase64: true, corsOrigins: ['http://school.example'] }),
  ]);
});

after(cleanup);

/** One request with exactly these headers (fetch drops Origin and the Sec-Fetch-* ones). */
const raw = (
  target: TestServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) => rawRequest(target.port, method, path, headers, body);

/** What a browser sends with a fetch() from IDE_ORIGIN. */
const fromPage = (origin = IDE_ORIGIN) => ({
  origin,
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'cors',
});

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

async function judge0<T = Record<string, unknown>>(
  target: TestServer,
  method: string,
  path: string,
  body?: unknown,
) {
  return request<T>(target, method, path, { body, timeoutMs: 90_000 });
}

describe('1. CORS: pages on other origins, without the authority [G] keeps from them', () => {
  test('a preflight to the Judge0 API is answered 204 for any origin, with the headers the request needs', async () => {
    const answer = await raw(server, 'OPTIONS', '/submissions?base64_encoded=true&wait=false', {
      origin: IDE_ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-rapidapi-key, authorization',
    });
    assert.equal(answer.status, 204, answer.text);
    assert.equal(answer.headers['access-control-allow-origin'], '*');
    assert.match(String(answer.headers['access-control-allow-methods']), /POST/);
    assert.equal(
      answer.headers['access-control-allow-headers'],
      'content-type, x-rapidapi-key, authorization',
    );
    assert.equal(answer.headers['access-control-allow-credentials'], undefined, 'never credentials');
    // Piston too.
    const piston = await raw(server, 'OPTIONS', '/api/v2/execute', {
      origin: IDE_ORIGIN,
      'access-control-request-method': 'POST',
    });
    assert.equal(piston.status, 204);
    assert.equal(piston.headers['access-control-allow-origin'], '*');
  });

  test('the native API answers only the origins corsOrigins lists', async () => {
    const asked = {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    };
    const closed = await raw(server, 'OPTIONS', '/api/v1/submissions', { origin: IDE_ORIGIN, ...asked });
    assert.equal(closed.status, 204);
    assert.equal(
      closed.headers['access-control-allow-origin'],
      undefined,
      'default: no origin for the native API',
    );
    const listed = await raw(strict, 'OPTIONS', '/api/v1/submissions', {
      origin: 'http://school.example',
      ...asked,
    });
    assert.equal(listed.headers['access-control-allow-origin'], 'http://school.example');
    assert.match(String(listed.headers.vary), /Origin/);
    const other = await raw(strict, 'OPTIONS', '/api/v1/submissions', {
      origin: 'http://other.example',
      ...asked,
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  test('a JSON write from an allowed page runs, as an anonymous caller, and exposes the rate-limit and request-id headers', async () => {
    const created = await raw(
      server,
      'POST',
      '/submissions?wait=true',
      { ...fromPage(), 'content-type': 'application/json' },
      JSON.stringify({ source_code: 'print("from a page")', language_id: PYTHON }),
    );
    assert.equal(created.status, 201, created.text);
    assert.equal((created.body as { stdout: string }).stdout, 'from a page\n');
    assert.equal(created.headers['access-control-allow-origin'], '*');
    const exposed = String(created.headers['access-control-expose-headers']);
    for (const name of [
      'Retry-After',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'X-Request-Id',
    ])
      assert.ok(exposed.includes(name), `${name} not exposed: ${exposed}`);
    // Errors reach the page too, so it can show them.
    const invalid = await raw(
      server,
      'POST',
      '/submissions',
      { ...fromPage(), 'content-type': 'application/json' },
      JSON.stringify({ language_id: PYTHON }),
    );
    assert.equal(invalid.status, 422);
    assert.equal(invalid.headers['access-control-allow-origin'], '*');
  });

  test('writes that need no preflight (forms, text/plain), carry the session cookie or come from an opaque origin stay refused', async () => {
    const program = JSON.stringify({ source_code: 'print(1)', language_id: PYTHON });
    for (const [type, body] of [
      ['text/plain', program],
      ['application/x-www-form-urlencoded', 'source_code=print(1)&language_id=71'],
    ] as const) {
      for (const headers of [fromPage(), { origin: IDE_ORIGIN }]) {
        const answer = await raw(server, 'POST', '/submissions', { ...headers, 'content-type': type }, body);
        assert.equal(answer.status, 403, `${type} ${JSON.stringify(headers)}: ${answer.text}`);
        assert.match(answer.text, /application\/json/, 'the refusal says what an allowed page may send');
      }
    }
    const withCookie = await raw(
      server,
      'POST',
      '/submissions',
      { ...fromPage(), 'content-type': 'application/json', cookie: 'arbiter_session=abc.def' },
      program,
    );
    assert.equal(withCookie.status, 403, withCookie.text);
    const opaque = await raw(
      server,
      'POST',
      '/submissions',
      { origin: 'null', 'content-type': 'application/json' },
      program,
    );
    assert.equal(opaque.status, 403, 'an opaque origin is never allowed');
  });

  test('an allowed page is never the loopback operator, and cannot read listings without a key', async () => {
    // The operator (a program on this machine) makes one; the page must not see it in a listing.
    await judge0(server, 'POST', '/submissions', { source_code: 'print("operator")', language_id: PYTHON });
    const admin = await raw(
      server,
      'POST',
      '/api/v1/problems',
      { ...fromPage(), 'content-type': 'application/json' },
      JSON.stringify({ id: 'planted', title: 'x', tests: [{ stdin: '', expected: '' }] }),
    );
    assert.equal(admin.status, 403, admin.text);
    const listing = await raw(server, 'GET', '/submissions', fromPage());
    assert.equal(listing.status, 200);
    assert.equal(
      listing.headers['access-control-allow-origin'],
      undefined,
      'a keyless listing is not the page’s to read',
    );
    const keyed = await raw(server, 'GET', '/submissions', {
      ...fromPage(),
      authorization: `Bearer ${userKey}`,
    });
    assert.equal(
      keyed.headers['access-control-allow-origin'],
      '*',
      'with a key, the page reads its key’s own',
    );
    const mine = (keyed.body as { submissions: unknown[] }).submissions;
    assert.equal(mine.length, 0, 'the key sees none of the operator’s submissions');
  });
});

describe('2. GET /languages: each name once', () => {
  test('no two languages share a name; the other Judge0 ids still run and are in /languages/all', async () => {
    const listed = await judge0<{ id: number; name: string }[]>(server, 'GET', '/languages');
    const names = listed.body.map((l) => l.name);
    assert.equal(new Set(names).size, names.length, names.join(', '));
    const python = listed.body.find((l) => l.name.startsWith('Python ('));
    assert.ok(python, names.join(', '));
    const all = await judge0<{ id: number }[]>(server, 'GET', '/languages/all');
    assert.ok(all.body.some((l) => l.id === PYTHON));
    for (const id of new Set([PYTHON, python.id])) {
      const ran = await judge0(server, 'POST', '/submissions?wait=true', {
        source_code: 'print(7)',
        language_id: id,
      });
      assert.equal(ran.body.stdout, '7\n', `${id}: ${ran.text}`);
    }
  });
});

describe('3. additional_files: bytes, and SQL on db.sqlite', () => {
  test('a binary file arrives byte-exact beside a single-file program', async () => {
    const ran = await judge0(server, 'POST', '/submissions?wait=true', {
      source_code: PRINT_DATA_HEX,
      language_id: PYTHON,
      additional_files: b64(Buffer.from(zipSync({ 'data.bin': BINARY }))),
    });
    assert.equal(ran.status, 201, ran.text);
    assert.equal(ran.body.stdout, `${BINARY.toString('hex')}\n`, ran.text);
  });

  test('Executable (44) runs an uploaded ELF binary sent base64-encoded, and echoes its bytes exactly', async () => {
    const dir = tempDir('arbiter-elf-');
    execFileSync('sh', [
      '-c',
      `printf '#include <stdio.h>\\nint main(void){puts("hi from elf");return 0;}\\n' > ${dir}/hi.c && gcc -O2 -o ${dir}/hi ${dir}/hi.c`,
    ]);
    const elf = readFileSync(join(dir, 'hi'));
    const ran = await judge0(server, 'POST', '/submissions?base64_encoded=true&wait=true', {
      source_code: b64(elf),
      language_id: 44,
    });
    assert.equal(ran.status, 201, ran.text);
    assert.equal(Buffer.from(String(ran.body.stdout), 'base64').toString(), 'hi from elf\n', ran.text);
    const token = String(ran.body.token);
    const read = await judge0(server, 'GET', `/submissions/${token}?base64_encoded=true&fields=source_code`);
    assert.equal(read.status, 200, read.text);
    assert.ok(
      Buffer.from(String(read.body.source_code), 'base64').equals(elf),
      'the program comes back byte for byte',
    );
  });

  test('the SQL language runs the script against the db.sqlite in additional_files, as the IDE’s SQL example does', async () => {
    const dir = tempDir('arbiter-sqlite-');
    const database = join(dir, 'db.sqlite');
    execFileSync('sqlite3', [
      database,
      "CREATE TABLE artists (id INTEGER, name TEXT); INSERT INTO artists VALUES (1, 'AC/DC'), (2, 'Accept');",
    ]);
    const ran = await judge0(server, 'POST', '/submissions?wait=true', {
      source_code: 'SELECT name FROM artists ORDER BY id;\n',
      language_id: SQL,
      additional_files: b64(Buffer.from(zipSync({ 'db.sqlite': readFileSync(database) }))),
    });
    assert.equal(ran.status, 201, ran.text);
    assert.equal(ran.body.stdout, 'AC/DC\nAccept\n', ran.text);
    assert.equal(ran.body.source_code, undefined, 'default fields');
    const shown = await judge0(server, 'GET', `/submissions/${String(ran.body.token)}?fields=source_code`);
    assert.equal(shown.body.source_code, 'SELECT name FROM artists ORDER BY id;\n', 'the script as sent');
  });

  test('text that is not UTF-8 is refused with 422 naming the field, never replaced', async () => {
    const answer = await judge0(server, 'POST', '/submissions?base64_encoded=true', {
      source_code: b64('print(input())'),
      language_id: PYTHON,
      stdin: b64(BINARY),
    });
    assert.equal(answer.status, 422, answer.text);
    assert.match(String((answer.body as { stdin?: string[] }).stdin?.[0]), /not UTF-8/);
  });
});

describe('4. GET /submissions: newest first', () => {
  test('the latest submission is first on page 1', async () => {
    const made = await judge0(server, 'POST', '/submissions', {
      source_code: 'print("newest")',
      language_id: PYTHON,
    });
    const first = await judge0<{ submissions: { token: string }[] }>(
      server,
      'GET',
      '/submissions?per_page=1&fields=token',
    );
    assert.deepEqual(first.body.submissions, [{ token: made.body.token }]);
  });
});

describe('5. Judge0’s 422s: an all-invalid batch, limits under Judge0’s lower bounds', () => {
  test('a batch with no valid submission is 422; with one, 201', async () => {
    const none = await judge0<unknown[]>(server, 'POST', '/submissions/batch', {
      submissions: [{ language_id: PYTHON }, { source_code: 'x', language_id: 999_999 }],
    });
    assert.equal(none.status, 422, none.text);
    assert.deepEqual(none.body, [
      { source_code: ["can't be blank"] },
      { language_id: ["language with id 999999 doesn't exist"] },
    ]);
    const some = await judge0<unknown[]>(server, 'POST', '/submissions/batch', {
      submissions: [{ language_id: PYTHON }, { source_code: 'print(1)', language_id: PYTHON }],
    });
    assert.equal(some.status, 201, some.text);
  });

  test('memory_limit under 2048 KB and wall_time_limit under 1 s are 422 in Judge0’s words', async () => {
    const answer = await judge0(server, 'POST', '/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      memory_limit: 1000,
      wall_time_limit: 0.5,
    });
    assert.equal(answer.status, 422, answer.text);
    assert.deepEqual(answer.body, {
      wall_time_limit: ['must be greater than or equal to 1'],
      memory_limit: ['must be greater than or equal to 2048'],
    });
  });
});

describe('6. Piston files: base64 is bytes', () => {
  test('the Piston CLI’s request for a binary file (encoding base64) reaches the program byte-exact', async () => {
    // What the CLI sends for `piston python main.py data.bin`: each file by its base name, a file
    // that is not plain text as base64 with encoding "base64".
    const answer = await request<{ run: { stdout: string; code: number } }>(
      server,
      'POST',
      '/api/v2/execute',
      {
        headers: { 'content-type': 'application/json' },
        body: {
          language: 'python',
          version: '*',
          files: [
            { name: 'main.py', content: PRINT_DATA_HEX, encoding: 'utf8' },
            { name: 'data.bin', content: b64(BINARY), encoding: 'base64' },
          ],
          args: [],
          stdin: '',
        },
        timeoutMs: 60_000,
      },
    );
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.run.stdout, '0001feff\n', answer.text);
    // hex too.
    const hex = await request<{ run: { stdout: string } }>(server, 'POST', '/api/v2/execute', {
      body: {
        language: 'python',
        files: [
          { content: PRINT_DATA_HEX },
          { name: 'data.bin', content: BINARY.toString('hex'), encoding: 'hex' },
        ],
      },
      timeoutMs: 60_000,
    });
    assert.equal(hex.body.run.stdout, '0001feff\n', hex.text);
  });

  test('the native API keeps bytes too, and refuses text that has no UTF-8 form', async () => {
    const result = await submitAndWait(server, {
      language: 'python3',
      files: [
        { name: 'main.py', content: PRINT_DATA_HEX },
        { name: 'data.bin', content: b64(BINARY), encoding: 'base64' },
      ],
    });
    assert.equal(result.run?.stdout, '0001feff\n', JSON.stringify(result));
    const lone = await request(server, 'POST', '/api/v1/submissions', {
      body: '{"language":"python3","files":[{"name":"main.py","content":"print(1)  # \\ud800"}]}',
    });
    assert.equal(lone.status, 400, lone.text);
    assert.match(lone.text, /not valid UTF-8 text/);
  });
});

describe('7. Piston connect: a finished job closes with 4999', () => {
  test('the socket closes with 4999 "Job Completed"', async () => {
    const socket = await TestSocket.open(server, '/api/v2/connect');
    socket.send({ type: 'init', language: 'python', version: '*', files: [{ content: 'print("done")' }] });
    await socket.waitFor((m) => m.type === 'exit' && m.stage === 'run', 'the run exit');
    assert.deepEqual(await socket.closed, { code: 4999, reason: 'Job Completed' });
  });
});

describe('8. GET /statistics', () => {
  test('Judge0’s fields, from this server’s numbers', async () => {
    const answer = await judge0<{
      created_at: string;
      cached_until: string;
      submissions: { total: number; today: number; last_30_days: Record<string, number> };
      languages: { language: { id: number; name: string }; count: number }[];
      statuses: { status: { id: number; name: string }; count: number }[];
      database: { size_pretty: unknown; size_in_bytes: unknown };
    }>(server, 'GET', '/statistics');
    assert.equal(answer.status, 200, answer.text);
    const body = answer.body;
    assert.deepEqual(Object.keys(body).sort(), [
      'cached_until',
      'created_at',
      'database',
      'languages',
      'statuses',
      'submissions',
    ]);
    assert.equal(Date.parse(body.cached_until) - Date.parse(body.created_at), 10 * 60_000);
    assert.ok(body.submissions.total > 0, answer.text);
    assert.ok(body.submissions.today > 0, answer.text);
    const days = Object.keys(body.submissions.last_30_days);
    assert.equal(days.length, 30);
    assert.deepEqual(days, [...days].sort().reverse(), 'newest first');
    assert.ok(days.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)));
    const python = body.languages.find((l) => l.language.name.startsWith('Python ('));
    assert.ok(python && python.count > 0, answer.text);
    assert.ok(body.statuses.some((s) => s.status.id === 3 && s.status.name === 'Accepted' && s.count > 0));
    const counts = body.languages.map((l) => l.count);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
      'most first',
    );
    assert.equal(
      body.statuses.reduce((n, s) => n + s.count, 0),
      body.submissions.total,
    );
  });
});

describe('9. base64: Judge0’s lines by default, unbroken with judge0StrictBase64', () => {
  test('a long output is in 60-character lines by default and one strict string when configured', async () => {
    const source = b64('print("x" * 100)');
    const lines = await judge0(server, 'POST', '/submissions?base64_encoded=true&wait=true', {
      source_code: source,
      language_id: PYTHON,
    });
    const stdout = String(lines.body.stdout);
    assert.ok(
      stdout
        .split('\n')
        .slice(0, -1)
        .every((line) => line.length <= 60) && stdout.endsWith('\n'),
      stdout,
    );
    assert.ok(stdout.split('\n').length > 2, stdout);
    const strictAnswer = await judge0(strict, 'POST', '/submissions?base64_encoded=true&wait=true', {
      source_code: source,
      language_id: PYTHON,
    });
    const unbroken = String(strictAnswer.body.stdout);
    assert.match(unbroken, /^[A-Za-z0-9+/]+=*$/, 'no line breaks');
    assert.equal(Buffer.from(unbroken, 'base64').toString(), `${'x'.repeat(100)}\n`);
    assert.equal(unbroken, stdout.replace(/\n/g, ''));
  });
});
