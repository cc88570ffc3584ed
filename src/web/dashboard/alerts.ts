/**
 * When the dashboard raises its alert banner. The numbers are those of the Prometheus rules in
 * deploy/prometheus/arbiter-alerts.yml, one for one: change a number here and there together, so
 * the page and the pager agree. The page reads live figures rather than rates, so it has no `for:`
 * delay, and it notes below where its window differs from the rule's.
 */
export const ALERT_THRESHOLDS = {
  /**
   * ArbiterQueueBacklog: waiting submissions above this share of the maximum queue length (past
   * the maximum, submissions get 503). The rule writes the default maximum (10,000) out; the page
   * uses the server's configured maxLength.
   */
  queueFillRatio: 0.8,
  /**
   * ArbiterSlowQueue: 95th percentile of the wait from submit to start, in ms (the rule: > 30 s).
   * The page uses the server's exact p95 over its last 15 minutes (GET /api/v1/queue); the rule,
   * histogram_quantile over a 5-minute rate.
   */
  p95WaitMs: 30_000,
  /**
   * ArbiterHighErrorRate: share of finished submissions that ended in internal_error (Arbiter's
   * own fault; a wrong answer or a crashing program is a verdict, not an error), over 5 minutes of
   * arbiter_jobs_finished_total, as in the rule.
   */
  errorRate: 0.05,
  /** ArbiterNoWorkers: fewer warm sandbox slots (or worker slots) than this; the rule: sum(arbiter_sandbox_slots) == 0. */
  minWorkers: 1,
} as const;

/** The figures the alerts look at; null when not known (yet). */
export interface AlertInputs {
  queueLength: number | null;
  maxQueueLength: number | null;
  p95WaitMs: number | null;
  errorRate: number | null;
  /** Worker slots across all worker processes. */
  workers: number | null;
  /** The server answers at all. */
  reachable: boolean;
}

export interface Alert {
  id: 'unreachable' | 'queue' | 'wait' | 'errors' | 'workers';
  message: string;
}

const count = (n: number) => n.toLocaleString('en-US');

export function evaluateAlerts(inputs: AlertInputs, thresholds = ALERT_THRESHOLDS): Alert[] {
  if (!inputs.reachable) return [{ id: 'unreachable', message: 'The server does not answer.' }];
  const alerts: Alert[] = [];
  const { queueLength, maxQueueLength, p95WaitMs, errorRate, workers } = inputs;
  if (queueLength !== null && maxQueueLength && queueLength > thresholds.queueFillRatio * maxQueueLength)
    alerts.push({
      id: 'queue',
      message: `Queue nearly full: ${count(queueLength)} of ${count(maxQueueLength)} (over ${thresholds.queueFillRatio * 100} %); new submissions soon get 503.`,
    });
  if (p95WaitMs !== null && p95WaitMs > thresholds.p95WaitMs)
    alerts.push({
      id: 'wait',
      message: `Slow queue: p95 wait ${(p95WaitMs / 1000).toFixed(1)} s (over ${thresholds.p95WaitMs / 1000} s).`,
    });
  if (errorRate !== null && errorRate > thresholds.errorRate)
    alerts.push({
      id: 'errors',
      message: `Error rate ${(errorRate * 100).toFixed(1)} % of finished submissions (over ${thresholds.errorRate * 100} %).`,
    });
  if (workers !== null && workers < thresholds.minWorkers)
    alerts.push({ id: 'workers', message: 'No workers: nothing is running submissions.' });
  return alerts;
}
