/**
 * The live ops dashboard: submission events pushed over the WebSocket ({"subscribe": "all"}),
 * plus a light poll every 2 s of /api/v1/queue, /health/detailed and /metrics for the figures.
 * Nothing reloads the page. When keys are on, the data calls need an admin key; a 401 or 403
 * shows the key form.
 */
import { ApiError, describeError, errorFrom, getJson, request, storedKey } from '../shared/api.js';
import { byId } from '../shared/by-id.js';
import { formatMs, formatNumber, formatPercent, statusLabel, statusTone } from '../shared/format.js';
import { KeyPrompt } from '../shared/key-prompt.js';
import type { HealthDetailed, QueueStats, SubmissionEventView } from '../shared/types.js';
import { evaluateAlerts } from './alerts.js';
import { LineChart, type Point, type Series } from './line-chart.js';
import { parsePrometheusText, sumOf } from './prometheus-text.js';
import { SampleWindow, WINDOW_MS } from './sample-window.js';

/** How often the figures are fetched. */
const POLL_INTERVAL_MS = 2000;
/** A pushed event triggers a fetch this soon, so numbers move as jobs finish, not 2 s later. */
const PUSH_REFRESH_DELAY_MS = 150;
/** Throughput is averaged over this span. */
const THROUGHPUT_SPAN_MS = 60_000;
/** Error rate is taken over this span (the Prometheus rule's [5m]). */
const ERROR_RATE_SPAN_MS = 5 * 60_000;
/** WebSocket reconnects back off up to this. */
const MAX_RECONNECT_MS = 10_000;
/** Rows kept in the live submissions table. */
const FEED_ROWS = 25;
/**
 * Sent as a WebSocket subprotocol: a browser's WebSocket cannot send an Authorization header, so
 * the key travels as `arbiter.bearer.<key>` (src/api/web.ts reads it); the server answers with
 * the plain `arbiter.v1`, never echoing the key.
 */
const WS_PROTOCOL = 'arbiter.v1';
const WS_KEY_PROTOCOL_PREFIX = 'arbiter.bearer.';

/** What one poll saw, kept for 15 minutes to draw the charts and take rates. */
interface Snapshot {
  at: number;
  queueLength: number;
  running: number;
  finished: number;
  internalErrors: number;
  rejections: number;
  wait: (number | null)[];
  run: (number | null)[];
}

const samples = new SampleWindow();
const history: Snapshot[] = [];
let queueRefused = false;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let polling = false;

const keyPrompt = new KeyPrompt(() => {
  queueRefused = false;
  reconnect();
  void poll();
});

/** The wait and run charts draw the same three percentiles, in the same colours. */
const PERCENTILE_SERIES: readonly Series[] = [
  { name: 'p50', color: '#1f5fbf' },
  { name: 'p95', color: '#c77800' },
  { name: 'p99', color: '#b3261e' },
];

const charts = {
  queue: new LineChart(byId('chart-queue'), {
    title: 'Queue length and running jobs',
    series: [
      { name: 'queued', color: '#1f5fbf' },
      { name: 'running', color: '#17703a' },
    ],
    format: (v) => formatNumber(v, Number.isInteger(v) ? 0 : 1),
    minCeiling: 2,
  }),
  throughput: new LineChart(byId('chart-throughput'), {
    title: 'Throughput',
    series: [{ name: 'jobs/s', color: '#7a3fb5' }],
    format: (v) => formatNumber(v, v < 10 && !Number.isInteger(v) ? 1 : 0),
    minCeiling: 1,
  }),
  wait: new LineChart(byId('chart-wait'), {
    title: 'Wait time',
    series: PERCENTILE_SERIES,
    format: formatMs,
    minCeiling: 10,
  }),
  run: new LineChart(byId('chart-run'), {
    title: 'Run time',
    series: PERCENTILE_SERIES,
    format: formatMs,
    minCeiling: 10,
  }),
};

function setMetric(name: string, text: string): void {
  for (const element of document.querySelectorAll<HTMLElement>(`[data-metric="${name}"]`))
    element.textContent = text;
}

