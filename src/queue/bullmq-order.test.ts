// The scale-out order scheme's pure parts: BullMQ priority numbers and the order a group is added in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laneOf, orderGroup, parseDueMember, toBullPriority, type Arrival } from './bullmq-order.js';

test('priority numbers: a higher priority first, then the fair rank, then cheap before costly', () => {
  assert.ok(toBullPriority(5, 9, true) < toBullPriority(1, 0, false), 'priority first');
  assert.ok(toBullPriority(1, 0, true) < toBullPriority(1, 1, false), 'rank before class');
  assert.ok(toBullPriority(1, 0, false) < toBullPriority(1, 0, true), 'cheap before costly');
  assert.ok(toBullPriority(0, 5_000, true) < 2 ** 21, "within BullMQ's range, a huge rank clamped");
});

test('a group in the order the embedded lanes run it; a costly job due within its group is added cheap', () => {
  const arrivals: Arrival<string>[] = ['c1', 'p1', 'p2', 'p3', 'p4', 'j1', 'p5'].map((name, i) => ({
    item: name,
    id: `id-${name}`,
    priority: 1,
    rank: 0,
    seq: i + 1,
    costly: name[0] !== 'p',
  }));
  const ordered = orderGroup(arrivals, 2, new Map([[laneOf(1), 7]]));
  assert.deepEqual(
    ordered.map((job) => job.item),
    ['p1', 'p2', 'c1', 'p3', 'p4', 'p5', 'j1'],
  );
  const c1 = ordered.find((job) => job.item === 'c1')!;
  assert.equal(c1.due, null, 'c1 is due already (key 3 < last arrival 7): added in the cheap class');
  assert.equal(c1.bullPriority, toBullPriority(1, 0, false));
  const j1 = ordered.find((job) => job.item === 'j1')!;
  assert.equal(j1.bullPriority, toBullPriority(1, 0, true), 'j1 (key 8) stays costly');
  assert.deepEqual(j1.due && { ...j1.due, member: parseDueMember(j1.due.member) }, {
    lane: laneOf(1),
    key: 8,
    member: { promotedTo: toBullPriority(1, 0, false), id: 'id-j1' },
  });
});
