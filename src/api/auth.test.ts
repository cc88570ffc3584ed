import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { keyFromWebSocketProtocol } from './auth.js';

test('a WebSocket upgrade carries its key as the arbiter.bearer.<key> subprotocol', async () => {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', async (request) => keyFromWebSocketProtocol(request));
  app.get('/echo-auth', async (request) => ({ authorization: request.headers.authorization ?? null }));
  const auth = async (headers: Record<string, string>) =>
    (await app.inject({ url: '/echo-auth', headers })).json<{ authorization: string | null }>().authorization;
  const upgrade = { upgrade: 'websocket', connection: 'Upgrade' };
  assert.equal(
    await auth({ ...upgrade, 'sec-websocket-protocol': 'arbiter.v1, arbiter.bearer.arb_Key-9_x' }),
    'Bearer arb_Key-9_x',
  );
  // Only for upgrades, and never over a key the request already carries.
  assert.equal(await auth({ 'sec-websocket-protocol': 'arbiter.v1, arbiter.bearer.arb_x' }), null);
  assert.equal(
    await auth({
      ...upgrade,
      authorization: 'Bearer arb_own',
      'sec-websocket-protocol': 'arbiter.bearer.arb_x',
    }),
    'Bearer arb_own',
  );
  assert.equal(await auth({ ...upgrade, 'sec-websocket-protocol': 'arbiter.v1' }), null);
  await app.close();
});
