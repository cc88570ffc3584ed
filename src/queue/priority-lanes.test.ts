import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PriorityLanes } from './priority-lanes.js';

test('higher priorities run first, FIFO within a priority', () => {
  const lanes = new PriorityLanes();
  assert.equal(lanes.push('a', 1), 0);
  assert.equal(lanes.push('b', 1), 1);
  assert.equal(lanes.push('urgent', 5), 0, 'jumps ahead of both');
  assert.equal(lanes.push('c', 1), 3);
  assert.deepEqual(
    [lanes.shift(), lanes.shift(), lanes.shift(), lanes.shift(), lanes.shift()],
    ['urgent', 'a', 'b', 'c', undefined],
  );
});

test('positions follow removals and arrivals', () => {
  const lanes = new PriorityLanes();
  for (const id of ['a', 'b', 'c', 'd']) lanes.push(id, 0);
  assert.equal(lanes.position('d'), 3);
  assert.ok(lanes.remove('b'));
  assert.equal(lanes.position('d'), 2);
  lanes.push('vip', 9);
  assert.equal(lanes.position('d'), 3);
  assert.equal(lanes.position('vip'), 0);
  assert.equal(lanes.position('b'), null);
  assert.equal(lanes.size, 4);
  assert.equal(lanes.remove('b'), false, 'removing twice is a no-op');
});

test('a removed job is skipped, never handed out', () => {
  const lanes = new PriorityLanes();
  lanes.push('a', 0);
  lanes.push('b', 0);
  lanes.remove('a');
  assert.equal(lanes.shift(), 'b');
  assert.equal(lanes.shift(), undefined);
  assert.equal(lanes.size, 0);
});

test('long runs stay in order across internal compaction', () => {
  const lanes = new PriorityLanes();
  const taken: string[] = [];
  for (let i = 0; i < 5000; i++) {
    lanes.push(`j${i}`, i % 3);
    if (i % 2 === 1) taken.push(lanes.shift()!);
  }
  while (lanes.size) taken.push(lanes.shift()!);
  assert.equal(taken.length, 5000);
  assert.equal(new Set(taken).size, 5000, 'each job exactly once');
});
