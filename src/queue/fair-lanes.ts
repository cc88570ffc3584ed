/**
 * In-memory run order of the embedded queue: higher priorities first and, within a priority, fair
 * between submitters (a key and user, a key, a browser session or an address: store/types).
 *
 * Fairness is by rounds. A submitter's first waiting job goes into the round being served now, its
 * second into the next round, and so on; rounds run in order and a round in arrival order. So one
 * student's tenth resubmission waits behind every other student's first, and a script that got
 * 30 jobs past the rate limits delays a class that submits after it by at most one job, not 30.
 * A submitter that arrives late joins the current round: nobody waits behind the backlog of
 * someone else. A submitter with only one job at a time sees plain FIFO.
 *
 * Removal (a cancel) is lazy: the id is forgotten at once and its slot skipped when its round is
 * reached. push and shift cost O(rounds ahead) at worst, O(1) in a class; position() is O(n).
 */
export class FairLanes {
  readonly #lanes = new Map<number, Lane>();
  /** Priorities with a lane, highest first. */
  #priorities: number[] = [];
  /** Every waiting id: its priority and round. */
  readonly #live = new Map<string, { priority: number; round: number }>();
  readonly #counts = new Map<number, number>();

  get size(): number {
    return this.#live.size;
  }

  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** Adds a job of `submitter` at `priority`; returns how many jobs run before it. */
  push(id: string, priority: number, submitter: string): number {
    if (this.#live.has(id)) return this.position(id)!;
    const lane = this.#lane(priority);
    const round = Math.max(lane.next.get(submitter) ?? lane.base, lane.base);
    lane.next.set(submitter, round + 1);
    const at = round - lane.base;
    while (lane.rounds.length <= at) {
      lane.rounds.push([]);
      lane.liveInRound.push(0);
    }
    let ahead = this.#countAhead(priority);
    for (let i = 0; i <= at; i++) ahead += lane.liveInRound[i]!;
    lane.rounds[at]!.push(id);
    lane.liveInRound[at]!++;
    this.#live.set(id, { priority, round });
    this.#counts.set(priority, (this.#counts.get(priority) ?? 0) + 1);
    return ahead;
  }

  /** Takes the next id to run, or undefined when empty. */
  shift(): string | undefined {
    for (const priority of this.#priorities) {
      const lane = this.#lanes.get(priority)!;
      while (lane.rounds.length > 0) {
        const round = lane.rounds[0]!;
        while (lane.head < round.length) {
          const id = round[lane.head++]!;
          const live = this.#live.get(id);
          if (live?.priority === priority && live.round === lane.base) {
            this.#forget(id);
            return id;
          }
        }
        this.#nextRound(lane);
      }
    }
    return undefined;
  }

  remove(id: string): boolean {
    if (!this.#live.has(id)) return false;
    this.#forget(id);
    return true;
  }

  /** How many jobs run before `id` (0 = next), or null if it is not queued. */
  position(id: string): number | null {
    const live = this.#live.get(id);
    if (live === undefined) return null;
    const lane = this.#lanes.get(live.priority)!;
    const at = live.round - lane.base;
    let before = this.#countAhead(live.priority);
    for (let i = 0; i < at; i++) before += lane.liveInRound[i]!;
    const round = lane.rounds[at]!;
    for (let i = at === 0 ? lane.head : 0; i < round.length; i++) {
      const other = round[i]!;
      if (other === id) break;
      const state = this.#live.get(other);
      if (state?.priority === live.priority && state.round === live.round) before++;
    }
    return before;
  }

  #lane(priority: number): Lane {
    let lane = this.#lanes.get(priority);
    if (!lane) {
      lane = { rounds: [], liveInRound: [], base: 0, head: 0, next: new Map() };
      this.#lanes.set(priority, lane);
      this.#priorities = [...this.#lanes.keys()].sort((a, b) => b - a);
    }
    return lane;
  }

  #forget(id: string): void {
    const { priority, round } = this.#live.get(id)!;
    this.#live.delete(id);
    const lane = this.#lanes.get(priority)!;
    lane.liveInRound[round - lane.base]!--;
    this.#counts.set(priority, this.#counts.get(priority)! - 1);
  }

  /** The current round is spent: serve the next, and forget submitters with nothing left ahead. */
  #nextRound(lane: Lane): void {
    lane.rounds.shift();
    lane.liveInRound.shift();
    lane.base++;
    lane.head = 0;
    for (const [submitter, next] of lane.next) if (next <= lane.base) lane.next.delete(submitter);
  }

  #countAhead(priority: number): number {
    let n = 0;
    for (const p of this.#priorities) if (p > priority) n += this.#counts.get(p) ?? 0;
    return n;
  }
}

interface Lane {
  /** Waiting ids by round, the current round first (removed ones are skipped lazily). */
  rounds: string[][];
  /** Live ids in each round of `rounds`. */
  liveInRound: number[];
  /** Round number of rounds[0], the round being served. */
  base: number;
  /** Next index to look at in rounds[0]. */
  head: number;
  /** Each submitter with jobs ahead: the round its next job goes into. */
  next: Map<string, number>;
}
