/** How both pages show numbers and verdicts. */

/** Every submission status the API uses (DESIGN.md), with the words a person reads. */
export const STATUS_LABELS: Readonly<Record<string, string>> = {
  queued: 'Queued',
  running: 'Running',
  accepted: 'Accepted',
  wrong_answer: 'Wrong answer',
  compilation_error: 'Compilation error',
  runtime_error: 'Runtime error',
  time_limit_exceeded: 'Time limit exceeded',
  memory_limit_exceeded: 'Memory limit exceeded',
  output_limit_exceeded: 'Output limit exceeded',
  cancelled: 'Cancelled',
  internal_error: 'Internal error',
  // A test's verdict only: not judged, as its group could no longer score.
  skipped: 'Skipped',
};

export type Tone = 'good' | 'bad' | 'warn' | 'neutral';

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

export function statusTone(status: string): Tone {
  if (status === 'accepted') return 'good';
  if (status === 'queued' || status === 'running' || status === 'cancelled' || status === 'skipped')
    return 'neutral';
  if (status === 'internal_error') return 'warn';
  return 'bad';
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

export function formatKb(kb: number | null | undefined): string {
  if (kb === null || kb === undefined || !Number.isFinite(kb)) return '–';
  if (kb >= 1024 * 1024) return `${(kb / 1024 / 1024).toFixed(1)} GiB`;
  if (kb >= 1024) return `${(kb / 1024).toFixed(1)} MiB`;
  return `${Math.round(kb)} KiB`;
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)} %`;
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Shows "… wait N s …" counting down once a second, then calls `done`. Returns a function that
 * stops it early.
 */
export function countdown(seconds: number, render: (left: number) => void, done: () => void): () => void {
  let left = Math.max(1, Math.ceil(seconds));
  render(left);
  const timer = setInterval(() => {
    left -= 1;
    if (left <= 0) {
      clearInterval(timer);
      done();
    } else render(left);
  }, 1000);
  return () => clearInterval(timer);
}
