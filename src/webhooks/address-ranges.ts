/**
 * Which IP addresses a webhook must never reach: everything that is not the public internet.
 * Pure: takes an address string, answers with the kind of range it is in (or undefined when it is
 * public). The CIDR checks use node:net's BlockList.
 *
 * IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are judged by the IPv4 address inside, so ::ffff:127.0.0.1 is loopback and
 * 64:ff9b::8.8.8.8 is public.
 */
import { BlockList, isIP } from 'node:net';

export type BlockedRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared (carrier-grade NAT)'
  | 'multicast'
  | 'reserved';

/**
 * Each kind of range, in CIDR notation, IPv4 and IPv6 together. Everything in them is refused; an
 * address in none is public.
 */
const RANGES: Readonly<Record<BlockedRange, readonly string[]>> = {
  unspecified: ['0.0.0.0/8', '::/128'],
  loopback: ['127.0.0.0/8', '::1/128'],
  // fc00::/7 unique local (AWS's IPv6 metadata fd00:ec2::254 is in it); fec0::/10 old site-local.
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fec0::/10'],
  // 169.254.0.0/16 includes 169.254.169.254, the metadata service of AWS, GCP, Azure and others.
  'link-local': ['169.254.0.0/16', 'fe80::/10'],
  // Includes 100.100.100.200, Alibaba Cloud's metadata service.
  'shared (carrier-grade NAT)': ['100.64.0.0/10'],
  multicast: ['224.0.0.0/4', 'ff00::/8'],
  reserved: [
    '192.0.0.0/24', // IETF protocol assignments
    '192.0.2.0/24', // documentation
    '198.18.0.0/15', // benchmarking
    '198.51.100.0/24', // documentation
    '203.0.113.0/24', // documentation
    '240.0.0.0/4', // future use, and 255.255.255.255 broadcast
    '::/96', // IPv4-compatible, deprecated
    '::ffff:0:0:0/96', // IPv4-translated (SIIT)
    '64:ff9b:1::/48', // local-use NAT64: translates into private networks
    '100::/64', // discard-only
    '2001::/32', // Teredo tunnels
    '2001:db8::/32', // documentation
  ],
};

const CHECKS: readonly { range: BlockedRange; list: BlockList }[] = (
  Object.keys(RANGES) as BlockedRange[]
).map((range) => {
  const list = new BlockList();
  for (const cidr of RANGES[range]) {
    const [address = '', prefix] = cidr.split('/');
    list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
  return { range, list };
});

/**
 * The kind of non-public range `address` is in, or undefined when it is a public address.
 * Throws a TypeError when `address` is not an IP address at all.
 */
export function classifyAddress(address: string): BlockedRange | undefined {
  const plain = stripZone(address);
  const family = isIP(plain);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  if (family === 6) {
    const embedded = embeddedIpv4(plain);
    if (embedded !== undefined) return classifyAddress(embedded);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return CHECKS.find(({ list }) => list.check(plain, type))?.range;
}

/** fe80::1%eth0 → fe80::1: the zone names an interface, not part of the address. */
function stripZone(address: string): string {
  const percent = address.indexOf('%');
  return percent === -1 ? address : address.slice(0, percent);
}

/** The IPv4 address an IPv6 address stands for (mapped, NAT64 or 6to4), if any. */
export function embeddedIpv4(ipv6: string): string | undefined {
  const groups = parseIpv6(ipv6);
  if (groups === undefined) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  // ::ffff:a.b.c.d, IPv4-mapped: the socket really talks IPv4 to a.b.c.d.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return quad(g6, g7);
  // 64:ff9b::a.b.c.d, the well-known NAT64 prefix.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return quad(g6, g7);
  // 2002:AABB:CCDD::/48, 6to4: the relay forwards to AA.BB.CC.DD.
  if (g0 === 0x2002) return quad(g1, g2);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (which must already pass isIP), or undefined. */
function parseIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const octets = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    tail.push((a << 8) | b, (c << 8) | d);
    text = `${text.slice(0, lastColon + 1)}0`; // a placeholder group, dropped below
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = parse(rest ?? '');
  if (tail.length > 0) (rest === undefined ? left : right).pop();
  const missing = 8 - tail.length - left.length - right.length;
  if (rest === undefined && missing !== 0) return undefined;
  const groups = [...left, ...new Array<number>(Math.max(0, missing)).fill(0), ...right, ...tail];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group)) ? groups : undefined;
}
