/**
 * The live ops dashboard: submission events pushed over the WebSocket ({"subscribe": "all"}),
 * plus a light poll every 2 s of /api/v1/queue, /health/detailed and /metrics for the figures.
 * Nothing reloads the page. When keys are on, the data calls need an admin key; a 401 or 403
 * shows the key form.
 */
import { byId } from '../shared/by-id.js';
import { KeyPrompt } from '../shared/key-prompt.js';
import type { SubmissionEventView } from '../shared/types.js';
import { renderAlertBanner } from './alert-banner.js';
import { evaluateAlerts } from './alerts.js';
import { FiguresPoller } from './figures-poller.js';
import { HistoryCharts } from './history-charts.js';
import { renderLanguagesTable } from './languages-table.js';
import { LiveFeed } from './live-feed.js';
import { PushConnection } from './push-connection.js';
import { finishedSample, SampleWindow, WINDOW_MS } from './sample-window.js';
import { takeSnapshot, type PollAnswers } from './snapshot.js';
import { SnapshotHistory } from './snapshot-history.js';
import { renderStatusBars } from './status-bars.js';
import { summaryFigures } from './summary-figures.js';
import { renderSummaryTiles } from './summary-tiles.js';
import { renderWorkersTable } from './workers-table.js';

const samples = new SampleWindow();
const history = new SnapshotHistory();

const keyPrompt = new KeyPrompt(() => {
  poller.forgetRefusal();
  push.reconnect();
  void poller.poll();
});
const charts = new HistoryCharts();
const feed = new LiveFeed();
const poller = new FiguresPoller({ onAnswers: render, onNeedsKey: (reason) => keyPrompt.show(reason) });
const push = new PushConnection({
  onEvent: onSubmissionEvent,
  onRefused: (message) => keyPrompt.show(`Live events: ${message}. Enter an admin key.`),
});

function render(answers: PollAnswers, reachable: boolean): void {
  const { queue, health } = answers;
  const now = Date.now();
  const snapshot = takeSnapshot(now, answers, samples.summary(now), history.last);
  if (reachable) history.add(snapshot);
  history.dropBefore(now - WINDOW_MS);
  const figures = summaryFigures(snapshot, history, answers);
  const timings = queue?.last15Minutes;

  renderSummaryTiles(snapshot, figures, timings, health);
  charts.render(history.all, now);
  if (queue) {
    renderStatusBars(queue);
    renderLanguagesTable(queue);
  }
  if (health) renderWorkersTable(health);
  renderAlertBanner(
    evaluateAlerts({
      reachable,
      queueLength: reachable ? snapshot.queueLength : null,
      maxQueueLength: figures.maxQueueLength,
      p95WaitMs: timings?.p95WaitMs ?? null,
      errorRate: figures.errorRate,
      workers: health ? Math.min(figures.workers ?? 0, health.sandbox.slots) : figures.workers,
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

function onSubmissionEvent(event: SubmissionEventView): void {
  const { id, status } = event;
  if (!id || !status) return;
  const sample = finishedSample(event);
  if (sample) samples.add(sample.id, sample.at, sample.waitMs, sample.runMs);
  feed.show({ ...event, id, status });
  poller.refreshSoon();
}

push.connect();
poller.start();
