/**
 * The SSRF guard for callbackUrl: a webhook is a request Arbiter makes on a user's behalf, so
 * without this a user could make the server call its own admin ports, the cloud metadata service
 * (169.254.169.254, which hands out credentials) or anything else on the internal network.
 *
 * A target is refused unless it is http(s), carries no credentials, and every address its host
 * resolves to is public. Checking every address defeats the DNS-rebinding trick of answering with
 * one public and one private address. The operator's allowlist (host names, IPs or CIDRs) lets
 * chosen internal targets through.
 *
 * Pure parts (`parseWebhookUrl`, `compileWebhookAllowlist`, `checkTargetAddresses`) are split
 * from the one DNS call in `checkWebhookTarget`.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ArbiterError } from '../errors.js';
import { classifyAddress } from './address-ranges.js';

/** Resolves a host name to all its IP addresses. */
export type ResolveHost = (host: string) => Promise<string[]>;

export interface WebhookTargetOptions {
  /**
   * Host names, IP addresses or CIDRs (10.1.0.0/16, fd00::/8) allowed even though they are not
   * public. A host name allows whatever it resolves to. Default: none.
   */
  allowlist?: readonly string[];
  /** DNS resolution; default `dns.promises.lookup(host, { all: true })`. Tests inject their own. */
  resolve?: ResolveHost;
}

export interface CheckedWebhookTarget {
  url: URL;
  /** Every address the host resolved to, all checked; connect only to these. */
  addresses: string[];
}

/** An allowlist parsed once. */
export interface WebhookAllowlist {
  hosts: ReadonlySet<string>;
  addresses: BlockList;
}

const HOW_TO_ALLOW = 'add the host, the address or a CIDR covering it to the webhook allowlist';

/** Checks `url` and every address its host resolves to; throws WEBHOOK_TARGET_REFUSED or _UNRESOLVED. */
export async function checkWebhookTarget(
  url: string,
  options: WebhookTargetOptions = {},
): Promise<CheckedWebhookTarget> {
  return checkCompiledTarget(url, compileWebhookAllowlist(options.allowlist ?? []), options.resolve);
}

/** `checkWebhookTarget` with an allowlist compiled once, for callers that check many times. */
export async function checkCompiledTarget(
  url: string,
  allowlist: WebhookAllowlist,
  resolve: ResolveHost = resolveAll,
): Promise<CheckedWebhookTarget> {
  const parsed = parseWebhookUrl(url);
  const host = bareHost(parsed);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new ArbiterError('WEBHOOK_TARGET_UNRESOLVED', `webhook host ${host} did not resolve`, {
        cause: error,
      });
    }
    if (addresses.length === 0) {
      throw new ArbiterError('WEBHOOK_TARGET_UNRESOLVED', `webhook host ${host} resolved to no address`);
    }
  }
  checkTargetAddresses(parsed, addresses, allowlist);
  return { url: parsed, addresses };
}

/** Parses a callbackUrl and refuses schemes other than http(s) and embedded credentials. */
export function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ArbiterError('WEBHOOK_TARGET_REFUSED', 'webhook URL is not a valid absolute URL', {
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ArbiterError(
      'WEBHOOK_TARGET_REFUSED',
      `webhook URL must use http or https, not ${parsed.protocol.slice(0, -1)}`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // The message names the origin only: never echo a password back.
    throw new ArbiterError(
      'WEBHOOK_TARGET_REFUSED',
      `webhook URL for ${parsed.origin} must not contain credentials; authenticate the request ` +
        'with the X-Arbiter-Signature header instead',
    );
  }
  return parsed;
}

/** Refuses unless the host is allowlisted or every address is public or allowlisted. */
export function checkTargetAddresses(
  url: URL,
  addresses: readonly string[],
  allowlist: WebhookAllowlist,
): void {
  const host = bareHost(url);
  if (allowlist.hosts.has(normalizeHostName(host))) return;
  for (const address of addresses) {
    const plain = address.split('%')[0] ?? ''; // fe80::1%eth0: the zone is not part of the address
    const family = isIP(plain);
    if (family === 0) {
      throw new ArbiterError(
        'WEBHOOK_TARGET_REFUSED',
        `webhook host ${host} resolved to a non-IP "${address}"`,
      );
    }
    const range = classifyAddress(plain);
    if (range === undefined) continue;
    if (allowlist.addresses.check(plain, family === 4 ? 'ipv4' : 'ipv6')) continue;
    const via = host === address ? '' : ` resolves to ${address}, which`;
    throw new ArbiterError(
      'WEBHOOK_TARGET_REFUSED',
      `webhook target ${host}${via} is a ${range} address, and webhooks may only call public ` +
        `addresses; to allow it, ${HOW_TO_ALLOW}`,
    );
  }
}

/**
 * Parses allowlist entries: `host.example`, `10.0.0.5`, `[fd00::5]`, `10.1.0.0/16`, `fd00::/8`.
 * A malformed entry is refused (INVALID_INPUT) naming it, so a typo never silently allows nothing.
 */
export function compileWebhookAllowlist(entries: readonly string[]): WebhookAllowlist {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const slash = entry.indexOf('/');
    const address = stripBrackets(slash === -1 ? entry : entry.slice(0, slash));
    const family = isIP(address);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash !== -1) {
      const prefix = Number(entry.slice(slash + 1));
      const maxPrefix = family === 4 ? 32 : 128;
      if (family === 0 || !/^\d+$/.test(entry.slice(slash + 1)) || prefix > maxPrefix) {
        throw new ArbiterError('INVALID_INPUT', `webhook allowlist entry "${raw}" is not a valid CIDR`);
      }
      addresses.addSubnet(address, prefix, type);
    } else if (family !== 0) {
      addresses.addAddress(address, type);
    } else if (/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(entry)) {
      hosts.add(normalizeHostName(entry));
    } else {
      throw new ArbiterError(
        'INVALID_INPUT',
        `webhook allowlist entry "${raw}" is not a host name, an IP address or a CIDR`,
      );
    }
  }
  return { hosts, addresses };
}

async function resolveAll(host: string): Promise<string[]> {
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}

/** The URL's host without IPv6 brackets: [::1] → ::1. */
function bareHost(url: URL): string {
  return stripBrackets(url.hostname);
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** example.com. and example.com are the same host. */
function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}
