// The per-language bench's pure parts: how many runs a pass gets, the bare side's environment, and
// the note that says where a sandboxed run's extra time goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bareEnvironment,
  runsPerPass,
  whereTheTimeGoes,
  type LanguageTiming,
} from '../../bench/languages.js';

test('runsPerPass fills about 400 ms of bare runs, within 3 and 80 runs', () => {
  assert.equal(runsPerPass(1), 80); // a C hello: capped
  assert.equal(runsPerPass(25), 16); // a Python hello
  assert.equal(runsPerPass(700), 3); // a Clojure hello: never fewer than 3
  assert.equal(runsPerPass(0), 80); // a report of 0 ms must not divide by zero
  // --runs-scale shrinks the budget and the cap, never below 3 runs.
  assert.equal(runsPerPass(1, 0.3), 24);
  assert.equal(runsPerPass(25, 0.3), 5);
  assert.equal(runsPerPass(700, 0.01), 3);
});

test('bareEnvironment moves what the sandbox keeps under /tmp into the bare private directory', () => {
  assert.deepEqual(
    bareEnvironment(
      {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: '/tmp',
        GOCACHE: '/tmp/.go-cache',
        // Only a whole /tmp path component is moved.
        OTHER: '/tmpfiles/x',
        LANG: 'C.UTF-8',
      },
      '/var/bench/tmp',
    ),
    {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/var/bench/tmp',
      GOCACHE: '/var/bench/tmp/.go-cache',
      OTHER: '/tmpfiles/x',
      LANG: 'C.UTF-8',
    },
  );
});

const timing = (run: Partial<LanguageTiming['run']>): LanguageTiming => ({
  id: 'c',
  version: '12.2.0',
  run: {
    runsPerPass: 100,
    barePasses: [1000],
    sandboxPasses: [250],
    bareRate: 1000,
    sandboxRate: 250,
    bareRunMs: 1,
    sandboxRunMs: 4,
    resetMs: 0.5,
    roundTripMs: 3.5,
    inSlotMs: 2,
    setupMs: 1.2,
    ...run,
  },
});

test('whereTheTimeGoes splits a run into the reset, the slot beyond bare and the round trip beyond the slot', () => {
  assert.equal(
    whereTheTimeGoes(timing({})),
    'c: +3.00 ms/run. Medians: bare 1.00 ms fork to end; sandboxed 4.00 ms = reset 0.50 ms + run() 3.50 ms, ' +
      'of which 2.00 ms in the slot from fork to exit (setup_us 1.20 ms). ' +
      'Largest share: run() round trip beyond the slot (+1.50 ms).',
  );
  // The slot dominating: a runtime that starts slower under its limits.
  assert.match(
    whereTheTimeGoes(timing({ inSlotMs: 3.3, roundTripMs: 3.5 })),
    /Largest share: inside the slot beyond bare \(\+2\.30 ms\)\.$/,
  );
  // A run whose setup_us the probe missed: those parts say n/a and the others still count.
  assert.match(
    whereTheTimeGoes(timing({ inSlotMs: Number.NaN, setupMs: Number.NaN, resetMs: 2 })),
    /in the slot from fork to exit \(setup_us n\/a\)\. Largest share: reset between runs \(\+2\.00 ms\)\.$/,
  );
});
