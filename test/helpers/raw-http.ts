// One HTTP request with exactly the headers given (fetch will not send a chosen Host, Origin or
// Sec-Fetch-*): what a browser sends from a hostile page, or a client sends that is not fetch.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  body: unknown;
}

/** Sends to 127.0.0.1:`port`, with Host 127.0.0.1:`port` unless `headers` names another. */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // The server may answer before the body is all sent (413): a write error after that is no failure.
    let answered = false;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          host: `127.0.0.1:${port}`,
          ...headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
        timeout: 60_000,
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined; // not JSON: callers read `text`
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(body);
  });
}
