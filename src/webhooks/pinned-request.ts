/**
 * The HTTP(S) request behind a webhook delivery, connected only to addresses the SSRF guard has
 * checked. Resolving the host again at connect time (as fetch would) opens a DNS-rebinding hole:
 * a short-TTL name answers the guard with a public address and the connection with 127.0.0.1.
 * Here the socket's `lookup` hands back the checked addresses instead, while the URL's host name
 * is still used for the Host header, TLS SNI and certificate checking.
 *
 * Redirects are never followed (node:http does not follow them); the body of the response is not
 * read, only its status and Retry-After.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface PinnedRequest {
  url: URL;
  /** Checked addresses of `url`'s host; the only ones connected to. */
  addresses: readonly string[];
  method: string;
  headers: Record<string, string>;
  body: string;
  /** From sending the request to the response's status line, in milliseconds. */
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  /** The Retry-After header, if any. */
  retryAfter: string | undefined;
}

/** Sends the request; resolves at the response's status line, rejects on network error or timeout. */
export function requestPinned(request: PinnedRequest): Promise<TransportResponse> {
  const { url } = request;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
        // A fresh connection per attempt: a pooled socket could outlive the check it was made for.
        agent: false,
        lookup: pinnedLookup(request.addresses),
      },
      (response) => {
        clearTimeout(timer);
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter });
        // Only the status matters; dropping the body keeps a slow or endless one from holding on.
        response.destroy();
      },
    );
    const timer = setTimeout(() => {
      const error = new Error(`no response within ${request.timeoutMs} ms`) as NodeJS.ErrnoException;
      error.code = 'ETIMEDOUT';
      outgoing.destroy(error);
    }, request.timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(request.body);
  });
}

/** A `lookup` for net.connect that answers with the given addresses only. */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    const wanted = familyNumber(options.family);
    const candidates = addresses
      .map((address) => ({ address, family: isIP(address) }))
      .filter((candidate) => candidate.family !== 0 && (wanted === 0 || candidate.family === wanted));
    const first = candidates[0];
    if (first === undefined) {
      const error = new Error(`no checked address of ${hostname} fits`) as NodeJS.ErrnoException;
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
    } else if (options.all === true) {
      callback(null, candidates);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

function familyNumber(family: number | string | undefined): number {
  if (family === 'IPv4' || family === 4) return 4;
  if (family === 'IPv6' || family === 6) return 6;
  return 0;
}
