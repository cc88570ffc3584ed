/** Number formats shared by the bench's tables. */

/** Runs per second: one decimal below 100/s, where it still matters, grouped thousands above. */
export function formatRate(perSecond: number): string {
  return perSecond < 100 ? `${perSecond.toFixed(1)}/s` : `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** A signed value with its unit, "+0.42 ms" or "-1.3%", so that direction is never ambiguous. */
export function formatSigned(value: number, digits: number, unit: string): string {
  const sign = value > 0 ? '+' : value < 0 ? '-' : '±';
  return `${sign}${Math.abs(value).toFixed(digits)}${unit}`;
}

export const verdict = (met: boolean): string => (met ? 'PASS' : 'MISS');
