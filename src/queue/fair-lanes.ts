import { costKey, costRank, resolveCostOrder, RUN_COSTS, runsBefore, type RunCost } from './run-cost.js';

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
 * Within a round, cheap jobs go before compiles, each passed by at most `overtakeLimit` later jobs
 * (queue/run-cost): a round is a FIFO per cost class, each in key order (the arrival number, pushed
 * back by the limit unless cheap). The due heads are merged by key; when none is due, a moderate
 * job goes before a costly one.
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
    const entry: Entry = { id, seq, key: costKey(seq, cost, this.#overtakeLimit) };
    const target = lane.rounds[at]!;
    let ahead = this.#countAhead(priority) + this.#liveBefore(lane, priority, at);
    // The newest arrival. A cheap one goes after the round's cheap jobs and the others already due
    // (their key below its arrival number); a moderate one after all but the costly ones not yet
    // due; a costly one after the whole round. Not-yet-due entries end each FIFO, at most
    // overtakeLimit of them, so this counts from the tail.
    if (cost === 'cheap') {
      ahead += target.fifos[0]!.live;
      for (let rank = 1; rank < target.fifos.length; rank++) {
        const fifo = target.fifos[rank]!;
        ahead += fifo.live - this.#liveFrom(fifo, seq);
      }
    } else {
      ahead += liveIn(target);
      if (cost === 'moderate') ahead -= this.#liveFrom(target.fifos[2]!, seq);
    }
    const fifo = target.fifos[costRank(cost)]!;
    fifo.entries.push(entry);
    fifo.live++;
    this.#live.set(id, { priority, round, cost, entry });
    this.#counts.set(priority, (this.#counts.get(priority) ?? 0) + 1);
    return ahead;
  }

  /** Live entries of a FIFO whose key is `key` or more (a suffix: keys grow along a FIFO). */
  #liveFrom(fifo: Fifo, key: number): number {
    let n = 0;
    for (let i = fifo.entries.length - 1; i >= fifo.head; i--) {
      const other = fifo.entries[i]!;
      if (other.key < key) break;
      if (this.#isLive(other)) n++;
    }
    return n;
  }

  /** Takes the next id to run, or undefined when empty. */
  shift(): string | undefined {
    for (const priority of this.#priorities) {
      const lane = this.#lanes.get(priority)!;
      while (lane.rounds.length > 0) {
        const round = lane.rounds[0]!;
        const heads = round.fifos.map((fifo) => this.#head(fifo));
        const next = nextClass(heads, lane.seq - 1);
        if (next !== null) {
          const fifo = round.fifos[next]!;
          const { id } = fifo.entries[fifo.head++]!;
          this.#forget(id);
          return id;
        }
        this.#nextRound(lane);
      }
    }
    return undefined;
  }

  /**
   * Moves a waiting job to another cost class, keeping its arrival number: its key is what it would
   * have been had it arrived in that class, so the overtake bound still counts from its arrival.
   * O(round) by the sorted insert; the queue calls it only when an estimate changed.
   */
  reclass(id: string, cost: RunCost): void {
    const live = this.#live.get(id);
    if (!live || live.cost === cost) return;
    const lane = this.#lanes.get(live.priority)!;
    const round = lane.rounds[live.round - lane.base]!;
    round.fifos[costRank(live.cost)]!.live--;
    const { seq } = live.entry;
    const entry: Entry = { id, seq, key: costKey(seq, cost, this.#overtakeLimit) };
    const fifo = round.fifos[costRank(cost)]!;
    let at = fifo.entries.length;
    while (at > fifo.head && fifo.entries[at - 1]!.key > entry.key) at--;
    fifo.entries.splice(at, 0, entry);
    fifo.live++;
    this.#live.set(id, { ...live, cost, entry });
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
    const last = lane.seq - 1;
    const self = { key: live.entry.key, rank: costRank(live.cost) };
    for (const [rank, fifo] of lane.rounds[at]!.fifos.entries()) {
      for (let i = fifo.head; i < fifo.entries.length; i++) {
        const other = fifo.entries[i]!;
        if (other.id === id || !this.#isLive(other)) continue;
        if (runsBefore({ key: other.key, rank }, self, last)) before++;
      }
    }
    return before;
  }

  /** The first live entry of a FIFO of the round being served, skipping removed ones. */
  #head(fifo: Fifo): Entry | undefined {
    while (fifo.head < fifo.entries.length) {
      const entry = fifo.entries[fifo.head]!;
      if (this.#isLive(entry)) return entry;
      fifo.head++;
    }
    return undefined;
  }

  /** Whether an entry is its id's current place (not removed, nor pushed or reclassed elsewhere since). */
  #isLive(entry: Entry): boolean {
    return this.#live.get(entry.id)?.entry === entry;
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
    lane.rounds[round - lane.base]!.fifos[costRank(cost)]!.live--;
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

const newRound = (): Round => ({ fifos: RUN_COSTS.map(() => ({ entries: [], head: 0, live: 0 })) });

const liveIn = (round: Round): number => round.fifos.reduce((n, fifo) => n + fifo.live, 0);

/** Which class's head runs next (an index into `heads`, by rank), or null when all are empty. */
function nextClass(heads: readonly (Entry | undefined)[], last: number): number | null {
  let best: number | null = null;
  for (const [rank, head] of heads.entries()) {
    if (!head) continue;
    if (best === null || runsBefore({ key: head.key, rank }, { key: heads[best]!.key, rank: best }, last))
      best = rank;
  }
  return best;
}

interface Live {
  priority: number;
  round: number;
  cost: RunCost;
  /** Its entry (arrival number, key) in its class's FIFO: any other entry with its id is a stale place, skipped. */
  entry: Entry;
}

interface Entry {
  id: string;
  /** Arrival number within the priority. */
  seq: number;
  /** Order within the round: seq for a cheap job, seq + overtakeLimit for the others (costKey). */
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
  /** One FIFO per cost class, by rank: cheap, moderate, costly. */
  fifos: Fifo[];
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
