/** How the dashboard words GET /health/detailed: a worker's state and the one-line server summary. */
import { formatNumber } from '../shared/format.js';
import type { HealthDetailed } from '../shared/types.js';

export type WorkerState = 'idle' | 'busy' | 'saturated';

export function workerState(worker: { running: number; concurrency: number }): WorkerState {
  if (worker.running === 0) return 'idle';
  return worker.running >= worker.concurrency ? 'saturated' : 'busy';
}

export function formatUptime(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The sandbox, store, push and languages in one sentence. */
export function serverSummary(health: HealthDetailed): string {
  const s = health.sandbox;
  return (
    `Sandbox: ${s.slots} warm slots, ${s.busy} busy, ${s.waiting} waiting, ${s.rebuilt} rebuilt, ` +
    `${formatNumber(s.runs)} runs${s.cgroupVersion ? `, cgroup ${s.cgroupVersion}` : ''}. ` +
    `Store ${health.store.kind} ${health.store.ok ? 'ok' : 'failing'}; ${health.push.subscribers} push subscribers; ` +
    `${health.languages.installed} of ${health.languages.known} languages installed; up ${formatUptime(health.uptimeSeconds)}.`
  );
}
