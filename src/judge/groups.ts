import { ArbiterError } from '../errors.js';
import { describeValue, invalidInput as invalid } from './describe-value.js';
import {
  GROUP_AGGREGATIONS,
  type GroupAggregation,
  type GroupResult,
  type TestCase,
  type TestGroup,
  type TestResult,
} from './types.js';

/**
 * Test groups (subtasks): checking a problem's groups, the order they are judged in, when the rest
 * of a group can be skipped, and the groups' scores. Pure: judge.ts runs the tests.
 *
 * Glossary: a test's *share* is the part of its points it earned, 0 to 1 (1 accepted, a custom
 * checker's partial points, 0 otherwise, skipped included). A group *passes* when every one of its
 * tests has share 1; a group *scores* only when every group it depends on passes.
 */

/** Most groups a problem may have (CMS and Kattis problems have a handful; 100 is generous). */
export const MAX_GROUPS = 100;

/** Group ids are short names a test refers to: the problem id's alphabet. */
const GROUP_ID = /^[A-Za-z0-9_.-]{1,100}$/;

const GROUP_KEYS = ['id', 'points', 'aggregation', 'dependsOn'] as const;

/** Scores are rounded to this many decimals, so 30 × 2/3 reads 20, not 20.000000000000004. */
const SCORE_DECIMALS = 6;

function describe(value: unknown): string {
  return describeValue(value, (text) => JSON.stringify(text.slice(0, 100)));
}

/**
 * Checks a problem's groups (parsed JSON) against its tests and returns them normalised; undefined
 * when the problem has none. Every refusal is INVALID_INPUT naming the field: a group without an
 * id or with points that are not a number, an unknown aggregation, a dependency on an unknown
 * group or on itself, a cycle of dependencies, a group without tests, a test in no group (or in
 * one that does not exist), and tests that name groups when the problem has none.
 */