/** The oldest snapshot no older than `spanMs`, to take a rate against. */
function snapshotAgo(spanMs: number, now: number): Snapshot | undefined {
  return history.find((s) => s.at >= now - spanMs);
}

function rate(now: Snapshot, then: Snapshot | undefined, pick: (s: Snapshot) => number): number | null {
  if (!then || then === now) return null;
  return Math.max(0, pick(now) - pick(then)) / ((now.at - then.at) / 1000);
}

async function fetchHealth(): Promise<HealthDetailed> {
  // A degraded server answers 503 with the same body: that is data, not a failure.
  const response = await request('/health/detailed');
  if (!response.ok && response.status !== 503) throw await errorFrom(response);
  return (await response.json()) as HealthDetailed;
}

async function fetchMetrics(): Promise<ReturnType<typeof parsePrometheusText>> {
  const response = await request('/metrics', { headers: { accept: 'text/plain' } });
  if (!response.ok) throw await errorFrom(response);
  return parsePrometheusText(await response.text());
}

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    const [queueResult, healthResult, metricsResult] = await Promise.allSettled([
      queueRefused
        ? Promise.reject(new ApiError(401, 'waiting for a key'))
        : getJson<QueueStats>('/api/v1/queue'),
      fetchHealth(),
      fetchMetrics(),
    ]);
    const queue = queueResult.status === 'fulfilled' ? queueResult.value : null;
    const health = healthResult.status === 'fulfilled' ? healthResult.value : null;
    const metrics = metricsResult.status === 'fulfilled' ? metricsResult.value : null;
    // Until a key is saved, a refused queue call is not repeated (the open probes still are).
    for (const result of [queueResult, healthResult, metricsResult]) {
      if (result.status !== 'rejected' || !(result.reason instanceof ApiError) || !result.reason.needsKey)
        continue;
      if (result === queueResult && queueRefused) continue;
      if (result === queueResult) queueRefused = true;
      keyPrompt.show(describeError(result.reason));
    }
    const reachable = queue !== null || health !== null || metrics !== null;
    render(queue, health, metrics, reachable);
  } finally {
    polling = false;
  }
}

