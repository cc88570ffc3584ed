// The event hub's bookkeeping for lost finishes: which ids still wait for their `finished`, and that a
// finish recovered from the store and the real event (if it turns up late) reach a listener once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SubmissionEvents, type SubmissionEvent } from './events.js';

const finished = (id: string, keyId: string | null = 'k'): SubmissionEvent & { type: 'finished' } => ({
  type: 'finished',
  id,
  keyId,
  status: 'accepted',
  at: 1,
});

test('an id waits for its finish while it has listeners, and from when it got its first', () => {
  const events = new SubmissionEvents();
  assert.deepEqual(events.awaitingFinish(0), []);
  const offA = events.onSubmission('a', () => undefined);
  const offB = events.onSubmission('b', () => undefined);
  const offA2 = events.onSubmission('a', () => undefined);
  assert.deepEqual(events.awaitingFinish(0).sort(), ['a', 'b']);
  assert.deepEqual(events.awaitingFinish(60_000), [], 'none has waited a minute');
  assert.deepEqual(events.awaitingFinish(60_000, Date.now() + 60_000).sort(), ['a', 'b']);
  offA();
  assert.deepEqual(events.awaitingFinish(0).sort(), ['a', 'b'], 'a still has a listener');
  offA2();
  offB();
  assert.deepEqual(events.awaitingFinish(0), []);
});

test('a delivered finish ends the wait; running and queued events do not', () => {
  const events = new SubmissionEvents();
  events.onSubmission('a', () => undefined);
  events.deliver({ type: 'running', id: 'a', keyId: 'k', status: 'running', at: 1 });
  assert.deepEqual(events.awaitingFinish(0), ['a']);
  events.deliver(finished('a'));
  assert.deepEqual(events.awaitingFinish(0), []);
});

test('a recovered finish reaches the id listeners once, and the late real one does not repeat it', () => {
  const events = new SubmissionEvents();
  const byId: string[] = [];
  const byKey: string[] = [];
  const all: string[] = [];
  events.onSubmission('a', (e) => byId.push(e.type));
  events.onKey('k', (e) => byKey.push(e.type));
  events.onAll((e) => all.push(e.type));
  assert.equal(events.deliverRecovered(finished('a')), true);
  assert.equal(events.deliverRecovered(finished('a')), false, 'a second sweep finds it delivered');
  assert.deepEqual(byId, ['finished']);
  assert.deepEqual(byKey, [], 'key and all listeners may have had the real event: no copy for them');
  assert.deepEqual(all, []);
  // The real event, delayed rather than lost, arrives after all.
  events.deliver(finished('a'));
  assert.deepEqual(byId, ['finished'], 'not twice to the id listener');
  assert.deepEqual(byKey, ['finished']);
  assert.deepEqual(all, ['finished']);
});

test('nothing is recovered for an id nobody listens to, or whose real finish came first', () => {
  const events = new SubmissionEvents();
  const seen: string[] = [];
  assert.equal(events.deliverRecovered(finished('nobody')), false);
  events.onSubmission('a', (e) => seen.push(e.type));
  events.deliver(finished('a'));
  assert.equal(events.deliverRecovered(finished('a')), false);
  assert.deepEqual(seen, ['finished']);
});

test('once its listeners are gone an id is forgotten: a new listener waits afresh', () => {
  const events = new SubmissionEvents();
  const off = events.onSubmission('a', () => undefined);
  events.deliver(finished('a'));
  off();
  const seen: string[] = [];
  events.onSubmission('a', (e) => seen.push(e.type));
  assert.deepEqual(events.awaitingFinish(0), ['a']);
  assert.equal(events.deliverRecovered(finished('a')), true);
  assert.deepEqual(seen, ['finished']);
});
