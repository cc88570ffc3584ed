/** The dashboard's snapshots of the last 15 minutes, and the per-second rates taken between them. */
import type { Snapshot } from './snapshot.js';

/** Per second, of the counter `pick`, from `then` to `now`; null without an earlier snapshot. */
export function rate(
  now: Snapshot,
  then: Snapshot | undefined,
  pick: (s: Snapshot) => number,
): number | null {
  if (!then || then === now) return null;
  return Math.max(0, pick(now) - pick(then)) / ((now.at - then.at) / 1000);
}

export class SnapshotHistory {
  #snapshots: Snapshot[] = [];

  /** Oldest first. */
  get all(): readonly Snapshot[] {
    return this.#snapshots;
  }

  get last(): Snapshot | undefined {
    return this.#snapshots.at(-1);
  }

  add(snapshot: Snapshot): void {
    this.#snapshots.push(snapshot);
  }

  /** Drops the snapshots taken before `from`. */
  dropBefore(from: number): void {
    while (this.#snapshots.length > 0 && this.#snapshots[0]!.at < from) this.#snapshots.shift();
  }

  /** The oldest snapshot no older than `spanMs`, to take a rate against. */
  ago(spanMs: number, now: number): Snapshot | undefined {
    return this.#snapshots.find((s) => s.at >= now - spanMs);
  }
}
