import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import {
  corsAllowedOrigin,
  crossSiteRefusal,
  hostRefusal,
  isPreflighted,
  isLocalOperator,
  isLoopbackBind,
  parseHost,
  parseOrigin,
  type RequestFacts,
} from './origin-policy.js';

const LOOPBACK = { host: '127.0.0.1', allowedHosts: [] as string[] };
const ANY = { host: '0.0.0.0', allowedHosts: [] as string[] };
const PROXIED = { host: '127.0.0.1', allowedHosts: ['arbiter.example', '.school.edu'] };

const facts = (headers: IncomingHttpHeaders, method = 'GET', forwardedHost?: string): RequestFacts => ({
  method,
  headers,
  forwardedHost,
});

test('parseHost canonicalizes as browsers do and refuses what is not a host', () => {
  assert.deepEqual(parseHost('LocalHost:2358'), { hostname: 'localhost', host: 'localhost:2358' });
  assert.deepEqual(parseHost('127.1'), { hostname: '127.0.0.1', host: '127.0.0.1' });
  assert.deepEqual(parseHost('0x7f.0.0.1:80'), { hostname: '127.0.0.1', host: '127.0.0.1' });
  assert.deepEqual(parseHost('[0:0::1]:9'), { hostname: '[::1]', host: '[::1]:9' });
  assert.deepEqual(parseHost('localhost.'), { hostname: 'localhost', host: 'localhost' });
  for (const bad of ['evil.example@127.0.0.1', '127.0.0.1/x', 'a b', '', 'x:99999', '[nope]', 'a\\b'])
    assert.equal(parseHost(bad), null, bad);
});

test('parseOrigin takes scheme://host[:port] only; null is an opaque origin', () => {
  assert.deepEqual(parseOrigin('http://127.0.0.1:2358'), { hostname: '127.0.0.1', host: '127.0.0.1:2358' });
  assert.deepEqual(parseOrigin('https://arbiter.example'), {
    hostname: 'arbiter.example',
    host: 'arbiter.example',
  });
  for (const bad of ['null', 'file://', 'http://a/b', 'http://u@127.0.0.1', 'ftp://x', 'x'])
    assert.equal(parseOrigin(bad), null, bad);
});

test('loopback binds: 127/8, ::1, localhost; not 0.0.0.0 nor names that merely start with 127', () => {
  for (const host of ['127.0.0.1', '127.3.2.1', '::1', 'localhost', '::ffff:127.0.0.1'])
    assert.ok(isLoopbackBind(host), host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '127.evil.example', 'example.edu'])
    assert.ok(!isLoopbackBind(host), host);
});

test('hostRefusal: a loopback bind answers loopback names and IP addresses only, plus allowedHosts', () => {
  for (const host of [
    '127.0.0.1:2358',
    'localhost',
    'app.localhost:1',
    '[::1]:2',
    '10.1.2.3',
    '[2001:db8::1]',
  ])
    assert.equal(hostRefusal(facts({ host }), LOOPBACK), null, host);
  for (const host of [
    'evil.example',
    '127.0.0.1.evil.example',
    '127.evil.example:2358',
    'localhost.evil',
    'x@y',
  ])
    assert.match(hostRefusal(facts({ host }), LOOPBACK) ?? '', /DNS-rebinding.*allowedHosts/, host);
  assert.equal(hostRefusal(facts({}), LOOPBACK), null, 'no Host: HTTP/1.0, no browser');
  assert.equal(hostRefusal(facts({ host: 'arbiter.example' }), PROXIED), null);
  assert.equal(hostRefusal(facts({ host: 'Judge.School.edu:443' }), PROXIED), null);
  assert.equal(hostRefusal(facts({ host: 'school.edu' }), PROXIED), null);
  assert.notEqual(hostRefusal(facts({ host: 'evilschool.edu' }), PROXIED), null);
});

test('hostRefusal: other binds answer every name until allowedHosts lists some', () => {
  assert.equal(hostRefusal(facts({ host: 'anything.example' }), ANY), null);
  const listed = { host: '0.0.0.0', allowedHosts: ['arbiter.example'] };
  assert.equal(hostRefusal(facts({ host: 'arbiter.example' }), listed), null);
  assert.equal(hostRefusal(facts({ host: '10.0.0.5:2358' }), listed), null);
  assert.match(hostRefusal(facts({ host: 'other.example' }), listed) ?? '', /allowedHosts/);
});

