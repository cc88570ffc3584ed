// The scale-out order scheme's pure parts: BullMQ priority numbers and the order a group is added in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laneOf, orderGroup, parseDueMember, toBullPriority, type Arrival } from './bullmq-order.js';

test('priority numbers: a higher priority first, then the fair rank, then cheap, moderate, costly', () => {
  assert.ok(toBullPriority(5, 9, 'costly') < toBullPriority(1, 0, 'cheap'), 'priority first');
  assert.ok(toBullPriority(1, 0, 'costly') < toBullPriority(1, 1, 'cheap'), 'rank before class');
  assert.ok(toBullPriority(1, 0, 'cheap') < toBullPriority(1, 0, 'moderate'), 'cheap before moderate');
  assert.ok(toBullPriority(1, 0, 'moderate') < toBullPriority(1, 0, 'costly'), 'moderate before costly');
  assert.ok(toBullPriority(0, 5_000, 'costly') < 2 ** 21, "within BullMQ's range, a huge rank clamped");
  assert.ok(toBullPriority(0, 0, 'cheap') >= 1, 'BullMQ priorities start at 1');
});

test('a group in the order the embedded lanes run it; a costly job due within its group is added cheap', () => {
  const arrivals: Arrival<string>[] = ['c1', 'p1', 'p2', 'p3', 'p4', 'j1', 'p5'].map((name, i) => ({
    item: name,
    id: `id-${name}`,
    priority: 1,
    rank: 0,
    seq: i + 1,
    cost: name[0] === 'p' ? 'cheap' : 'costly',
  }));
  const ordered = orderGroup(arrivals, 2, new Map([[laneOf(1), 7]]));
  assert.deepEqual(
    ordered.map((job) => job.item),
    ['p1', 'p2', 'c1', 'p3', 'p4', 'p5', 'j1'],
  );
  const c1 = ordered.find((job) => job.item === 'c1')!;
  assert.equal(c1.due, null, 'c1 is due already (key 3 < last arrival 7): added in the cheap class');
  assert.equal(c1.bullPriority, toBullPriority(1, 0, 'cheap'));
  const j1 = ordered.find((job) => job.item === 'j1')!;
  assert.equal(j1.bullPriority, toBullPriority(1, 0, 'costly'), 'j1 (key 8) stays costly');
  assert.deepEqual(j1.due && { ...j1.due, member: parseDueMember(j1.due.member) }, {
    lane: laneOf(1),
    key: 8,
    member: { promotedTo: toBullPriority(1, 0, 'cheap'), id: 'id-j1' },
  });
});

test('jobs not due yet: a quick compile (moderate) is added ahead of a slow one that came before it', () => {
  const costs = { j: 'costly', c: 'moderate', p: 'cheap' } as const;
  const arrivals: Arrival<string>[] = ['j1', 'c1', 'p1', 'c2'].map((name, i) => ({
    item: name,
    id: `id-${name}`,
    priority: 1,
    rank: 0,
    seq: i + 1,
    cost: costs[name[0] as keyof typeof costs],
  }));
  // Limit 3: keys j1 4, c1 5, p1 3, c2 7; the last arrival is 4, so none of the compiles is due.
  const ordered = orderGroup(arrivals, 3, new Map([[laneOf(1), 4]]));
  assert.deepEqual(
    ordered.map((job) => job.item),
    ['p1', 'c1', 'c2', 'j1'],
  );
  const priorities = Object.fromEntries(ordered.map((job) => [job.item, job.bullPriority]));
  assert.equal(priorities.c1, toBullPriority(1, 0, 'moderate'));
  assert.equal(priorities.j1, toBullPriority(1, 0, 'costly'));
  for (const name of ['c1', 'c2', 'j1'])
    assert.equal(
      parseDueMember(ordered.find((job) => job.item === name)!.due!.member).promotedTo,
      toBullPriority(1, 0, 'cheap'),
      `${name} is promoted into the cheap class once due`,
    );
});
