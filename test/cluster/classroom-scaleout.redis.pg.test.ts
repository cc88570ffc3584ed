// The classroom of issue [N] on a scale-out server (BullMQ on Redis, PostgreSQL, the Redis rate
// limiter): 200 students behind one address with sessions of their own, a script on the same
// address, the shipped rate settings. The same assertions as the embedded run
// (test/api/classroom.sandbox.test.ts). Needs the machine's Redis and PostgreSQL and the sandbox;
// fails, naming what is missing, without them.
import { after, test } from 'node:test';
import { classAndScript, DEFAULT_RATES } from '../helpers/classroom.js';
import { openTestDeployment, spawnArbiter, type TestDeployment } from '../helpers/cluster.js';

let deployment: TestDeployment | undefined;
after(() => deployment?.teardown());

test('scale-out: 200 students behind one address all get in and get results, the script is held to its share', async () => {
  deployment = await openTestDeployment('classroom', { ...DEFAULT_RATES, anonymous: true });
  const api = await spawnArbiter('serve', deployment.settings, { workers: 2 });
  await classAndScript(api.url);
});
