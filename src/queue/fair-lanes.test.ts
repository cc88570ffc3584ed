import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairLanes } from './fair-lanes.js';

const drain = (lanes: FairLanes): string[] => {
  const out: string[] = [];
  for (let id = lanes.shift(); id !== undefined; id = lanes.shift()) out.push(id);
  return out;
};

test('higher priorities run first; one job per submitter is plain FIFO', () => {
  const lanes = new FairLanes();
  assert.equal(lanes.push('a', 1, 'ann'), 0);
  assert.equal(lanes.push('b', 1, 'bob'), 1);
  assert.equal(lanes.push('urgent', 5, 'ops'), 0, 'jumps ahead of both');
  assert.equal(lanes.push('c', 1, 'cat'), 3);
  assert.deepEqual(drain(lanes), ['urgent', 'a', 'b', 'c']);
  assert.equal(lanes.shift(), undefined);
});

test("one submitter's tenth job waits behind everyone else's first", () => {
  const lanes = new FairLanes();
  for (let i = 0; i < 10; i++) lanes.push(`abuser${i}`, 0, 'script');
  const positions = ['ann', 'bob', 'cat'].map((name) => lanes.push(name, 0, name));
  assert.deepEqual(positions, [1, 2, 3], "behind the script's first job only");
  assert.deepEqual(drain(lanes).slice(0, 5), ['abuser0', 'ann', 'bob', 'cat', 'abuser1']);
});

test('rounds interleave submitters, each in arrival order', () => {
  const lanes = new FairLanes();
  for (const [id, who] of [
    ['a1', 'a'],
    ['a2', 'a'],
    ['a3', 'a'],
    ['b1', 'b'],
    ['b2', 'b'],
    ['c1', 'c'],
  ] as const)
    lanes.push(id, 0, who);
  assert.deepEqual(drain(lanes), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
});

test('a late submitter joins the round being served, not the back of the backlog', () => {
  const lanes = new FairLanes();
  for (let i = 0; i < 5; i++) lanes.push(`a${i}`, 0, 'a');
  assert.deepEqual([lanes.shift(), lanes.shift()], ['a0', 'a1']);
  // Round 1 was being served: b joins it and runs before a's rounds 2 to 4.
  assert.equal(lanes.push('b0', 0, 'b'), 0);
  assert.equal(lanes.push('b1', 0, 'b'), 2, "b's second job goes into round 2, behind a2");
  assert.deepEqual(drain(lanes), ['b0', 'a2', 'b1', 'a3', 'a4']);
});

test('a submitter whose jobs all ran starts again in the current round', () => {
  const lanes = new FairLanes();
  lanes.push('a0', 0, 'a');
  lanes.push('a1', 0, 'a');
  lanes.push('b0', 0, 'b');
  assert.deepEqual(drain(lanes), ['a0', 'b0', 'a1']);
  lanes.push('b1', 0, 'b');
  lanes.push('a2', 0, 'a');
  assert.deepEqual(drain(lanes), ['b1', 'a2']);
});

test('positions follow removals and arrivals', () => {
  const lanes = new FairLanes();
  for (const id of ['a', 'b', 'c', 'd']) lanes.push(id, 0, id);
  lanes.push('a-again', 0, 'a');
  assert.equal(lanes.position('d'), 3);
  assert.equal(lanes.position('a-again'), 4);
  assert.ok(lanes.remove('b'));
  assert.equal(lanes.position('d'), 2);
  assert.equal(lanes.position('a-again'), 3);
  lanes.push('vip', 9, 'ops');
  assert.equal(lanes.position('d'), 3);
  assert.equal(lanes.position('vip'), 0);
  assert.equal(lanes.position('b'), null);
  assert.equal(lanes.size, 5);
  assert.equal(lanes.remove('b'), false, 'removing twice is a no-op');
  assert.equal(lanes.push('d', 0, 'd'), 3, 'pushing a waiting id again keeps its place');
  assert.equal(lanes.size, 5);
});

test('a removed job is skipped, never handed out', () => {
  const lanes = new FairLanes();
  lanes.push('a', 0, 'x');
  lanes.push('b', 0, 'x');
  lanes.remove('a');
  assert.equal(lanes.shift(), 'b');
  assert.equal(lanes.shift(), undefined);
  assert.equal(lanes.size, 0);
});

test('pushes and shifts mixed over many submitters hand out each job exactly once', () => {
  const lanes = new FairLanes();
  const taken: string[] = [];
  const pushed: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const id = `j${i}`;
    lanes.push(id, i % 3, `s${i % 7}`);
    pushed.push(id);
    if (i % 11 === 0 && lanes.remove(`j${i - 5}`)) pushed.splice(pushed.indexOf(`j${i - 5}`), 1);
    if (i % 2 === 1) taken.push(lanes.shift()!);
  }
  taken.push(...drain(lanes));
  assert.equal(taken.length, pushed.length);
  assert.deepEqual([...taken].sort(), [...pushed].sort(), 'each job exactly once');
});

