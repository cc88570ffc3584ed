/** One server-sent event. */
export interface SseEvent {
  /** The event name; "message" when the server named none. */
  event: string;
  /** The data lines, joined with "\n". */
  data: string;
  id?: string;
}

/**
 * Reads a text/event-stream body as events (the WHATWG format: `field: value` lines, a blank line
 * ends an event, lines starting with ":" are comments such as keep-alives). Works on any
 * ReadableStream of bytes, so it runs on fetch in Node and in browsers alike. Ends when the
 * stream ends; stopping early (break, return) cancels the stream.
 */
export async function* readSse(stream: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      yield* parser.push(text);
      if (done) return;
    }
  } finally {
    // Cancelling ends the connection when the consumer stopped before the stream's end.
    reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The line-level state machine, separate from I/O so it can be tested with plain strings. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  /** Feeds more text; returns the events it completed. */
  push(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone "\r" at the end may be the first half of "\r\n": wait for more.
      if (!match || (match[0] === '\r' && match.index === this.#buffer.length - 1)) break;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | null {
    if (line === '') {
      if (this.#data.length === 0 && this.#event === '') return null;
      const event: SseEvent = { event: this.#event || 'message', data: this.#data.join('\n') };
      if (this.#id !== undefined) event.id = this.#id;
      this.#event = '';
      this.#data = [];
      return event;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id') this.#id = value;
    return null;
  }
}
