/** The editor's status line (#status): what is happening, and its state for styling and tests. */
import { byId } from '../shared/by-id.js';

export type StatusState = 'idle' | 'queued' | 'running' | 'done' | 'error';

export function say(text: string, state: StatusState = 'idle'): void {
  const line = byId('status');
  line.textContent = text;
  line.dataset.state = state;
}