test('costly jobs yield to later cheap ones in their round, at most overtakeLimit of them', () => {
  const lanes = new FairLanes({ overtakeLimit: 2 });
  assert.equal(lanes.push('java', 0, 'ann', 'costly'), 0);
  assert.equal(lanes.push('py1', 0, 'bob'), 0, 'goes before the compile');
  assert.equal(lanes.push('py2', 0, 'cat'), 1, 'the tie at the limit goes to the cheap job');
  assert.equal(lanes.push('py3', 0, 'dan'), 3, 'past the limit: behind the compile');
  assert.equal(lanes.push('c', 0, 'eve', 'costly'), 4);
  assert.equal(lanes.position('java'), 2);
  assert.deepEqual(drain(lanes), ['py1', 'py2', 'java', 'py3', 'c']);
});

test('a removed costly job is skipped, and an id pushed again takes its new place only', () => {
  const lanes = new FairLanes({ overtakeLimit: 5 });
  lanes.push('java', 0, 'ann', 'costly');
  lanes.push('py', 0, 'bob');
  assert.equal(lanes.remove('java'), true);
  assert.equal(lanes.position('py'), 0);
  lanes.push('java', 0, 'ann');
  assert.equal(lanes.size, 2);
  assert.deepEqual(drain(lanes), ['py', 'java']);
  assert.equal(lanes.size, 0);
});

test('cost order never crosses rounds or priorities', () => {
  const lanes = new FairLanes({ overtakeLimit: 100 });
  lanes.push('a-c', 0, 'ann', 'costly');
  lanes.push('a-py', 0, 'ann');
  lanes.push('b-c', 0, 'bob', 'costly');
  lanes.push('urgent-c', 3, 'ops', 'costly');
  assert.equal(lanes.position('a-py'), 3, "ann's second job is in the next round");
  assert.deepEqual(drain(lanes), ['urgent-c', 'a-c', 'b-c', 'a-py']);
});

test('overtakeLimit 0 is plain FIFO; a bad limit is refused naming the key', () => {
  const lanes = new FairLanes({ overtakeLimit: 0 });
  lanes.push('c', 0, 'ann', 'costly');
  lanes.push('py', 0, 'bob');
  assert.deepEqual(drain(lanes), ['c', 'py']);
  assert.throws(() => new FairLanes({ overtakeLimit: -1 }), /overtakeLimit/);
  assert.throws(() => new FairLanes({ overtakeLimit: 1.5 }), /overtakeLimit/);
});

test('positions are each job’s place in the run order, counted from either end of a long backlog', () => {
  const lanes = new FairLanes();
  const live: string[] = [];
  for (let i = 0; i < 400; i++) {
    // One heavy submitter (a round each job), a few others now and then, some compiles.
    const id = `j${i}`;
    const submitter = i % 10 === 0 ? `s${i % 30}` : 'heavy';
    const ahead = lanes.push(id, 1, submitter, i % 7 === 0 ? 'costly' : i % 5 === 0 ? 'moderate' : 'cheap');
    assert.equal(ahead, lanes.position(id), `push's answer for ${id}`);
    live.push(id);
  }
  for (const id of ['j3', 'j150', 'j151', 'j398', 'j40']) {
    assert.ok(lanes.remove(id));
    live.splice(live.indexOf(id), 1);
  }
  const positions = new Map(live.map((id) => [id, lanes.position(id)]));
  const order: string[] = [];
  for (let id = lanes.shift(); id !== undefined; id = lanes.shift()) order.push(id);
  assert.equal(order.length, live.length);
  for (const [index, id] of order.entries()) assert.equal(positions.get(id), index, id);
});