function render(
  queue: QueueStats | null,
  health: HealthDetailed | null,
  metrics: ReturnType<typeof parsePrometheusText> | null,
  reachable: boolean,
): void {
  const now = Date.now();
  const window = samples.summary(now);
  const last = history.at(-1);
  const snapshot: Snapshot = {
    at: now,
    queueLength: queue?.length ?? health?.queue.length ?? last?.queueLength ?? 0,
    running: queue?.running ?? health?.workers.reduce((n, w) => n + w.running, 0) ?? last?.running ?? 0,
    finished: metrics ? sumOf(metrics, 'arbiter_jobs_finished_total') : (last?.finished ?? 0),
    internalErrors: metrics
      ? sumOf(metrics, 'arbiter_jobs_finished_total', { status: 'internal_error' })
      : (last?.internalErrors ?? 0),
    rejections: metrics ? sumOf(metrics, 'arbiter_ratelimit_rejections_total') : (last?.rejections ?? 0),
    wait: window.wait ? [window.wait.p50, window.wait.p95, window.wait.p99] : [null, null, null],
    run: window.run ? [window.run.p50, window.run.p95, window.run.p99] : [null, null, null],
  };
  if (reachable) history.push(snapshot);
  while (history.length > 0 && history[0]!.at < now - WINDOW_MS) history.shift();

  const maxLength = queue?.maxLength ?? health?.queue.maxLength ?? null;
  const workers = health ? health.workers.reduce((n, w) => n + w.concurrency, 0) : (queue?.workers ?? null);
  setMetric('queue-length', formatNumber(snapshot.queueLength));
  setMetric('queue-max', maxLength === null ? 'of –' : `of ${formatNumber(maxLength)} max`);
  setMetric('running', formatNumber(snapshot.running));
  setMetric('workers', workers === null ? 'of – workers' : `of ${workers} workers`);
  const throughput = rate(snapshot, snapshotAgo(THROUGHPUT_SPAN_MS, now), (s) => s.finished);
  setMetric('throughput', throughput === null ? '–' : formatNumber(throughput, 2));
  const span = now - (snapshotAgo(THROUGHPUT_SPAN_MS, now)?.at ?? now);
  setMetric(
    'throughput-span',
    span < THROUGHPUT_SPAN_MS - POLL_INTERVAL_MS ? 'jobs/s since this page opened' : 'jobs/s, last minute',
  );
  setMetric('finished', formatNumber(snapshot.finished));

  const timings = queue?.last15Minutes;
  setMetric('wait-p95', timings ? formatMs(timings.p95WaitMs) : '–');
  setMetric('wait-avg', timings ? `avg ${formatMs(timings.avgWaitMs)}, last 15 min` : 'avg –, last 15 min');
  setMetric('run-p95', timings ? formatMs(timings.p95RunMs) : '–');
  setMetric('run-avg', timings ? `avg ${formatMs(timings.avgRunMs)}, last 15 min` : 'avg –, last 15 min');

  const errorsFrom = snapshotAgo(ERROR_RATE_SPAN_MS, now);
  const finishedInSpan = errorsFrom ? snapshot.finished - errorsFrom.finished : 0;
  const errorRate =
    errorsFrom && finishedInSpan > 0
      ? (snapshot.internalErrors - errorsFrom.internalErrors) / finishedInSpan
      : null;
  setMetric('error-rate', errorRate === null ? '0 %' : formatPercent(errorRate));

  setMetric('rejections', formatNumber(snapshot.rejections));
  const recentRejections = errorsFrom ? snapshot.rejections - errorsFrom.rejections : 0;
  setMetric('rejections-recent', `429s since start; ${formatNumber(Math.max(0, recentRejections))} in 5 min`);
  const factor = queue?.rateLimitFactor ?? health?.rateLimit.factor ?? null;
  setMetric('rate-factor', factor === null ? '–' : formatNumber(factor, 2));
  renderCache('compile-cache', health?.caches.compile);
  renderCache('result-cache', health?.caches.result);

  const points = (pick: (s: Snapshot) => (number | null)[]): Point[] =>
    history.map((s) => ({ at: s.at, values: pick(s) }));
  charts.queue.render(
    points((s) => [s.queueLength, s.running]),
    WINDOW_MS,
    now,
  );
  charts.throughput.render(
    history.map((s, i) => ({
      at: s.at,
      values: [i === 0 ? null : rate(s, history[i - 1], (x) => x.finished)],
    })),
    WINDOW_MS,
    now,
  );
  charts.wait.render(
    points((s) => s.wait),
    WINDOW_MS,
    now,
  );
  charts.run.render(
    points((s) => s.run),
    WINDOW_MS,
    now,
  );

  if (queue) {
    renderByStatus(queue);
    renderByLanguage(queue);
  }
  if (health) renderWorkers(health);

  const alerts = evaluateAlerts({
    reachable,
    queueLength: reachable ? snapshot.queueLength : null,
    maxQueueLength: maxLength,
    p95WaitMs: timings?.p95WaitMs ?? null,
    errorRate,
    workers: health ? Math.min(workers ?? 0, health.sandbox.slots) : workers,
  });
  const banner = byId('alerts');
  banner.hidden = alerts.length === 0;
  banner.replaceChildren(
    ...alerts.map((alert) => {
      const p = document.createElement('p');
      p.dataset.alert = alert.id;
      p.textContent = alert.message;
      return p;
    }),
  );
  if (reachable && queue && document.documentElement.dataset.ready !== 'dashboard') {
    document.documentElement.dataset.ready = 'dashboard';
    performance.mark('arbiter:dashboard-ready');
  }
  byId('updated').textContent = reachable
    ? `Updated ${new Date(now).toLocaleTimeString()}`
    : `Server unreachable at ${new Date(now).toLocaleTimeString()}`;
}

