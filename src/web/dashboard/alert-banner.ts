/** The banner over the dashboard: one line per alert, hidden when none fires. */
import { byId } from '../shared/by-id.js';
import type { Alert } from './alerts.js';

export function renderAlertBanner(alerts: readonly Alert[]): void {
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
}
