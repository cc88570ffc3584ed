/** The middle value (mean of the two middle ones for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value furthest from zero, sign kept: the worst error of a set of signed errors. */
export function worst(values: readonly number[]): number {
  if (values.length === 0) throw new Error('worst of an empty list');
  return values.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
}

/** The nearest-rank percentile, p in 0..100. Throws on an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
