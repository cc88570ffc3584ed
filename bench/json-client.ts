import http from 'node:http';

/**
 * The bench's HTTP client: node:http over one keep-alive agent. The bench shares the machine's
 * cores with the server and the programs it runs, so its own cost per request is taken from what
 * it measures; fetch spends about four times the CPU per request of this (measured on this machine:
 * 156-661 us against 35-193 us), enough to move the end-to-end figure by a tenth.
 */
export class JsonClient {
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #base: URL;

  constructor(
    baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {
    this.#base = new URL(baseUrl);
  }

  /** `extra` headers go on this request only (a student's session cookie). */
  request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { ...this.headers, ...extra };
    if (payload === undefined) delete headers['content-type'];
    else {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.#base.hostname, port: this.#base.port, path, method, agent: this.#agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
            } catch {
              reject(
                new Error(
                  `${method} ${path}: HTTP ${res.statusCode} answered with no JSON: ${text.slice(0, 300)}`,
                ),
              );
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
