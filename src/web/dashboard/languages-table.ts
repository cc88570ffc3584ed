/** The dashboard's table of submissions and timings per language. */
import { byId } from '../shared/by-id.js';
import { formatMs, formatNumber } from '../shared/format.js';
import type { QueueStats } from '../shared/types.js';
import { languageRows } from './queue-breakdown.js';
import { cell } from './table-cell.js';

export function renderLanguagesTable(queue: QueueStats): void {
  byId<HTMLTableElement>('by-language').tBodies[0]!.replaceChildren(
    ...languageRows(queue).map((r) => {
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
