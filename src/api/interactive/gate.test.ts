import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionGate } from './gate.js';

test('a gate lets max sessions in, then hands each leaving place to the next waiter in order', async () => {
  const gate = new SessionGate(1);
  const signal = new AbortController().signal;
  await gate.enter(signal);
  const entered: string[] = [];
  const second = gate.enter(signal).then(() => entered.push('second'));
  const third = gate.enter(signal).then(() => entered.push('third'));
  await Promise.resolve();
  assert.deepEqual(entered, []);
  gate.leave();
  await second;
  assert.deepEqual(entered, ['second']);
  gate.leave();
  await third;
  assert.deepEqual(entered, ['second', 'third']);
});

test('a waiter whose signal aborts leaves the line without taking a place', async () => {
  const gate = new SessionGate(1);
  await gate.enter(new AbortController().signal);
  const quitter = new AbortController();
  const waiting = gate.enter(quitter.signal);
  quitter.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  gate.leave();
  // The place went back to the gate, so a new caller gets in at once.
  await gate.enter(new AbortController().signal);
});
