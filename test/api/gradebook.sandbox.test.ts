// The gradebook end to end: a small problem judged by a real `arbiter serve` with the real sandbox
// (needs root, bubblewrap and python3), read back as JSON and CSV by the site key that made the
// submissions, by a student's own key and by an admin.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  assertErrorBody,
  cleanup,
  createKey,
  request,
  startServer,
  tempDir,
  type TestServer,
} from './helpers.js';

interface Entry {
  user: string | null;
  keyId?: string | null;
  submissions: number;
  best: { score: number; maxScore: number | null; submissionId: string; at: string } | null;
  latest: { score: number | null; status: string; submissionId: string; at: string };
}
interface Page {
  problemId: string;
  rows: Entry[];
  nextOffset: number | null;
}

const PROBLEM = 'gradebook-sum';
const SITE_ORIGIN = 'https://course.example';
// Both tests right (score 2), the first only (score 1), none (score 0).
const FULL = 'a, b = map(int, input().split())\nprint(a + b)\n';
const HALF = 'input()\nprint(3)\n';
const NONE = 'print(0)\n';

let server: TestServer;
let site: { key: string; id: string };
let student: { key: string; id: string };
let adminKey: string;
const ids: Record<string, string> = {};

async function judged(key: string, source: string, user?: string): Promise<string> {
  const response = await request<{ id: string; status: string }>(
    server,
    'POST',
    '/api/v1/submissions?wait=true',
    {
      key,
      body: { language: 'python3', source, problemId: PROBLEM, ...(user === undefined ? {} : { user }) },
      timeoutMs: 60_000,
    },
  );
  assert.equal(response.status, 200, response.text);
  return response.body.id;
}

const gradebook = (key: string, query = '') =>
  request<Page>(server, 'GET', `/api/v1/problems/${PROBLEM}/gradebook${query}`, { key });