export function parseGroups(input: unknown, tests: readonly TestCase[]): TestGroup[] | undefined {
  if (input === undefined || input === null) {
    const at = tests.findIndex((t) => t.group !== undefined);
    if (at >= 0) throw invalid(`tests[${at}].group is set, but the problem has no groups`);
    return undefined;
  }
  if (!Array.isArray(input)) throw invalid(`groups must be an array; got ${describe(input)}`);
  if (input.length === 0) throw invalid('groups is empty: give at least one group, or leave groups out');
  if (input.length > MAX_GROUPS) throw invalid(`groups has ${input.length} entries; at most ${MAX_GROUPS}`);

  const groups: TestGroup[] = [];
  const ids = new Set<string>();
  for (const [i, raw] of input.entries()) {
    const at = `groups[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalid(`${at} must be an object with id and points; got ${describe(raw)}`);
    }
    const fields = raw as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!(GROUP_KEYS as readonly string[]).includes(key)) {
        throw invalid(`${at}.${key} is not a group field (they are: ${GROUP_KEYS.join(', ')})`);
      }
    }
    const { id, points, aggregation, dependsOn } = fields;
    if (typeof id !== 'string' || !GROUP_ID.test(id)) {
      throw invalid(`${at}.id must be 1 to 100 letters, digits, "_", "." or "-"; got ${describe(id)}`);
    }
    if (ids.has(id)) throw invalid(`${at}.id ${JSON.stringify(id)} is used by an earlier group`);
    ids.add(id);
    if (typeof points !== 'number' || !Number.isFinite(points) || points < 0) {
      throw invalid(`${at}.points must be a finite number >= 0; got ${describe(points)}`);
    }
    const group: TestGroup = { id, points };
    if (aggregation !== undefined) {
      if (
        typeof aggregation !== 'string' ||
        !(GROUP_AGGREGATIONS as readonly string[]).includes(aggregation)
      ) {
        throw invalid(
          `${at}.aggregation must be one of ${GROUP_AGGREGATIONS.join(', ')}; got ${describe(aggregation)}`,
        );
      }
      group.aggregation = aggregation as GroupAggregation;
    }
    if (dependsOn !== undefined) {
      if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
        throw invalid(`${at}.dependsOn must be an array of group ids; got ${describe(dependsOn)}`);
      }
      if (dependsOn.length > MAX_GROUPS) throw invalid(`${at}.dependsOn has more than ${MAX_GROUPS} entries`);
      group.dependsOn = [...new Set(dependsOn as string[])];
    }
    groups.push(group);
  }

  for (const [i, group] of groups.entries()) {
    for (const dependency of group.dependsOn ?? []) {
      if (dependency === group.id) throw invalid(`groups[${i}] (${group.id}) depends on itself`);
      if (!ids.has(dependency)) {
        throw invalid(
          `groups[${i}].dependsOn names ${describe(dependency)}, which is not a group of this problem`,
        );
      }
    }
  }
  const cycle = findCycle(groups);
  if (cycle) throw invalid(`groups depend on each other in a cycle: ${cycle.join(' → ')}`);

  const counts = new Map<string, number>();
  for (const [i, test] of tests.entries()) {
    if (test.group === undefined) {
      throw invalid(`tests[${i}] is in no group; when a problem has groups, every test names one`);
    }
    if (!ids.has(test.group)) {
      throw invalid(`tests[${i}].group is ${describe(test.group)}, which is not a group of this problem`);
    }
    counts.set(test.group, (counts.get(test.group) ?? 0) + 1);
  }
  for (const [i, group] of groups.entries()) {
    if (!counts.has(group.id)) throw invalid(`groups[${i}] (${group.id}) has no tests`);
    const members = tests.filter((t) => t.group === group.id);
    if ((group.aggregation ?? 'sum') === 'sum' && members.every((t) => (t.weight ?? 1) === 0)) {
      throw invalid(
        `groups[${i}] (${group.id}) shares its points by the weights of its tests, and they all weigh 0`,
      );
    }
  }
  return groups;
}

/** A cycle among the dependencies, as ids from its start back to it, or null. */
function findCycle(groups: readonly TestGroup[]): string[] | null {
  const byId = new Map(groups.map((g) => [g.id, g]));
  // 0 unvisited, 1 on the current path, 2 done: a depth-first search (at most MAX_GROUPS deep).
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    const seen = state.get(id);
    if (seen === 2) return null;
    if (seen === 1) return [...path.slice(path.indexOf(id)), id];
    state.set(id, 1);
    path.push(id);
    for (const next of byId.get(id)?.dependsOn ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 2);
    return null;
  };
  for (const group of groups) {
    const cycle = visit(group.id);
    if (cycle) return cycle;
  }
  return null;
}

/** Each group after the groups it depends on, otherwise in the problem's order. */
function groupsInJudgingOrder(groups: readonly TestGroup[]): TestGroup[] {
  const done = new Set<string>();
  const ordered: TestGroup[] = [];
  while (ordered.length < groups.length) {
    // Groups are acyclic (parseGroups), so some group always has every dependency done.
    const next = groups.find((g) => !done.has(g.id) && (g.dependsOn ?? []).every((d) => done.has(d)));
    if (!next) throw new ArbiterError('INTERNAL', 'test groups depend on each other in a cycle');
    done.add(next.id);
    ordered.push(next);
  }
  return ordered;
}

/**
 * The order tests are judged in: group by group, each group after the groups it depends on (and
 * otherwise in the problem's order), each group's tests in the problem's order. Indices into tests.
 */
export function judgingOrder(groups: readonly TestGroup[], tests: readonly TestCase[]): number[] {
  return groupsInJudgingOrder(groups).flatMap((group) =>
    tests.flatMap((test, i) => (test.group === group.id ? [i] : [])),
  );
}

/**
 * Follows the judging of a problem's tests in judgingOrder and says which can be skipped: a test
 * whose group depends on a group that did not pass, or whose all-or-nothing group (min, product)
 * already has a test with share 0, can no longer change the score.
 */
export class GroupProgress {
  readonly #groupOf: (TestGroup | undefined)[];
  /** Groups with a test whose share is below 1 (or skipped): they do not pass. */
  readonly #notPassed = new Set<string>();
  /** Groups with a test whose share is 0: an all-or-nothing group among them scores 0. */
  readonly #zeroed = new Set<string>();

  constructor(groups: readonly TestGroup[], tests: readonly TestCase[]) {
    const byId = new Map(groups.map((g) => [g.id, g]));
    this.#groupOf = tests.map((t) => (t.group === undefined ? undefined : byId.get(t.group)));
  }

  /** Whether test `index` is worth judging; when it is not, it counts as skipped. */
  shouldJudge(index: number): boolean {
    const group = this.#groupOf[index];
    if (!group) return true;
    const blocked =
      (group.dependsOn ?? []).some((d) => this.#notPassed.has(d)) ||
      (group.aggregation !== undefined && group.aggregation !== 'sum' && this.#zeroed.has(group.id));
    if (blocked) this.record(index, 0);
    return !blocked;
  }

  /** Records test `index`'s share (0 to 1). */
  record(index: number, share: number): void {
    const group = this.#groupOf[index];
    if (!group) return;
    if (share < 1) this.#notPassed.add(group.id);
    if (share <= 0) this.#zeroed.add(group.id);
  }
}

/** A test result's share of its points: 1 accepted, a checker's partial points, 0 otherwise. */
export function shareOf(result: TestResult | undefined): number {
  if (!result) return 0;
  if (result.status === 'accepted') return 1;
  return result.fraction ?? 0;
}

/** A score rounded to SCORE_DECIMALS. */
export const roundScore = (value: number): number => Number(value.toFixed(SCORE_DECIMALS));

/**
 * Each group's outcome from its tests' results (results[i] is tests[i]'s; a missing one counts as
 * skipped), and the total: the groups' scores summed, out of their points.
 */
export function scoreGroups(
  groups: readonly TestGroup[],
  tests: readonly TestCase[],
  results: readonly (TestResult | undefined)[],
): { groups: GroupResult[]; score: number; maxScore: number } {
  const passed = new Set<string>();
  const outcomes = new Map<string, GroupResult>();
  for (const group of groupsInJudgingOrder(groups)) {
    const members = tests.flatMap((test, i) => (test.group === group.id ? [i] : []));
    const shares = members.map((i) => shareOf(results[i]));
    const blocked = (group.dependsOn ?? []).some((d) => !passed.has(d));
    let score = 0;
    let status: GroupResult['status'] = 'skipped';
    if (!blocked) {
      score =
        group.points *
        aggregate(
          group.aggregation ?? 'sum',
          shares,
          members.map((i) => tests[i]!.weight ?? 1),
        );
      const failing = members.find((i) => results[i]?.status !== 'accepted');
      status = failing === undefined ? 'accepted' : (results[failing]?.status ?? 'skipped');
      if (failing === undefined) passed.add(group.id);
    }
    outcomes.set(group.id, { id: group.id, points: group.points, score: roundScore(score), status });
  }
  const shown = groups.map((g) => outcomes.get(g.id)!);
  return {
    groups: shown,
    score: roundScore(shown.reduce((sum, g) => sum + g.score, 0)),
    maxScore: roundScore(groups.reduce((sum, g) => sum + g.points, 0)),
  };
}

/** A group's score as a share of its points. */
function aggregate(aggregation: GroupAggregation, shares: number[], weights: number[]): number {
  switch (aggregation) {
    case 'min':
      return Math.min(...shares);
    case 'product':
      return shares.reduce((product, s) => product * s, 1);
    case 'sum': {
      const total = weights.reduce((sum, w) => sum + w, 0);
      return total === 0 ? 0 : shares.reduce((sum, s, i) => sum + s * weights[i]!, 0) / total;
    }
  }
}