function renderCache(name: string, counts: { hits: number; misses: number } | undefined): void {
  if (!counts) return;
  const total = counts.hits + counts.misses;
  setMetric(name, total === 0 ? '–' : formatPercent(counts.hits / total));
  setMetric(`${name}-counts`, `${formatNumber(counts.hits)} hits, ${formatNumber(counts.misses)} misses`);
}

function renderByStatus(queue: QueueStats): void {
  const counts = new Map<string, number>();
  for (const { statuses } of Object.values(queue.byLanguage))
    for (const [status, count] of Object.entries(statuses))
      counts.set(status, (counts.get(status) ?? 0) + count);
  const max = Math.max(1, ...counts.values());
  const list = byId('by-status');
  if (counts.size === 0) {
    const empty = document.createElement('li');
    empty.className = 'hint';
    empty.textContent = 'No submissions yet.';
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(
    ...[...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([status, count]) => {
        const item = document.createElement('li');
        item.dataset.status = status;
        const label = document.createElement('span');
        label.className = 'bar-label';
        label.textContent = statusLabel(status);
        const track = document.createElement('span');
        track.className = 'bar-track';
        track.setAttribute('aria-hidden', 'true');
        const bar = document.createElement('span');
        bar.className = `bar tone-${statusTone(status)}`;
        bar.style.width = `${(count / max) * 100}%`;
        track.append(bar);
        const value = document.createElement('span');
        value.className = 'bar-value';
        value.textContent = formatNumber(count);
        item.append(label, track, value);
        return item;
      }),
  );
}

function cell(text: string, numeric = false): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'num';
  return td;
}

function renderByLanguage(queue: QueueStats): void {
  const rows = Object.entries(queue.byLanguage)
    .map(([language, { statuses, timings }]) => {
      const total = Object.values(statuses).reduce((a, b) => a + b, 0);
      const accepted = statuses.accepted ?? 0;
      const pending = (statuses.queued ?? 0) + (statuses.running ?? 0);
      return { language, total, accepted, other: total - accepted - pending, timings };
    })
    .sort((a, b) => b.total - a.total);
  byId<HTMLTableElement>('by-language').tBodies[0]!.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.language = r.language;
      tr.append(
        cell(r.language),
        cell(formatNumber(r.total), true),
        cell(formatNumber(r.accepted), true),
        cell(formatNumber(r.other), true),
        cell(formatMs(r.timings?.avgWaitMs), true),
        cell(formatMs(r.timings?.p95WaitMs), true),
        cell(formatMs(r.timings?.avgRunMs), true),
        cell(formatMs(r.timings?.p95RunMs), true),
      );
      return tr;
    }),
  );
}

function renderWorkers(health: HealthDetailed): void {
  byId<HTMLTableElement>('workers').tBodies[0]!.replaceChildren(
    ...health.workers.map((w) => {
      const state = w.running === 0 ? 'idle' : w.running >= w.concurrency ? 'saturated' : 'busy';
      const tr = document.createElement('tr');
      tr.dataset.state = state;
      const badge = document.createElement('span');
      badge.className = `badge small tone-${state === 'idle' ? 'neutral' : state === 'busy' ? 'good' : 'warn'}`;
      badge.textContent = state;
      const stateCell = cell('');
      stateCell.append(badge);
      tr.append(cell(w.host), cell(String(w.pid)), stateCell, cell(`${w.running} / ${w.concurrency}`, true));
      return tr;
    }),
  );
  const s = health.sandbox;
  byId('sandbox').textContent =
    `Sandbox: ${s.slots} warm slots, ${s.busy} busy, ${s.waiting} waiting, ${s.rebuilt} rebuilt, ` +
    `${formatNumber(s.runs)} runs${s.cgroupVersion ? `, cgroup ${s.cgroupVersion}` : ''}. ` +
    `Store ${health.store.kind} ${health.store.ok ? 'ok' : 'failing'}; ${health.push.subscribers} push subscribers; ` +
    `${health.languages.installed} of ${health.languages.known} languages installed; up ${formatUptime(health.uptimeSeconds)}.`;
}

