import { resolveCostOrder, type RunCost } from './run-cost.js';

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
 * Within a round, cheap jobs go before costly ones (a compile), each costly job passed by at most
 * `overtakeLimit` later jobs (queue/run-cost): a round is two FIFOs, merged by arrival number with
 * the costly ones' numbers pushed back by the limit.
 *
 * Removal (a cancel) is lazy: the id is forgotten at once and its slot skipped when its round is
 * reached. push and shift cost O(rounds ahead) at worst, O(1) in a class; position() is O(n).
 */
export class FairLanes {
  readonly #lanes = new Map<number, Lane>();
  /** Priorities with a lane, highest first. */
  #priorities: number[] = [];
  /** Every waiting id: its priority, round and place in the round's order. */
  readonly #live = new Map<string, Live>();
  readonly #counts = new Map<number, number>();
  readonly #overtakeLimit: number;

  /** `overtakeLimit`: at most this many later jobs pass a costly one (queue/run-cost). */
  constructor(options: { overtakeLimit?: number } = {}) {
    this.#overtakeLimit = resolveCostOrder(options).overtakeLimit;
  }

  get size(): number {
    return this.#live.size;
  }

  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** Adds a job of `submitter` at `priority`; returns how many jobs run before it. */
  push(id: string, priority: number, submitter: string, cost: RunCost = 'cheap'): number {
    if (this.#live.has(id)) return this.position(id)!;
    const lane = this.#lane(priority);
    const round = Math.max(lane.next.get(submitter) ?? lane.base, lane.base);
    lane.next.set(submitter, round + 1);
    const at = round - lane.base;
    while (lane.rounds.length <= at) lane.rounds.push(newRound());
    const seq = lane.seq++;
    const entry: Entry = { id, seq, key: cost === 'costly' ? seq + this.#overtakeLimit : seq };
    const target = lane.rounds[at]!;
    let ahead = this.#countAhead(priority) + this.#liveBefore(lane, priority, at);
    // The newest arrival: a costly one goes after the whole round, a cheap one after the round's
    // cheap jobs and the costly ones already due (their key below its arrival number).
    if (cost === 'costly') ahead += liveIn(target);
    else {
      ahead += target.cheap.live;
      for (let i = target.costly.head; i < target.costly.entries.length; i++) {
        const other = target.costly.entries[i]!;
        if (other.key >= seq) break;
        if (this.#isLive(other, priority, round)) ahead++;
      }
    }
    const fifo = cost === 'costly' ? target.costly : target.cheap;
    fifo.entries.push(entry);
    fifo.live++;
    this.#live.set(id, { priority, round, seq, key: entry.key, cost });
    this.#counts.set(priority, (this.#counts.get(priority) ?? 0) + 1);
    return ahead;
  }

  /** Takes the next id to run, or undefined when empty. */
  shift(): string | undefined {
    for (const priority of this.#priorities) {
      const lane = this.#lanes.get(priority)!;
      while (lane.rounds.length > 0) {
        const round = lane.rounds[0]!;
        const cheap = this.#head(round.cheap, priority, lane.base);
        const costly = this.#head(round.costly, priority, lane.base);
        // On equal keys the cheap job goes first: a costly one is passed by `overtakeLimit` jobs.
        const fifo =
          cheap && (!costly || cheap.key <= costly.key) ? round.cheap : costly ? round.costly : null;
        if (fifo) {
          const { id } = fifo.entries[fifo.head++]!;
          this.#forget(id);
          return id;
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
    let before = this.#countAhead(live.priority) + this.#liveBefore(lane, live.priority, at);
    const round = lane.rounds[at]!;
    for (const fifo of [round.cheap, round.costly]) {
      for (let i = fifo.head; i < fifo.entries.length; i++) {
        const other = fifo.entries[i]!;
        if (other.id === id || !this.#isLive(other, live.priority, live.round)) continue;
        if (other.key < live.key || (other.key === live.key && fifo === round.cheap)) before++;
      }
    }
    return before;
  }

  /** The first live entry of a FIFO of the round being served, skipping removed ones. */
  #head(fifo: Fifo, priority: number, round: number): Entry | undefined {
    while (fifo.head < fifo.entries.length) {
      const entry = fifo.entries[fifo.head]!;
      if (this.#isLive(entry, priority, round)) return entry;
      fifo.head++;
    }
    return undefined;
  }

  /** Whether an entry is its id's current place (not removed, nor pushed again elsewhere since). */
  #isLive(entry: Entry, priority: number, round: number): boolean {
    const live = this.#live.get(entry.id);
    return live?.priority === priority && live.round === round && live.seq === entry.seq;
  }

  #lane(priority: number): Lane {
    let lane = this.#lanes.get(priority);
    if (!lane) {
      lane = { rounds: [], base: 0, next: new Map(), seq: 0 };
      this.#lanes.set(priority, lane);
      this.#priorities = [...this.#lanes.keys()].sort((a, b) => b - a);
    }
    return lane;
  }

  #forget(id: string): void {
    const { priority, round, cost } = this.#live.get(id)!;
    this.#live.delete(id);
    const lane = this.#lanes.get(priority)!;
    const inRound = lane.rounds[round - lane.base]!;
    (cost === 'costly' ? inRound.costly : inRound.cheap).live--;
    this.#counts.set(priority, this.#counts.get(priority)! - 1);
  }

  /** The current round is spent: serve the next, and forget submitters with nothing left ahead. */
  #nextRound(lane: Lane): void {
    lane.rounds.shift();
    lane.base++;
    for (const [submitter, next] of lane.next) if (next <= lane.base) lane.next.delete(submitter);
  }

  /**
   * Live jobs in the rounds before index `at` of `priority`'s lane, counted from whichever end is
   * nearer (the lane's total less the rounds from `at` on): a submitter with thousands of jobs
   * waiting adds each to a round near the end, and counting from the front made every push O(n).
   */
  #liveBefore(lane: Lane, priority: number, at: number): number {
    const { rounds } = lane;
    let n = 0;
    if (at <= rounds.length - at) {
      for (let i = 0; i < at; i++) n += liveIn(rounds[i]!);
      return n;
    }
    for (let i = at; i < rounds.length; i++) n += liveIn(rounds[i]!);
    return (this.#counts.get(priority) ?? 0) - n;
  }

  #countAhead(priority: number): number {
    let n = 0;
    for (const p of this.#priorities) if (p > priority) n += this.#counts.get(p) ?? 0;
    return n;
  }
}

const newRound = (): Round => ({
  cheap: { entries: [], head: 0, live: 0 },
  costly: { entries: [], head: 0, live: 0 },
});

const liveIn = (round: Round): number => round.cheap.live + round.costly.live;

interface Live {
  priority: number;
  round: number;
  seq: number;
  key: number;
  cost: RunCost;
}

interface Entry {
  id: string;
  /** Arrival number within the priority. */
  seq: number;
  /** Order within the round: seq for a cheap job, seq + overtakeLimit for a costly one. */
  key: number;
}

/** One class of a round, in arrival order (so in key order); removed entries are skipped lazily. */
interface Fifo {
  entries: Entry[];
  /** Next index to look at. */
  head: number;
  /** Live ids in `entries`. */
  live: number;
}

interface Round {
  cheap: Fifo;
  costly: Fifo;
}

interface Lane {
  /** Waiting jobs by round, the round being served first. */
  rounds: Round[];
  /** Round number of rounds[0], the round being served. */
  base: number;
  /** Each submitter with jobs ahead: the round its next job goes into. */
  next: Map<string, number>;
  /** The next arrival number. */
  seq: number;
}
