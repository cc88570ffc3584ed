/**
 * In-memory run order: one FIFO lane per priority, higher priorities first. Removal (a cancel) is
 * lazy: the id is forgotten at once and its slot skipped when the lane reaches it, so every
 * operation but position() is O(1) amortised.
 */
export class PriorityLanes {
  readonly #lanes = new Map<number, { ids: string[]; head: number }>();
  #priorities: number[] = [];
  readonly #live = new Map<string, number>();
  readonly #counts = new Map<number, number>();

  get size(): number {
    return this.#live.size;
  }

  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** Adds at the back of its priority's lane; returns how many jobs run before it. */
  push(id: string, priority: number): number {
    if (this.#live.has(id)) return this.position(id)!;
    let lane = this.#lanes.get(priority);
    if (!lane) {
      lane = { ids: [], head: 0 };
      this.#lanes.set(priority, lane);
      this.#priorities = [...this.#lanes.keys()].sort((a, b) => b - a);
    }
    const ahead = this.#countAhead(priority) + (this.#counts.get(priority) ?? 0);
    lane.ids.push(id);
    this.#live.set(id, priority);
    this.#counts.set(priority, (this.#counts.get(priority) ?? 0) + 1);
    return ahead;
  }

  /** Takes the next id to run, or undefined when empty. */
  shift(): string | undefined {
    for (const priority of this.#priorities) {
      const lane = this.#lanes.get(priority)!;
      while (lane.head < lane.ids.length) {
        const id = lane.ids[lane.head++]!;
        if (this.#live.get(id) === priority) {
          this.#forget(id, priority);
          this.#compact(lane);
          return id;
        }
      }
      this.#compact(lane);
    }
    return undefined;
  }

  remove(id: string): boolean {
    const priority = this.#live.get(id);
    if (priority === undefined) return false;
    this.#forget(id, priority);
    return true;
  }

  #forget(id: string, priority: number): void {
    this.#live.delete(id);
    this.#counts.set(priority, this.#counts.get(priority)! - 1);
  }

  /** How many jobs run before `id` (0 = next), or null if it is not queued. */
  position(id: string): number | null {
    const priority = this.#live.get(id);
    if (priority === undefined) return null;
    const lane = this.#lanes.get(priority)!;
    let before = 0;
    for (let i = lane.head; i < lane.ids.length; i++) {
      const other = lane.ids[i]!;
      if (other === id) break;
      if (this.#live.get(other) === priority) before++;
    }
    return this.#countAhead(priority) + before;
  }

  #countAhead(priority: number): number {
    let n = 0;
    for (const p of this.#priorities) if (p > priority) n += this.#counts.get(p) ?? 0;
    return n;
  }

  #compact(lane: { ids: string[]; head: number }): void {
    if (lane.head > 1024 && lane.head * 2 > lane.ids.length) {
      lane.ids = lane.ids.slice(lane.head);
      lane.head = 0;
    }
  }
}
