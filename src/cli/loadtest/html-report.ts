import { formatMs } from '../format.js';
import type { Recorder } from './recorder.js';
import { barChart, escapeXml, lineChart, type Point } from './svg-chart.js';
import { describeRun, percentiles, type LoadtestSummary } from './summary.js';

const STATUS_COLORS: Readonly<Record<string, string>> = {
  accepted: '#2e9d55',
  wrong_answer: '#e08a1e',
  compilation_error: '#7b5ac8',
  runtime_error: '#d64545',
  time_limit_exceeded: '#a0522d',
  memory_limit_exceeded: '#d4508f',
  output_limit_exceeded: '#8c8c2e',
  cancelled: '#8a8a8a',
  internal_error: '#222222',
  unfinished: '#c8c8c8',
};

const COLORS = { blue: '#3b73d1', orange: '#e08a1e', green: '#2e9d55', red: '#d64545', gray: '#8a8a8a' };

/**
 * The load test as one self-contained HTML page: what ran, the summary, and charts over time
 * (inline SVG; no script, no stylesheet or font fetched, so it opens offline and can be archived).
 */
export function htmlReport(summary: LoadtestSummary, recorder: Recorder, generatedAt = new Date()): string {
  const xMax = Math.max(1, Math.ceil(summary.elapsedMs / 1000));
  const load = recorder.load;
  const seconds = recorder.seconds.map((s, i) => ({ ...s, atSec: i }));
  const byStatus = Object.entries(summary.statuses).map(([label, value]) => ({
    label,
    value,
    color: STATUS_COLORS[label] ?? COLORS.gray,
  }));
  if (summary.unfinished > 0)
    byStatus.push({ label: 'unfinished', value: summary.unfinished, color: STATUS_COLORS.unfinished! });

  const charts = [
    lineChart({
      title: 'Load: submissions in flight, waiting in the queue, running',
      xLabel: 'seconds',
      yLabel: 'submissions',
      xMax,
      series: [
        { name: 'in flight', color: COLORS.blue, points: load.map((s): Point => [s.atSec, s.inFlight]) },
        {
          name: 'queue length',
          color: COLORS.orange,
          points: load.map((s): Point => [s.atSec, s.queueLength]),
        },
        { name: 'running', color: COLORS.green, points: load.map((s): Point => [s.atSec, s.running]) },
      ],
    }),
    lineChart({
      title: 'Throughput: per second',
      xLabel: 'seconds',
      yLabel: 'per second',
      xMax,
      series: [
        { name: 'sent', color: COLORS.blue, points: seconds.map((s): Point => [s.atSec, s.sent]) },
        { name: 'finished', color: COLORS.green, points: seconds.map((s): Point => [s.atSec, s.finished]) },
        { name: 'HTTP 429', color: COLORS.red, points: seconds.map((s): Point => [s.atSec, s.http429]) },
        { name: 'HTTP 503', color: COLORS.gray, points: seconds.map((s): Point => [s.atSec, s.http503]) },
      ],
    }),
    lineChart({
      title: 'End-to-end time (send to result) of the submissions finished in each second',
      xLabel: 'seconds',
      yLabel: 'time',
      xMax,
      formatY: (v) => formatMs(v),
      series: latencySeries(recorder),
    }),
    barChart({ title: 'Results by status', bars: byStatus }),
  ];

  const figures: [string, string][] = [
    ['submissions', String(summary.submissions)],
    ...Object.entries(summary.statuses).map(([s, n]): [string, string] => [`· ${s}`, String(n)]),
    ['· unfinished', String(summary.unfinished)],
    ['refused (429 / 503)', `${summary.refused[429]} / ${summary.refused[503]}`],
    ['errors', String(summary.errors)],
    ['HTTP 429 / 503 answers', `${summary.http429} / ${summary.http503}`],
    ['throughput', `${summary.throughputPerSec.toFixed(2)} finished/s`],
    ['peak queue length', String(summary.peakQueueLength)],
    ['correct programs accepted', `${summary.correctness.correctAccepted} / ${summary.correctness.correct}`],
    ['faulty programs not accepted', `${summary.correctness.faultyRejected} / ${summary.correctness.faulty}`],
    ['elapsed', formatMs(summary.elapsedMs)],
  ];
  const timing = (name: string, p: LoadtestSummary['wait']) =>
    `<tr><th>${name}</th>${[p.p50, p.p95, p.p99].map((v) => `<td>${v === null ? '-' : formatMs(v)}</td>`).join('')}<td>${p.count}</td></tr>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Arbiter load test, ${escapeXml(generatedAt.toISOString())}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 800px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
p.run { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: .2rem .8rem .2rem 0; text-align: left; font-variant-numeric: tabular-nums; }
td { text-align: right; }
thead th { border-bottom: 1px solid #ccc; }
figure { margin: 1.5rem 0; }
svg { max-width: 100%; height: auto; }
li code { background: #f4f4f4; padding: 0 .2rem; }
</style>
</head>
<body>
<h1>Arbiter load test</h1>
<p class="run">${escapeXml(describeRun(summary))}<br>${escapeXml(generatedAt.toISOString())}</p>
<table>
${figures.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('\n')}
</table>
<table>
<thead><tr><th></th><th>p50</th><th>p95</th><th>p99</th><th>n</th></tr></thead>
${timing('wait (queueMs)', summary.wait)}
${timing('run', summary.run)}
${timing('end-to-end', summary.endToEnd)}
</table>
${languageTable(recorder)}
${charts.map((chart) => `<figure>\n${chart}\n</figure>`).join('\n')}
${errorList(summary)}
</body>
</html>
`;
}

/** p50 and p95 of the end-to-end times of the results that arrived in each second. */
function latencySeries(recorder: Recorder) {
  const bySecond = new Map<number, number[]>();
  for (const f of recorder.finished) {
    const second = Math.floor(f.atSec);
    const bucket = bySecond.get(second);
    if (bucket) bucket.push(f.endToEndMs);
    else bySecond.set(second, [f.endToEndMs]);
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  const at = (pick: 'p50' | 'p95') => seconds.map((s): Point => [s, percentiles(bySecond.get(s)!)[pick]]);
  return [
    { name: 'p50', color: COLORS.blue, points: at('p50') },
    { name: 'p95', color: COLORS.red, points: at('p95') },
  ];
}

function languageTable(recorder: Recorder): string {
  const languages = [...new Set(recorder.finished.map((f) => f.language))].sort();
  if (languages.length === 0) return '';
  const rows = languages.map((language) => {
    const mine = recorder.finished.filter((f) => f.language === language);
    const accepted = mine.filter((f) => f.status === 'accepted').length;
    const e2e = percentiles(mine.map((f) => f.endToEndMs));
    const run = percentiles(mine.map((f) => f.runMs));
    const cell = (v: number | null) => `<td>${v === null ? '-' : formatMs(v)}</td>`;
    return `<tr><th>${escapeXml(language)}</th><td>${mine.length}</td><td>${accepted}</td>${cell(run.p50)}${cell(e2e.p50)}${cell(e2e.p95)}</tr>`;
  });
  return `<table>
<thead><tr><th>language</th><th>finished</th><th>accepted</th><th>run p50</th><th>end-to-end p50</th><th>p95</th></tr></thead>
${rows.join('\n')}
</table>`;
}

function errorList(summary: LoadtestSummary): string {
  const entries = Object.entries(summary.errorMessages);
  if (entries.length === 0) return '';
  return `<h2>Errors</h2>\n<ul>\n${entries.map(([m, n]) => `<li>${n} × <code>${escapeXml(m)}</code></li>`).join('\n')}\n</ul>`;
}
