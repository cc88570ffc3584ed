import type { RunResult } from '../sandbox/run-spec.js';

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatKb(kb: number): string {
  return kb >= 1024 ? `${(kb / 1024).toFixed(1)} MiB` : `${kb} KiB`;
}

/** One line a person can read at a glance: status first, then the three measurements. */
export function verdictLine(status: string, result: RunResult | undefined): string {
  const parts = [status];
  if (result) {
    if (result.reason && result.reason !== 'exit_code') parts[0] = `${status} (${result.reason})`;
    if (result.exitCode !== null && result.exitCode !== 0) parts.push(`exit ${result.exitCode}`);
    if (result.signal !== null) parts.push(`signal ${result.signal}`);
    parts.push(
      `cpu ${formatMs(result.cpuMs)}`,
      `wall ${formatMs(result.wallMs)}`,
      `memory ${formatKb(result.memoryKb)}`,
    );
    if (result.message) parts.push(result.message);
  }
  return parts.join(' · ');
}

/** Pads columns for a plain-text table. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