test('crossSiteRefusal: reads pass; writes and WebSocket upgrades from another site do not', () => {
  const evil = { host: '127.0.0.1:2358', origin: 'http://evil.example' };
  assert.equal(crossSiteRefusal(facts(evil, 'GET'), LOOPBACK), null);
  assert.equal(crossSiteRefusal(facts(evil, 'OPTIONS'), LOOPBACK), null);
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
    assert.match(crossSiteRefusal(facts(evil, method), LOOPBACK) ?? '', /evil\.example/, method);
  assert.match(crossSiteRefusal(facts({ ...evil, upgrade: 'websocket' }), LOOPBACK) ?? '', /WebSocket/);
  assert.notEqual(crossSiteRefusal(facts({ origin: 'null' }, 'POST'), LOOPBACK), null);
  assert.notEqual(crossSiteRefusal(facts({ 'sec-fetch-site': 'cross-site' }, 'POST'), LOOPBACK), null);
  assert.notEqual(crossSiteRefusal(facts({ 'sec-fetch-site': 'same-site' }, 'POST'), LOOPBACK), null);
  // Another app on this machine (another port) is another origin.
  const sibling = { host: 'localhost:2358', origin: 'http://localhost:3000' };
  assert.notEqual(crossSiteRefusal(facts(sibling, 'POST'), LOOPBACK), null);
});

test("crossSiteRefusal: programs, this server's own pages and a proxy's name pass", () => {
  assert.equal(crossSiteRefusal(facts({ host: '127.0.0.1:2358' }, 'POST'), LOOPBACK), null);
  const own = { host: '127.0.0.1:2358', origin: 'http://127.0.0.1:2358' };
  assert.equal(crossSiteRefusal(facts(own, 'POST'), LOOPBACK), null);
  assert.equal(crossSiteRefusal(facts({ 'sec-fetch-site': 'same-origin' }, 'POST'), LOOPBACK), null);
  assert.equal(crossSiteRefusal(facts({ 'sec-fetch-site': 'none' }, 'POST'), LOOPBACK), null);
  // A proxy that rewrites Host: the browser's origin is the proxy's name (old browsers lack Sec-Fetch-Site).
  const rewritten = { host: '127.0.0.1:2358', origin: 'https://arbiter.example' };
  assert.equal(crossSiteRefusal(facts(rewritten, 'POST'), PROXIED), null);
  assert.equal(crossSiteRefusal(facts(rewritten, 'POST', 'arbiter.example'), LOOPBACK), null);
  assert.notEqual(crossSiteRefusal(facts(rewritten, 'POST'), LOOPBACK), null);
  // A TLS-terminating proxy that keeps Host: same host, the scheme does not matter.
  const tls = { host: 'judge.school.edu', origin: 'https://judge.school.edu' };
  assert.equal(crossSiteRefusal(facts(tls, 'POST'), ANY), null);
});

test('isLocalOperator: loopback bind, loopback Host, no proxy, no page from elsewhere', () => {
  assert.ok(isLocalOperator(facts({ host: '127.0.0.1:2358' }), LOOPBACK));
  assert.ok(isLocalOperator(facts({ host: 'localhost:2358', origin: 'http://localhost:2358' }), LOOPBACK));
  assert.ok(isLocalOperator(facts({ host: '[::1]:2358', 'sec-fetch-site': 'same-origin' }), LOOPBACK));
  const not: IncomingHttpHeaders[] = [
    {},
    { host: 'evil.example:2358' },
    { host: '10.0.0.5:2358' },
    { host: '127.0.0.1:2358', origin: 'http://evil.example' },
    { host: '127.0.0.1:2358', origin: 'http://127.0.0.1:3000' },
    { host: '127.0.0.1:2358', origin: 'null' },
    { host: '127.0.0.1:2358', 'sec-fetch-site': 'cross-site' },
    { host: '127.0.0.1:2358', 'sec-fetch-site': 'same-site' },
    { host: '127.0.0.1:2358', 'x-forwarded-for': '203.0.113.7' },
    { host: '127.0.0.1:2358', forwarded: 'for=203.0.113.7' },
  ];
  for (const headers of not) assert.ok(!isLocalOperator(facts(headers), LOOPBACK), JSON.stringify(headers));
  assert.ok(!isLocalOperator(facts({ host: '127.0.0.1:2358' }), ANY), 'not on a 0.0.0.0 bind');
});

