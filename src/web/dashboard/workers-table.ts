/** The dashboard's table of worker processes, and the server summary under it. */
import { byId } from '../shared/by-id.js';
import type { HealthDetailed } from '../shared/types.js';
import { serverSummary, workerState, type WorkerState } from './health-text.js';
import { cell } from './table-cell.js';

const STATE_TONE: Record<WorkerState, string> = { idle: 'neutral', busy: 'good', saturated: 'warn' };

export function renderWorkersTable(health: HealthDetailed): void {
  byId<HTMLTableElement>('workers').tBodies[0]!.replaceChildren(
    ...health.workers.map((w) => {
      const state = workerState(w);
      const tr = document.createElement('tr');
      tr.dataset.state = state;
      const badge = document.createElement('span');
      badge.className = `badge small tone-${STATE_TONE[state]}`;
      badge.textContent = state;
      const stateCell = cell('');
      stateCell.append(badge);
      tr.append(cell(w.host), cell(String(w.pid)), stateCell, cell(`${w.running} / ${w.concurrency}`, true));
      return tr;
    }),
  );
  byId('sandbox').textContent = serverSummary(health);
}
