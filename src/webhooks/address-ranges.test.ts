import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAddress, embeddedIpv4 } from './address-ranges.js';

test('internal addresses, IPv4 and IPv6, are classified by range', () => {
  const cases: [string, string][] = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['100.127.255.255', 'shared (carrier-grade NAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],

    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fec0::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['64:ff9b:1::a00:1', 'reserved'],
  ];
  for (const [address, range] of cases) assert.equal(classifyAddress(address), range, address);
});

test('public addresses next to the internal ranges pass', () => {
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '11.0.0.1',
    '169.253.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81b::200e',
    '2400:cb00::1',
  ]) {
    assert.equal(classifyAddress(address), undefined, address);
  }
});

test('IPv6 forms that carry an IPv4 address are judged by that address', () => {
  assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
  assert.equal(classifyAddress('::ffff:7f00:1'), 'loopback');
  assert.equal(classifyAddress('::FFFF:A9FE:A9FE'), 'link-local');
  assert.equal(classifyAddress('::ffff:10.1.2.3'), 'private');
  assert.equal(classifyAddress('64:ff9b::192.168.0.1'), 'private');
  assert.equal(classifyAddress('2002:7f00:1::'), 'loopback');
  assert.equal(classifyAddress('::ffff:8.8.8.8'), undefined);
  assert.equal(classifyAddress('64:ff9b::808:808'), undefined);
  assert.equal(embeddedIpv4('0:0:0:0:0:ffff:c0a8:0101'), '192.168.1.1');
  assert.equal(embeddedIpv4('2002:0a00:0001:1::5'), '10.0.0.1');
  assert.equal(embeddedIpv4('2606:4700::1111'), undefined);
});

test('a string that is not an IP address is an error, not a verdict', () => {
  assert.throws(() => classifyAddress('localhost'), TypeError);
});