function formatUptime(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function refreshSoon(): void {
  if (refreshTimer !== undefined) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    void poll();
  }, PUSH_REFRESH_DELAY_MS);
}

// The live submissions table: one row per submission, updated in place as its events arrive.
const feedRows = new Map<string, HTMLTableRowElement>();

function onSubmissionEvent(event: SubmissionEventView): void {
  if (!event.id || !event.status) return;
  const submission = event.submission;
  if (event.type === 'finished' && submission?.startedAt && submission.finishedAt) {
    const finishedAt = Date.parse(submission.finishedAt);
    samples.add(event.id, finishedAt, submission.queueMs ?? 0, finishedAt - Date.parse(submission.startedAt));
  }
  let row = feedRows.get(event.id);
  if (!row) {
    row = document.createElement('tr');
    row.append(...Array.from({ length: 6 }, (_, i) => cell('', i >= 4)));
    feedRows.set(event.id, row);
  }
  const tbody = byId<HTMLTableElement>('feed').tBodies[0]!;
  tbody.prepend(row);
  while (tbody.rows.length > FEED_ROWS) {
    const oldest = tbody.rows[tbody.rows.length - 1]!;
    for (const [id, r] of feedRows) if (r === oldest) feedRows.delete(id);
    oldest.remove();
  }
  byId('feed-empty').hidden = true;
  row.dataset.status = event.status;
  const cells = row.cells;
  cells[0]!.textContent = new Date(event.at ?? Date.now()).toLocaleTimeString();
  cells[1]!.textContent = event.id.slice(0, 8);
  cells[1]!.title = event.id;
  if (submission) cells[2]!.textContent = submission.language;
  const badge = document.createElement('span');
  badge.className = `badge small tone-${statusTone(event.status)}`;
  badge.textContent =
    event.type === 'queued' && event.position !== undefined
      ? `${statusLabel(event.status)} (#${event.position + 1})`
      : statusLabel(event.status);
  cells[3]!.replaceChildren(badge);
  if (submission) {
    cells[4]!.textContent = formatMs(submission.queueMs);
    if (submission.startedAt && submission.finishedAt)
      cells[5]!.textContent = formatMs(Date.parse(submission.finishedAt) - Date.parse(submission.startedAt));
  }
  refreshSoon();
}

// The WebSocket, reconnected with a growing delay when it drops.
let socket: WebSocket | null = null;
let reconnectDelay = 1000;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
const pushState = byId('push-state');

function setPushState(state: 'connecting' | 'live' | 'down' | 'refused', text: string): void {
  pushState.dataset.state = state;
  pushState.textContent = text;
}

function connect(): void {
  const key = storedKey();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
  const ws = new WebSocket(url, key ? [WS_PROTOCOL, WS_KEY_PROTOCOL_PREFIX + key] : [WS_PROTOCOL]);
  socket = ws;
  setPushState('connecting', 'Push: connecting');
  ws.addEventListener('open', () => ws.send(JSON.stringify({ subscribe: 'all' })));
  ws.addEventListener('message', (message) => {
    let data: SubmissionEventView;
    try {
      data = JSON.parse(String(message.data)) as SubmissionEventView;
    } catch {
      return; // the server only sends JSON; anything else is not ours to show
    }
    if (data.type === 'subscribed') {
      reconnectDelay = 1000;
      setPushState('live', 'Push: live');
    } else if (data.type === 'error') {
      setPushState('refused', `Push: ${data.message ?? 'refused'}`);
      keyPrompt.show(`Live events: ${data.message ?? 'refused'}. Enter an admin key.`);
    } else onSubmissionEvent(data);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    const seconds = Math.round(reconnectDelay / 1000);
    setPushState('down', `Push: reconnecting in ${seconds} s`);
    reconnectTimer = setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(MAX_RECONNECT_MS, reconnectDelay * 2);
  });
}

function reconnect(): void {
  clearTimeout(reconnectTimer);
  const old = socket;
  socket = null;
  old?.close();
  reconnectDelay = 1000;
  connect();
}

connect();
void poll();
setInterval(() => void poll(), POLL_INTERVAL_MS);