const CORS = { ...LOOPBACK, corsOrigins: ['https://school.example'], compatCorsOrigins: ['*'] };
const json = { 'content-type': 'application/json' };

test('corsAllowedOrigin: compat paths any origin by default, native paths only listed ones, null never', () => {
  assert.equal(corsAllowedOrigin('http://ide.example:8080', '/submissions', CORS), '*');
  assert.equal(corsAllowedOrigin('http://ide.example:8080', '/api/v2/execute', CORS), '*');
  assert.equal(corsAllowedOrigin('http://ide.example:8080', '/api/v1/submissions', CORS), null);
  assert.equal(
    corsAllowedOrigin('HTTPS://School.Example', '/api/v1/submissions', CORS),
    'https://school.example',
  );
  assert.equal(
    corsAllowedOrigin('http://school.example', '/api/v1/submissions', CORS),
    null,
    'scheme counts',
  );
  assert.equal(corsAllowedOrigin('null', '/submissions', CORS), null);
  assert.equal(corsAllowedOrigin('http://ide.example', '/docs', CORS), null, 'not an API path');
  assert.equal(corsAllowedOrigin('http://ide.example', '/submissions', {}), null, 'no settings: none');
});

test('crossSiteRefusal with CORS: only preflighted writes without the session cookie pass', () => {
  const page = { host: '127.0.0.1:2358', origin: 'http://ide.example', 'sec-fetch-site': 'cross-site' };
  const at = (headers: IncomingHttpHeaders, method = 'POST', path = '/submissions'): RequestFacts => ({
    method,
    headers,
    path,
  });
  assert.equal(crossSiteRefusal(at({ ...page, ...json }), CORS), null);
  assert.equal(
    crossSiteRefusal(at({ ...page, 'content-type': 'text/plain', authorization: 'Bearer k' }), CORS),
    null,
  );
  assert.equal(crossSiteRefusal(at(page, 'DELETE', '/submissions/x'), CORS), null);
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
    assert.match(
      crossSiteRefusal(at({ ...page, 'content-type': type }), CORS) ?? '',
      /application\/json/,
      type,
    );
  assert.notEqual(crossSiteRefusal(at(page), CORS), null, 'no content type: a form could send it');
  assert.notEqual(crossSiteRefusal(at({ ...page, ...json, cookie: 'a=1; arbiter_session=x.y' }), CORS), null);
  assert.notEqual(crossSiteRefusal(at({ ...page, ...json }, 'POST', '/api/v1/submissions'), CORS), null);
  assert.notEqual(
    crossSiteRefusal(at({ ...page, ...json, upgrade: 'websocket' }, 'GET', '/api/v2/connect'), CORS),
    null,
  );
  assert.notEqual(crossSiteRefusal(at({ ...page, ...json, origin: 'null' }), CORS), null);
  // Allowed or not, such a page is never the operator.
  assert.ok(!isLocalOperator(at({ ...page, ...json }), CORS));
});

test('isPreflighted: what a form, a beacon or fetch(no-cors) cannot send', () => {
  const at = (headers: IncomingHttpHeaders, method = 'POST'): RequestFacts => ({ method, headers });
  assert.ok(isPreflighted(at(json)));
  assert.ok(isPreflighted(at({ 'content-type': 'Application/JSON; charset=utf-8' })));
  assert.ok(isPreflighted(at({ 'x-auth-token': 'k' })));
  assert.ok(isPreflighted(at({}, 'PUT')));
  assert.ok(!isPreflighted(at({ 'content-type': 'text/plain;charset=UTF-8' })));
  assert.ok(!isPreflighted(at({})));
});
