/** The text/event-stream format, split into events; pure, so it is tested in Node. */

export interface ServerEvent {
  event: string;
  data: string;
}

/** Splits an event stream into events; `feed` returns the complete ones and keeps the rest. */
export class EventStreamParser {
  #buffer = '';

  feed(chunk: string): ServerEvent[] {
    this.#buffer += chunk.replace(/\r\n?/g, '\n');
    const events: ServerEvent[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // a comment: the server's keep-alive
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join('\n') });
    }
    return events;
  }
}
