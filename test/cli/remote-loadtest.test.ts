// The load tester's pure parts: flags, programs, figures, charts. No server needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { htmlReport } from '../../src/cli/loadtest/html-report.js';
import { parseFaulty, parseMix, planFromFlags } from '../../src/cli/loadtest/loadtest-options.js';
import { makeProgram, pickProgram, PROGRAM_LANGUAGES } from '../../src/cli/loadtest/programs.js';
import { Recorder } from '../../src/cli/loadtest/recorder.js';
import { percentile, summarise, summaryTable } from '../../src/cli/loadtest/summary.js';
import { barChart, lineChart, niceCeil, ticks } from '../../src/cli/loadtest/svg-chart.js';

/** A repeatable stand-in for Math.random. */
function seeded(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test('flags: defaults, aliases, percentages and hard caps', () => {
  const classroom = planFromFlags({});
  assert.equal(classroom.mode, 'classroom');
  assert.equal(classroom.students, 30);
  assert.equal(classroom.durationMs, 60_000);
  assert.equal(classroom.thinkMs, 5_000);
  assert.deepEqual(
    classroom.mix.map((m) => m.language),
    ['python3', 'c', 'java'],
  );
  assert.equal(classroom.faultyRatio, 0.15);

  const fixed = planFromFlags({ requests: '1000', concurrency: '50' });
  assert.equal(fixed.mode, 'requests');
  assert.equal(fixed.requests, 1000);
  assert.equal(fixed.students, 50);
  assert.equal(fixed.thinkMs, 0);
  assert.equal(fixed.durationMs, 3_600_000, 'a fixed-count run still stops within the hour');

  assert.deepEqual(parseMix('py:1,python3:2,C'), [
    { language: 'python3', weight: 3 },
    { language: 'c', weight: 1 },
  ]);
  assert.equal(parseFaulty('15%'), 0.15);
  assert.equal(parseFaulty('0'), 0);
  assert.throws(() => parseFaulty('150%'), /at most 100%/);
  assert.throws(() => parseMix('intercal:5'), /unknown language/);
  assert.throws(() => parseMix('haskell:5'), /no load-test programs for haskell/);
  assert.throws(() => parseMix('python:0'), /weight above 0/);
  assert.throws(() => planFromFlags({ students: '2001' }), /at most 2000/);
  assert.throws(() => planFromFlags({ duration: '61m' }), /at most 1h/);
  assert.throws(() => planFromFlags({ requests: '100001' }), /at most 100000/);
  assert.throws(() => planFromFlags({ requests: '5', students: '5' }), /either --students/);
  assert.throws(() => planFromFlags({ think: 'soon' }), /--think "soon" is not a duration/);
  assert.equal(planFromFlags({ duration: '1h' }).durationMs, 3_600_000);
});

test('programs: correct ones carry their expected answer; faulty ones small limits', () => {
  for (const language of PROGRAM_LANGUAGES) {
    const correct = makeProgram(language, 'correct', seeded());
    const [test1] = correct.input.tests!;
    const [a, b] = test1!.stdin!.trim().split(' ').map(Number);
    assert.equal(test1!.expected, `${a! + b!}\n`);
    assert.equal(correct.input.limits, undefined);
    for (const kind of ['loop', 'memory', 'compile'] as const) {
      const faulty = makeProgram(language, kind);
      assert.ok(faulty.input.limits?.cpuMs && faulty.input.limits.cpuMs <= 1000, `${language} ${kind}`);
    }
  }
  const random = seeded(7);
  const picks = Array.from({ length: 2000 }, () =>
    pickProgram(
      [
        { language: 'python3', weight: 3 },
        { language: 'c', weight: 1 },
      ],
      0.2,
      random,
    ),
  );
  const python = picks.filter((p) => p.language === 'python3').length / picks.length;
  const faulty = picks.filter((p) => p.kind !== 'correct').length / picks.length;
  assert.ok(python > 0.7 && python < 0.8, `python share ${python}`);
  assert.ok(faulty > 0.15 && faulty < 0.25, `faulty share ${faulty}`);
});

test('figures: percentiles, and submissions equal the statuses plus unfinished', () => {
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 99), 4);

  const recorder = new Recorder();
  for (let i = 0; i < 5; i++) recorder.sent();
  recorder.result({
    language: 'c',
    kind: 'correct',
    status: 'accepted',
    waitMs: 1,
    runMs: 10,
    endToEndMs: 20,
  });
  recorder.result({
    language: 'c',
    kind: 'loop',
    status: 'time_limit_exceeded',
    waitMs: 2,
    runMs: 500,
    endToEndMs: 600,
  });
  recorder.result({
    language: 'c',
    kind: 'correct',
    status: 'accepted',
    waitMs: null,
    runMs: null,
    endToEndMs: 30,
  });
  recorder.lost();
  recorder.lost();
  recorder.httpStatus(429);
  recorder.refusedWith(429);
  recorder.sampleLoad({ length: 3, running: 2 });
  recorder.sampleLoad(null);
  const plan = planFromFlags({ students: '2', duration: '5s', mix: 'c' });
  const summary = summarise(recorder, plan, 'http://127.0.0.1:1', { peakLength: 3, missed: 1 });
  assert.equal(summary.submissions, 5);
  assert.equal(Object.values(summary.statuses).reduce((a, b) => a + b, 0) + summary.unfinished, 5);
  assert.deepEqual(summary.wait, { count: 2, p50: 1, p95: 2, p99: 2 });
  assert.deepEqual(summary.correctness, { correct: 2, correctAccepted: 2, faulty: 1, faultyRejected: 1 });
  const table = summaryTable(summary);
  assert.match(table, /^submissions +5$/m);
  assert.match(table, /^ {2}accepted +2$/m);
  assert.match(table, /^ {2}unfinished +2$/m);
  assert.match(table, /^HTTP 429 answers +1$/m);
  assert.match(table, /^peak queue length +3$/m);

  const html = htmlReport(summary, recorder, new Date(0));
  assert.equal((html.match(/<svg /g) ?? []).length, 4);
  assert.match(html, /1970-01-01T00:00:00.000Z/);
});

test('charts: nice axes, gaps in a series, escaped labels', () => {
  assert.equal(niceCeil(7), 10);
  assert.equal(niceCeil(0.3), 0.5);
  assert.equal(niceCeil(120), 200);
  assert.deepEqual(ticks(10, 5), [0, 2, 4, 6, 8, 10]);
  const svg = lineChart({
    title: 'a <b> & "c"',
    xLabel: 's',
    yLabel: 'n',
    series: [
      {
        name: 'q',
        color: '#000',
        points: [
          [0, 1],
          [1, 2],
          [2, null],
          [3, 4],
          [4, 5],
        ],
      },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2, 'the gap splits the line');
  assert.ok(svg.includes('a &#60;b&#62; &#38; &#34;c&#34;'));
  assert.ok(!svg.includes('<b>'));
  const empty = lineChart({ title: 't', xLabel: 's', yLabel: 'n', series: [] });
  assert.match(empty, /no data/);
  const bars = barChart({ title: 'b', bars: [{ label: 'accepted', value: 3, color: '#0a0' }] });
  assert.match(bars, /<rect [^>]*fill="#0a0"/);
});
