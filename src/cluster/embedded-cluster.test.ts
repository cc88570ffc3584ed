import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMBEDDED_CLUSTER } from './embedded-cluster.js';

test('the embedded cluster has no other workers, nothing to reconcile and no lost events', async () => {
  let finishes = 0;
  const finish = () => {
    finishes++;
    return Promise.resolve(true);
  };
  await EMBEDDED_CLUSTER.join({
    id: 'w',
    host: 'h',
    pid: 1,
    concurrency: 2,
    languages: ['python3'],
    version: '0.0.0',
    startedAt: 0,
  });
  await EMBEDDED_CLUSTER.reportLoad(2);
  await EMBEDDED_CLUSTER.markDraining();
  assert.equal(await EMBEDDED_CLUSTER.workers(), null, 'this process is all there is');
  assert.equal(await EMBEDDED_CLUSTER.reconcile(finish), 0);
  assert.equal(finishes, 0);
  assert.equal(await EMBEDDED_CLUSTER.recoverLostFinishes(), 0);
  await EMBEDDED_CLUSTER.close();
  assert.ok(Object.isFrozen(EMBEDDED_CLUSTER), 'one shared instance nobody can change');
});
