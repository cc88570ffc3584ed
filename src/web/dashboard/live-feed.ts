/** The live submissions table: one row per submission, updated in place as its events arrive. */
import { byId } from '../shared/by-id.js';
import { formatMs, statusLabel, statusTone } from '../shared/format.js';
import type { SubmissionEventView } from '../shared/types.js';
import { cell } from './table-cell.js';

/** Rows kept in the table. */
const FEED_ROWS = 25;

export class LiveFeed {
  readonly #rows = new Map<string, HTMLTableRowElement>();

  /** Moves the submission's row to the top (adding it when new) and shows what the event says. */
  show(event: SubmissionEventView & { id: string; status: string }): void {
    const submission = event.submission;
    let row = this.#rows.get(event.id);
    if (!row) {
      row = document.createElement('tr');
      row.append(...Array.from({ length: 6 }, (_, i) => cell('', i >= 4)));
      this.#rows.set(event.id, row);
    }
    const tbody = byId<HTMLTableElement>('feed').tBodies[0]!;
    tbody.prepend(row);
    while (tbody.rows.length > FEED_ROWS) {
      const oldest = tbody.rows[tbody.rows.length - 1]!;
      for (const [id, r] of this.#rows) if (r === oldest) this.#rows.delete(id);
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
        cells[5]!.textContent = formatMs(
          Date.parse(submission.finishedAt) - Date.parse(submission.startedAt),
        );
    }
  }
}
