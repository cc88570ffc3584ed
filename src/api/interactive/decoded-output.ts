// A program's streamed output as text for a client, whichever protocol carries it (native or Piston).
import { StringDecoder } from 'node:string_decoder';
import type { InteractiveHandlers } from './session.js';

export type OutputStream = 'stdout' | 'stderr';

export interface DecodedOutput {
  /** The session's output handlers: each stream decoded as UTF-8 and passed on as text. */
  handlers: Pick<InteractiveHandlers, 'onStdout' | 'onStderr'>;
  /** Passes on what the decoders still hold (an incomplete character at the end); once, after the run. */
  flush(): void;
}

/**
 * Decodes each stream on its own, across chunks: a chunk may end inside a UTF-8 character, which the
 * decoder holds back until the rest arrives. `emit` never gets an empty text.
 */
export function decodedOutput(emit: (stream: OutputStream, text: string) => void): DecodedOutput {
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const pass = (stream: OutputStream, text: string) => {
    if (text) emit(stream, text);
  };
  return {
    handlers: {
      onStdout: (chunk) => pass('stdout', decoders.stdout.write(chunk)),
      onStderr: (chunk) => pass('stderr', decoders.stderr.write(chunk)),
    },
    flush: () => {
      pass('stdout', decoders.stdout.end());
      pass('stderr', decoders.stderr.end());
    },
  };
}
