// The classroom scenario of issue [N], shared by the embedded and the scale-out tests: 200 students
// behind one address (a school NAT), each in a browser that loaded the editor, submit within one
// second and then poll; a script on the same address fires 1000 requests over the same second.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { isFinal, request, type SubmissionView } from '../api/helpers.js';

/** The shipped rate defaults (test servers otherwise run with generous ones). */
export const DEFAULT_RATES = Object.freeze({
  ipRatePerSec: 200,
  defaultKeyRatePerSec: 10,
  ipReadRatePerSec: 1000,
});
export const STUDENTS = 200;
export const ABUSER_REQUESTS = 1000;
/**
 * At most this many of the script's jobs may start before the class's last: about one per round of
 * the fair queue the class was served in. In arrival order it is most of what the script got in.
 */
export const FAIR_AHEAD = 8;

export const spread = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * ms));

/** Loads the editor page as a browser does; returns the session cookie it was given. */
export async function openEditor(url: string): Promise<string> {
  const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(60_000) });
  await response.arrayBuffer();
  const cookie = response.headers.get('set-cookie');
  assert.ok(cookie?.startsWith('arbiter_session='), `no session cookie: ${cookie}`);
  return cookie!.split(';')[0]!;
}

/**
 * One POST of a python print(1) over `agent`: what a loop in one program sends over a few keep-alive
 * connections (not a thousand sockets at once, which would test the machine's accept queue instead).
 */
export function submitOver(
  url: string,
  agent: Agent,
  headers: Record<string, string> = {},
  fields: Record<string, string> = {},
): Promise<{ status: number; id?: string; text: string }> {
  const body = JSON.stringify({ language: 'python3', source: 'print(1)', ...fields });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/api/v1/submissions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            ...(res.statusCode === 202 ? { id: (JSON.parse(text) as { id: string }).id } : {}),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls each submission once a second until final; every poll must answer 200. */
export async function followAll(
  url: string,
  ids: readonly string[],
  headers: Record<string, string> = {},
): Promise<SubmissionView[]> {
  return Promise.all(
    ids.map(async (id) => {
      for (let i = 0; i < 180; i++) {
        const now = await request<SubmissionView>(url, 'GET', `/api/v1/submissions/${id}`, { headers });
        assert.equal(now.status, 200, `a poll was refused: ${now.text}`);
        if (isFinal(now.body.status)) return now.body;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.fail(`submission ${id} did not finish within 3 minutes`);
    }),
  );
}

/** How many of `script`'s jobs started before the class's last one did. */
export function jobsAheadOfClass(students: SubmissionView[], script: SubmissionView[]): number {
  const lastStudent = Math.max(...students.map((s) => Date.parse(s.startedAt!)));
  return script.filter((s) => Date.parse(s.startedAt!) < lastStudent).length;
}

/**
 * The whole scenario against the server at `url`, with its assertions: every student 202 and
 * accepted, no poll refused, the script refused past its own bucket (a burst of 20, then 10 a
 * second), and what it got past the limits not run ahead of the class.
 */
export async function classAndScript(url: string): Promise<void> {
  const cookies = await Promise.all(Array.from({ length: STUDENTS }, () => openEditor(url)));
  assert.equal(new Set(cookies).size, STUDENTS, 'each browser has its own session');
  const browsers = new Agent({ keepAlive: true, maxSockets: 64 });
  const script = new Agent({ keepAlive: true, maxSockets: 8 });
  const startedAt = performance.now();
  const [students, abuser] = await Promise.all([
    Promise.all(cookies.map(async (cookie) => (await spread(1000), submitOver(url, browsers, { cookie })))),
    Promise.all(
      Array.from({ length: ABUSER_REQUESTS }, async () => (await spread(1000), submitOver(url, script))),
    ),
  ]);
  const seconds = (performance.now() - startedAt) / 1000;
  browsers.destroy();
  script.destroy();
  const refusedStudent = students.find((r) => r.status !== 202);
  assert.equal(refusedStudent, undefined, `every student gets 202: ${refusedStudent?.text}`);
  const abuserAllowed = abuser.filter((r) => r.status === 202).length;
  const abuserRefused = abuser.filter((r) => r.status === 429).length;
  assert.equal(abuserAllowed + abuserRefused, ABUSER_REQUESTS, 'the script gets 202 or 429, nothing else');
  // Its own bucket: a burst of 20, then 10 a second for as long as the server took to answer them all
  // (a loaded machine stretches the second), never the class's share.
  assert.ok(
    abuserAllowed <= 20 + Math.ceil(10 * seconds) + 2,
    `the script got ${abuserAllowed} submissions in over ${seconds.toFixed(1)} s`,
  );
  const done = await followAll(
    url,
    students.map((r) => r.id!),
  );
  for (const result of done) assert.equal(result.status, 'accepted', JSON.stringify(result));
  const scriptDone = await followAll(
    url,
    abuser.flatMap((r) => (r.id ? [r.id] : [])),
  );
  const ahead = jobsAheadOfClass(done, scriptDone);
  assert.ok(
    ahead <= FAIR_AHEAD,
    `${ahead} of the script's ${scriptDone.length} jobs ran before the class's last: the queue is not fair`,
  );
}
