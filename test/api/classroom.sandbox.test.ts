// The classroom out of the box (issue [N]): with the default rate settings, 200 students behind one
// address (a school NAT), each in a browser that loaded the editor, submit within one second and
// then poll; every one gets 202 and a result, no poll is refused, and a script hammering from the
// same address at the same moment is refused past its own share without taking the class's.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { after, test } from 'node:test';
import { cleanup, isFinal, request, startServer, type ApiResponse, type TestServer } from './helpers.js';

after(cleanup);

/** The shipped defaults (the helpers' servers otherwise run with generous test rates). */
const DEFAULT_RATES = { ipRatePerSec: 200, defaultKeyRatePerSec: 10, ipReadRatePerSec: 1000 };
const STUDENTS = 200;
const ABUSER_REQUESTS = 1000;

/** Loads the editor page as a browser does; returns the session cookie it was given. */
async function openEditor(server: TestServer): Promise<string> {
  const response = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(60_000) });
  await response.arrayBuffer();
  const cookie = response.headers.get('set-cookie');
  assert.ok(cookie?.startsWith('arbiter_session='), `no session cookie: ${cookie}`);
  return cookie!.split(';')[0]!;
}

/**
 * The script: what a loop in one program sends, over a few keep-alive connections (not a thousand
 * sockets at once, which no script opens and which would test the machine's accept queue instead).
 */
function scriptSubmit(server: TestServer, agent: Agent): Promise<number> {
  const body = JSON.stringify({ language: 'python3', source: 'print(1)' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}/api/v1/submissions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const spread = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * ms));

test('200 students behind one address all get in and get results, while a script there is refused past its share', async () => {
  const server = await startServer(DEFAULT_RATES);
  const cookies = await Promise.all(Array.from({ length: STUDENTS }, () => openEditor(server)));
  assert.equal(new Set(cookies).size, STUDENTS, 'each browser has its own session');

  const submitAs = (cookie?: string): Promise<ApiResponse<{ id: string }>> =>
    request<{ id: string }>(server, 'POST', '/api/v1/submissions', {
      body: { language: 'python3', source: 'print(input())', stdin: 'ok' },
      headers: cookie ? { cookie } : {},
      timeoutMs: 60_000,
    });
  // The class submits over one second; the script fires 1000 requests over the same second.
  const script = new Agent({ keepAlive: true, maxSockets: 8 });
  const startedAt = performance.now();
  const [students, abuser] = await Promise.all([
    Promise.all(cookies.map(async (cookie) => (await spread(1000), submitAs(cookie)))),
    Promise.all(
      Array.from({ length: ABUSER_REQUESTS }, async () => (await spread(1000), scriptSubmit(server, script))),
    ),
  ]);
  script.destroy();
  const studentStatuses = students.map((r) => r.status);
  assert.deepEqual(
    studentStatuses.filter((s) => s !== 202),
    [],
    `every student gets 202: ${JSON.stringify(students.find((r) => r.status !== 202)?.text)}`,
  );
  const abuserAllowed = abuser.filter((status) => status === 202).length;
  const abuserRefused = abuser.filter((status) => status === 429).length;
  assert.equal(abuserAllowed + abuserRefused, ABUSER_REQUESTS, 'the script gets 202 or 429, nothing else');
  // Its own bucket: a burst of 20, then 10 a second for as long as the server took to answer them all
  // (a loaded machine stretches the second), never the class's share.
  const seconds = (performance.now() - startedAt) / 1000;
  assert.ok(
    abuserAllowed <= 20 + Math.ceil(10 * seconds) + 2,
    `the script got ${abuserAllowed} submissions in over ${seconds.toFixed(1)} s`,
  );

  // Everyone waits by polling once a second; no poll may be refused.
  const polls: number[] = [];
  await Promise.all(
    students.map(async ({ body }) => {
      for (let i = 0; i < 180; i++) {
        const now = await request<{ status: string }>(server, 'GET', `/api/v1/submissions/${body.id}`);
        polls.push(now.status);
        assert.equal(now.status, 200, now.text);
        if (isFinal(now.body.status)) {
          assert.equal(now.body.status, 'accepted', now.text);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.fail(`submission ${body.id} did not finish within 3 minutes`);
    }),
  );
  assert.ok(!polls.includes(429), 'no poll was refused');
});