before(async () => {
  const dataDir = join(tempDir(), 'data');
  site = createKey(dataDir, { name: 'course site', role: 'user' });
  student = createKey(dataDir, { name: 'a student', role: 'user' });
  adminKey = createKey(dataDir, { name: 'teacher', role: 'admin' }).key;
  // A course site's pages may call the API: its export's headers must be readable there.
  server = await startServer({ workers: 2, corsOrigins: [SITE_ORIGIN] }, { dataDir });
  const created = await request(server, 'POST', '/api/v1/problems', {
    key: adminKey,
    body: {
      id: PROBLEM,
      title: 'Sum',
      tests: [
        { stdin: '1 2\n', expected: '3\n' },
        { stdin: '5 5\n', expected: '10\n' },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  // ann's best comes first and her latest is worse: best and latest are different submissions.
  ids.annBest = await judged(site.key, FULL, 'ann');
  ids.annLatest = await judged(site.key, HALF, 'ann');
  [ids.quoted, ids.formula, ids.nobody, ids.studentOwn] = await Promise.all([
    judged(site.key, HALF, 'a,"b"'),
    judged(site.key, FULL, '=1+1'),
    judged(site.key, NONE),
    judged(student.key, FULL, 'ann'),
  ]);
});

after(cleanup);

test("the site key: each of its users' best and latest, its own submissions only", async () => {
  const response = await gradebook(site.key);
  assert.equal(response.status, 200, response.text);
  const { rows, nextOffset, problemId } = response.body;
  assert.equal(problemId, PROBLEM);
  assert.equal(nextOffset, null);
  // Code-point order: no user first, then '=1+1' < 'a,"b"' < 'ann'; the student key's ann is not here.
  assert.deepEqual(
    rows.map((r) => [r.user, r.submissions]),
    [
      [null, 1],
      ['=1+1', 1],
      ['a,"b"', 1],
      ['ann', 2],
    ],
  );
  const ann = rows[3]!;
  assert.equal(ann.keyId, undefined, 'a key is not shown its own id');
  assert.deepEqual(
    { ...ann.best, at: undefined },
    { score: 2, maxScore: 2, submissionId: ids.annBest, at: undefined },
  );
  assert.deepEqual(
    { ...ann.latest, at: undefined },
    { score: 1, status: 'wrong_answer', submissionId: ids.annLatest, at: undefined },
  );
  assert.ok(Date.parse(ann.latest.at) >= Date.parse(ann.best!.at), 'times are ISO 8601');
  assert.deepEqual(
    { ...rows[0]!.best, at: undefined },
    { score: 0, maxScore: 2, submissionId: ids.nobody, at: undefined },
  );

  const paged = await gradebook(site.key, '?limit=2&offset=1');
  assert.deepEqual(paged.body.rows, rows.slice(1, 3));
  assert.equal(paged.body.nextOffset, 3);
  const one = await gradebook(site.key, `?user=${encodeURIComponent('a,"b"')}`);
  assert.deepEqual(one.body.rows, [rows[2]]);
});

test('CSV: a header row, quoted fields, formulas defused, a file name', async () => {
  const json = (await gradebook(site.key)).body.rows;
  const response = await request(server, 'GET', `/api/v1/problems/${PROBLEM}/gradebook?format=csv`, {
    key: site.key,
  });
  assert.equal(response.status, 200, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
  assert.equal(
    response.headers.get('content-disposition'),
    `attachment; filename="gradebook-${PROBLEM}.csv"`,
  );
  assert.equal(response.headers.get('x-next-offset'), null, 'one page');
  const line = (user: string, e: Entry) =>
    [
      user,
      e.submissions,
      e.best?.score ?? '',
      e.best?.maxScore ?? '',
      e.best?.submissionId ?? '',
      e.best?.at ?? '',
      e.latest.score ?? '',
      e.latest.status,
      e.latest.submissionId,
      e.latest.at,
    ].join(',');
  assert.equal(
    response.text,
    [
      'user,submissions,best_score,best_max_score,best_submission_id,best_at,latest_score,latest_status,latest_submission_id,latest_at',
      line('', json[0]!),
      line("'=1+1", json[1]!),
      line('"a,""b"""', json[2]!),
      line('ann', json[3]!),
      '',
    ].join('\r\n'),
  );
  const paged = await request(server, 'GET', `/api/v1/problems/${PROBLEM}/gradebook?format=csv&limit=1`, {
    key: site.key,
    headers: { origin: SITE_ORIGIN, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
  });
  assert.equal(paged.headers.get('x-next-offset'), '1');
  assert.equal(paged.headers.get('access-control-allow-origin'), SITE_ORIGIN);
  const exposed = (paged.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/,\s*/);
  for (const name of ['x-next-offset', 'content-disposition'])
    assert.ok(exposed.includes(name), `${name} exposed to the site's pages: ${exposed.join(', ')}`);
  assert.equal(paged.text.split('\r\n').length, 3, 'the header, one row, the final line end');
});

test("a student's own key reads its own row only, never another key's", async () => {
  const own = await gradebook(student.key);
  assert.equal(own.status, 200, own.text);
  assert.deepEqual(
    own.body.rows.map((r) => [r.user, r.submissions, r.best?.submissionId]),
    [['ann', 1, ids.studentOwn]],
  );
  assertErrorBody(await gradebook(student.key, `?keyId=${site.id}`), {
    status: 403,
    code: 'ARB_ERR_AUTH_FORBIDDEN',
  });
  const named = await gradebook(student.key, `?user=${encodeURIComponent('a,"b"')}`);
  assert.deepEqual(named.body.rows, [], "naming another key's user finds nothing");
});

test("an admin reads every key's rows, with the key, and may narrow to one", async () => {
  const all = await gradebook(adminKey);
  assert.equal(all.status, 200, all.text);
  const keyed = all.body.rows.map((r) => [r.keyId, r.user]);
  for (const row of [
    [site.id, 'ann'],
    [student.id, 'ann'],
    [site.id, null],
  ])
    assert.ok(
      keyed.some((k) => k[0] === row[0] && k[1] === row[1]),
      `${JSON.stringify(row)} in ${JSON.stringify(keyed)}`,
    );
  const one = await gradebook(adminKey, `?keyId=${student.id}`);
  assert.deepEqual(
    one.body.rows.map((r) => [r.keyId, r.user]),
    [[student.id, 'ann']],
  );
  const csv = await request(
    server,
    'GET',
    `/api/v1/problems/${PROBLEM}/gradebook?format=csv&keyId=${student.id}`,
    {
      key: adminKey,
    },
  );
  assert.match(
    csv.text,
    new RegExp(`^key_id,user,submissions,.*\\r\\n${student.id},ann,1,2,2,${ids.studentOwn},`),
  );
});

test('refused: an unknown problem, a page too large', async () => {
  assertErrorBody(await request(server, 'GET', '/api/v1/problems/no-such/gradebook', { key: adminKey }), {
    status: 404,
    code: 'ARB_ERR_PROBLEM_NOT_FOUND',
  });
  for (const query of ['?limit=10001', '?format=xlsx', '?offset=-1'])
    assertErrorBody(await gradebook(site.key, query), { status: 400, code: 'ARB_ERR_INPUT_VALIDATION' });
});

test('the OpenAPI document describes the rows', async () => {
  const response = await request<{ paths: Record<string, { get?: Record<string, unknown> }> }>(
    server,
    'GET',
    '/docs/json',
  );
  assert.equal(response.status, 200, response.text);
  const route = JSON.stringify(response.body.paths['/api/v1/problems/{id}/gradebook']?.get ?? null);
  for (const field of [
    '"rows"',
    '"best"',
    '"latest"',
    '"submissions"',
    '"maxScore"',
    '"nextOffset"',
    '"csv"',
  ])
    assert.ok(route.includes(field), `${field} in ${route.slice(0, 300)}`);
});

// Last: it deletes what the tests above read.
test("an admin deletes a problem's marks, one user's or all; nobody else may", async () => {
  const path = `/api/v1/problems/${PROBLEM}/submissions`;
  assertErrorBody(await request(server, 'DELETE', path, { key: site.key }), {
    status: 403,
    code: 'ARB_ERR_AUTH_FORBIDDEN',
  });
  const before = (await gradebook(adminKey)).body.rows;
  const annRows = before.filter((r) => r.user === 'ann');
  const annCount = annRows.reduce((n, r) => n + r.submissions, 0);
  assert.equal(annCount, 3, 'two by the site key, one by the student key');

  const one = await request<{ problemId: string; deleted: number }>(server, 'DELETE', `${path}?user=ann`, {
    key: adminKey,
  });
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(one.body, { problemId: PROBLEM, deleted: annCount });
  const after = (await gradebook(adminKey)).body.rows;
  assert.deepEqual(
    after.map((r) => r.user).sort(),
    before
      .map((r) => r.user)
      .filter((u) => u !== 'ann')
      .sort(),
  );
  assert.equal(
    (await request(server, 'GET', `/api/v1/submissions/${ids.annBest}`, { key: adminKey })).status,
    404,
  );

  const all = await request<{ deleted: number }>(server, 'DELETE', path, { key: adminKey });
  assert.equal(all.body.deleted, before.length - annRows.length);
  assert.deepEqual((await gradebook(adminKey)).body.rows, []);
});
