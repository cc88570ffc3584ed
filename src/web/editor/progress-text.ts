/** The status line while a submission is followed: its place in the queue, then running. */

/** Null for a status with nothing to say until the verdict. */
export function progressText(
  status: string,
  position?: number,
): [text: string, state: 'queued' | 'running'] | null {
  if (status === 'queued')
    return [
      position === undefined || position <= 0
        ? 'Queued: next in line.'
        : `Queued: position ${position + 1} (${position} ahead).`,
      'queued',
    ];
  if (status === 'running') return ['Running…', 'running'];
  return null;
}