test('compiles not due yet: a quick one (moderate) goes before a slow one that came earlier', () => {
  const lanes = new FairLanes({ overtakeLimit: 3 });
  assert.equal(lanes.push('java', 0, 'ann', 'costly'), 0);
  assert.equal(lanes.push('c1', 0, 'bob', 'moderate'), 0, 'a quick compile goes before a slow one not due');
  assert.equal(lanes.push('py', 0, 'cat'), 0, 'a run goes before both');
  assert.equal(lanes.push('c2', 0, 'dan', 'moderate'), 2, 'behind the run and the earlier quick compile');
  assert.deepEqual(drain(lanes), ['py', 'c1', 'c2', 'java']);
});

test('a slow compile once due goes before later quick compiles: passed by at most overtakeLimit jobs', () => {
  const lanes = new FairLanes({ overtakeLimit: 2 });
  lanes.push('java', 0, 'ann', 'costly');
  for (let i = 1; i <= 5; i++) lanes.push(`c${i}`, 0, `s${i}`, 'moderate');
  // java's key (2) is below the last arrival (5): due, it runs by key before c1 (key 3) and the rest.
  assert.equal(lanes.position('java'), 0);
  assert.deepEqual(drain(lanes), ['java', 'c1', 'c2', 'c3', 'c4', 'c5']);
  const later = new FairLanes({ overtakeLimit: 2 });
  later.push('java', 0, 'ann', 'costly');
  later.push('c1', 0, 'bob', 'moderate');
  later.push('c2', 0, 'cat', 'moderate');
  // Two arrivals after java: not due yet, so both quick compiles pass it, and no more than that.
  assert.deepEqual(drain(later), ['c1', 'c2', 'java']);
});

test('reclass: a waiting job changes class keeping its arrival number, and positions still match the order', () => {
  const lanes = new FairLanes({ overtakeLimit: 3 });
  for (const id of ['loop1', 'py1', 'loop2', 'py2', 'c1', 'py3'])
    lanes.push(id, 0, id, id.startsWith('c') ? 'moderate' : 'cheap');
  // loop1 and loop2 turn out slow once queued: costly, as if they had arrived so (keys 3 and 5).
  lanes.reclass('loop1', 'costly');
  lanes.reclass('loop2', 'costly');
  lanes.reclass('py1', 'cheap'); // unchanged: nothing moves
  assert.equal(lanes.size, 6);
  const positions = new Map(
    ['loop1', 'py1', 'loop2', 'py2', 'c1', 'py3'].map((id) => [id, lanes.position(id)]),
  );
  // Last arrival 5: loop1 (key 3) is due and runs by key after py1 and py2 (key 3: the tie to the
  // cheap one); loop2 (key 5) and c1 (key 7) are not due: c1 (moderate) before loop2.
  const order = drain(lanes);
  assert.deepEqual(order, ['py1', 'py2', 'loop1', 'py3', 'c1', 'loop2']);
  for (const [index, id] of order.entries()) assert.equal(positions.get(id), index, id);
});

test('reclass under churn: every job once, and positions match the order taken', () => {
  const lanes = new FairLanes({ overtakeLimit: 4 });
  const costs = ['cheap', 'moderate', 'costly'] as const;
  const live = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const id = `j${i}`;
    lanes.push(id, i % 13 === 0 ? 2 : 1, i % 4 === 0 ? `s${i % 9}` : 'heavy', costs[i % 3]!);
    live.add(id);
    if (i % 5 === 0) lanes.reclass(`j${i - 3}`, costs[(i >> 1) % 3]!);
    if (i % 17 === 0 && lanes.remove(`j${i - 8}`)) live.delete(`j${i - 8}`);
    if (i % 3 === 1) live.delete(lanes.shift()!);
  }
  const positions = new Map([...live].map((id) => [id, lanes.position(id)]));
  const order = drain(lanes);
  assert.deepEqual([...order].sort(), [...live].sort(), 'each waiting job exactly once');
  for (const [index, id] of order.entries()) assert.equal(positions.get(id), index, id);
});
