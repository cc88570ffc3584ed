/** The dashboard's bar list of submissions by status. */
import { byId } from '../shared/by-id.js';
import { formatNumber, statusLabel, statusTone } from '../shared/format.js';
import type { QueueStats } from '../shared/types.js';
import { countsByStatus } from './queue-breakdown.js';

export function renderStatusBars(queue: QueueStats): void {
  const counts = countsByStatus(queue);
  const max = Math.max(1, ...counts.map(([, count]) => count));
  const list = byId('by-status');
  if (counts.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'hint';
    empty.textContent = 'No submissions yet.';
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(
    ...counts.map(([status, count]) => {
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
