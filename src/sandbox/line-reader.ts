import type { Readable } from 'node:stream';

/**
 * Splits a stream into lines and hands them out one `next()` at a time, in order. Used for the
 * supervisor's reports, which arrive one line per run.
 */
export class LineReader {
  #buffer = '';
  #lines: string[] = [];
  #waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  #ended: Error | null = null;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        const waiter = this.#waiting.shift();
        if (waiter) waiter.resolve(line);
        else this.#lines.push(line);
      }
    });
    stream.on('end', () => this.fail(new Error('stream ended')));
    stream.on('error', (error) => this.fail(error));
  }

  /** Rejects every pending and future `next()` with `error`. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }
}
