// `arbiter keys` in scale-out: given --postgres (and --schema) it creates, lists and revokes keys in
// PostgreSQL, where every API node reads them. A scale-out API node with anonymous use off accepts
// a key made that way, refuses a request without one, and refuses the key once it is revoked.
// Against the machine's Redis and PostgreSQL; fails, naming what is missing, without them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cli } from '../api/helpers.js';
import {
  openTestDeployment,
  pollUntil,
  spawnArbiter,
  type ArbiterProcess,
  type TestDeployment,
} from '../helpers/cluster.js';

let deployment: TestDeployment;
let api: ArbiterProcess;

before(async () => {
  deployment = await openTestDeployment('keys', { anonymous: false });
  api = await spawnArbiter('serve', deployment.settings);
});

after(() => deployment?.teardown());

const keys = (...args: string[]) =>
  cli('keys', ...args, '--postgres', deployment.settings.postgresUrl, '--schema', deployment.settings.schema);

const languages = async (key?: string) =>
  (
    await fetch(`${api.url}/api/v1/languages`, {
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    })
  ).status;

test('a key created with --postgres is accepted by the scale-out API; revoked, it is refused', async () => {
  assert.equal(await languages(), 401, 'anonymous use is off');
  const created = keys('create', '--name', 'grading', '--role', 'admin', '--rate', '50');
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^arb_[\w-]+$/);
  const id = /key ([0-9a-f-]{36})/.exec(created.stderr)?.[1];
  assert.ok(id, created.stderr);

  const listed = keys('list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as { id: string; name: string; role: string; ratePerSec: number }[];
  assert.deepEqual(
    rows.map((r) => ({ id: r.id, name: r.name, role: r.role, ratePerSec: r.ratePerSec })),
    [{ id, name: 'grading', role: 'admin', ratePerSec: 50 }],
  );
  assert.ok(!listed.stdout.includes(key), 'the key itself is never listed');
  const stored = await deployment.postgres.store.listKeys();
  assert.deepEqual(
    stored.map((k) => k.id),
    [id],
    'the key is in PostgreSQL',
  );

  assert.equal(await languages(key), 200);
  assert.equal(await languages('arb_not-a-key'), 401);

  const revoked = keys('revoke', id);
  assert.equal(revoked.code, 0, revoked.stderr);
  // API nodes cache a key lookup for up to 5 s.
  await pollUntil(
    () => languages(key),
    (status) => status === 401,
    {
      timeoutMs: 15_000,
      what: 'the revoked key to be refused',
    },
  );
});
