// The classroom out of the box (issue [N]) on the embedded server: with the default rate settings,
// 200 students behind one address (a school NAT), each in a browser that loaded the editor, submit
// within one second and then poll; every one gets 202 and a result, no poll is refused, and a
// script hammering from the same address at the same moment is refused past its own share without
// taking the class's, and what it got past the limits does not delay the class (the queue is fair
// between submitters). The same holds for a site that calls Arbiter from its backend with one key,
// naming each student as `user`. The scale-out run of the first scenario is in
// test/cluster/classroom-scaleout.redis.pg.test.ts.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  classAndScript,
  DEFAULT_RATES,
  FAIR_AHEAD,
  followAll,
  jobsAheadOfClass,
  spread,
  STUDENTS,
  submitOver,
} from '../helpers/classroom.js';
import { cleanup, createKey, startServer, tempDir } from './helpers.js';

after(cleanup);

test('200 students behind one address all get in and get results, while a script there is refused past its share and does not delay them', async () => {
  const server = await startServer(DEFAULT_RATES);
  await classAndScript(server.url);
  assert.equal(await server.stop(), 0);
});

test("a site's backend with one key and a user per student: the class gets in, one student cannot use up the key", async () => {
  const dataDir = join(tempDir(), 'data');
  // The site's key is sized for its class (arbiter keys create --rate); everything else is default.
  const site = createKey(dataDir, { name: 'site', rate: 300 });
  const server = await startServer(DEFAULT_RATES, { dataDir });
  const headers = { authorization: `Bearer ${site.key}` };
  const backend = new Agent({ keepAlive: true, maxSockets: 16 });
  const startedAt = performance.now();
  // 200 students submit once over one second; mallory resubmits 200 times in the same second.
  const as = async (user: string) => (await spread(1000), submitOver(server.url, backend, headers, { user }));
  const [students, mallory] = await Promise.all([
    Promise.all(Array.from({ length: STUDENTS }, (_, i) => as(`student-${i}`))),
    Promise.all(Array.from({ length: 200 }, () => as('mallory'))),
  ]);
  const seconds = (performance.now() - startedAt) / 1000;
  backend.destroy();
  const refused = students.find((r) => r.status !== 202);
  assert.equal(refused, undefined, `every student of the site gets 202: ${refused?.text}`);
  const malloryAllowed = mallory.filter((r) => r.status === 202).length;
  assert.equal(malloryAllowed + mallory.filter((r) => r.status === 429).length, 200, 'mallory: 202 or 429');
  assert.ok(
    malloryAllowed <= 20 + Math.ceil(10 * seconds) + 2,
    `one user got ${malloryAllowed} submissions in over ${seconds.toFixed(1)} s`,
  );
  const done = await followAll(
    server.url,
    students.map((r) => r.id!),
    headers,
  );
  for (const [i, result] of done.entries()) {
    assert.equal(result.status, 'accepted', JSON.stringify(result));
    assert.equal(result.user, `student-${i}`, 'each submission names its student');
  }
  const malloryDone = await followAll(
    server.url,
    mallory.flatMap((r) => (r.id ? [r.id] : [])),
    headers,
  );
  const ahead = jobsAheadOfClass(done, malloryDone);
  assert.ok(
    ahead <= FAIR_AHEAD,
    `${ahead} of mallory's ${malloryDone.length} jobs ran before the class's last`,
  );
  assert.equal(await server.stop(), 0);
});
