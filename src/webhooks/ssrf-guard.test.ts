import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { checkWebhookTarget, compileWebhookAllowlist, type ResolveHost } from './ssrf-guard.js';

/** A fake DNS: answers from the table, and counts what it was asked. */
function fakeDns(table: Record<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const answer = table[host];
    if (answer === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolve, { asked });
}

const dns = fakeDns({
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'rebind.example.com': ['93.184.216.34', '10.0.0.7'],
  'metadata.example.com': ['169.254.169.254'],
  'internal.corp': ['10.20.30.40'],
  'v6only.example.com': ['::ffff:127.0.0.1'],
  'nothing.example.com': [],
});

async function refused(url: string, options: Parameters<typeof checkWebhookTarget>[1] = { resolve: dns }) {
  let caught: unknown;
  try {
    await checkWebhookTarget(url, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    isArbiterError(caught, 'WEBHOOK_TARGET_REFUSED'),
    `${url} should be refused, got ${String(caught)}`,
  );
  assert.equal(caught.status, 400);
  return caught.message;
}

test('a public host passes with every address it resolved to', async () => {
  const target = await checkWebhookTarget('https://hooks.example.com/arbiter?x=1', { resolve: dns });
  assert.equal(target.url.href, 'https://hooks.example.com/arbiter?x=1');
  assert.deepEqual(target.addresses, ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
});

test('schemes other than http(s) are refused, before any DNS query', async () => {
  const before = dns.asked.length;
  for (const url of [
    'ftp://hooks.example.com/',
    'file:///etc/passwd',
    'gopher://hooks.example.com/',
    'javascript:alert(1)',
  ]) {
    assert.match(await refused(url), /http or https/);
  }
  assert.match(await refused('not a url'), /not a valid absolute URL/);
  assert.equal(dns.asked.length, before);
});

test('credentials in the URL are refused without echoing them', async () => {
  const message = await refused('https://alice:hunter2@hooks.example.com/');
  assert.match(message, /credentials/);
  assert.doesNotMatch(message, /hunter2/);
  await refused('https://alice@hooks.example.com/');
});

test('internal address literals are refused, in every spelling', async () => {
  const cases: [string, RegExp][] = [
    ['http://127.0.0.1:8080/', /loopback/],
    ['http://2130706433/', /loopback/],
    ['http://0x7f.1/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://10.1.2.3/', /private/],
    ['http://172.20.0.1/', /private/],
    ['http://192.168.0.10/', /private/],
    ['http://[fd12::1]/', /private/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://100.100.100.200/', /carrier-grade NAT/],
    ['http://224.0.0.251/', /multicast/],
    ['http://[ff02::1]/', /multicast/],
  ];
  for (const [url, reason] of cases) {
    const message = await refused(url);
    assert.match(message, reason, url);
    assert.match(message, /allowlist/, 'the message says how to allow it');
  }
});

test('host names are judged by what they resolve to', async () => {
  assert.match(
    await refused('https://metadata.example.com/'),
    /169\.254\.169\.254, which is a link-local address/,
  );
  assert.match(await refused('https://internal.corp/hook'), /private/);
  assert.match(await refused('https://v6only.example.com/'), /loopback/);
});

test('one private address among public ones is enough to refuse (DNS rebinding)', async () => {
  assert.match(await refused('https://rebind.example.com/'), /10\.0\.0\.7/);
});

test('a host that does not resolve is WEBHOOK_TARGET_UNRESOLVED, not refused', async () => {
  for (const url of ['https://missing.example.com/', 'https://nothing.example.com/']) {
    await assert.rejects(checkWebhookTarget(url, { resolve: dns }), (error) =>
      isArbiterError(error, 'WEBHOOK_TARGET_UNRESOLVED'),
    );
  }
});

test('the allowlist lets named hosts and covered addresses through', async () => {
  const byHost = await checkWebhookTarget('http://internal.corp/hook', {
    resolve: dns,
    allowlist: ['INTERNAL.corp.'],
  });
  assert.deepEqual(byHost.addresses, ['10.20.30.40']);
  await checkWebhookTarget('http://internal.corp/hook', { resolve: dns, allowlist: ['10.20.0.0/16'] });
  await checkWebhookTarget('http://127.0.0.1:9999/', { resolve: dns, allowlist: ['127.0.0.1'] });
  await checkWebhookTarget('http://[::ffff:127.0.0.1]/', { resolve: dns, allowlist: ['127.0.0.1'] });
  await checkWebhookTarget('http://[fd00::5]/', { resolve: dns, allowlist: ['[fd00::5]'] });
  await checkWebhookTarget('http://[fd00::5]/', { resolve: dns, allowlist: ['fd00::/8'] });
  // Allowing one address or network allows nothing else.
  assert.match(await refused('http://127.0.0.2/', { resolve: dns, allowlist: ['127.0.0.1'] }), /loopback/);
  assert.match(
    await refused('https://rebind.example.com/', { resolve: dns, allowlist: ['10.1.0.0/16'] }),
    /10\.0\.0\.7/,
  );
  assert.match(
    await refused('http://internal.corp/', { resolve: dns, allowlist: ['other.corp'] }),
    /private/,
  );
  // The allowlist never lets a bad scheme or credentials through.
  await refused('ftp://internal.corp/', { resolve: dns, allowlist: ['internal.corp'] });
  await refused('http://a:b@internal.corp/', { resolve: dns, allowlist: ['internal.corp'] });
});

test('malformed allowlist entries are refused naming the entry', () => {
  for (const entry of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/x', 'host/16', 'http://x.com', '', 'a b']) {
    assert.throws(
      () => compileWebhookAllowlist([entry]),
      (error) => isArbiterError(error, 'INVALID_INPUT') && error.message.includes(`"${entry}"`),
      entry,
    );
  }
});

test('the default resolver uses the system DNS (localhost is loopback)', async () => {
  assert.match(await refused('http://localhost:2358/', {}), /loopback/);
});
