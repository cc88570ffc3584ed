/**
 * Server-sent events read with fetch rather than EventSource, because EventSource cannot send the
 * Authorization header an API key needs.
 */
import { authHeaders, errorFrom } from './api.js';
import { EventStreamParser, type ServerEvent } from './sse-parser.js';

/**
 * Reads the stream at `path`, calling `onEvent` for each event, until the server ends it or
 * `signal` aborts. Throws an ApiError when the server refuses the stream.
 */
export async function readEventStream(
  path: string,
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal });
  if (!response.ok) throw await errorFrom(response);
  if (!response.body) throw new Error('the event stream has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new EventStreamParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    for (const event of parser.feed(value)) onEvent(event);
  }
}
