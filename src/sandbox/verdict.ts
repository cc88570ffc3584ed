import type { RunLimits } from './limits.js';
import type { SupervisorReport } from './protocol.js';
import type { RunReason, RunStatus } from './run-spec.js';

const SIGXFSZ = 25;

export interface Verdict {
  status: RunStatus;
  reason: RunReason | null;
  limitsHit: RunReason[];
  message?: string;
}

/**
 * Decides a run's status from what the kernel recorded. Order matters: the limit that stopped the
 * program wins over the symptom it caused (an OOM kill shows up as SIGKILL; a CPU kill as well).
 * Memory comes from the cgroup's own OOM counter, never from guessing at exit codes.
 */
export function decideVerdict(report: SupervisorReport, limits: RunLimits): Verdict {
  const limitsHit: RunReason[] = [];
  if (report.oom > 0) limitsHit.push('memory');
  if (report.outTruncated || report.errTruncated) limitsHit.push('output');
  if (report.killed === 'cpu' || report.cpuUs > limits.cpuMs * 1000) limitsHit.push('cpu');
  if (report.killed === 'wall') limitsHit.push('wall');
  if (report.pidsHit > 0) limitsHit.push('processes');
  if (report.signal === SIGXFSZ) limitsHit.push('file_size');

  if (report.execErrno !== 0) {
    return {
      status: 'internal_error',
      reason: 'sandbox',
      limitsHit,
      message: `the command could not be started (errno ${report.execErrno})`,
    };
  }
  if (report.killed === 'io') {
    return { status: 'internal_error', reason: 'sandbox', limitsHit, message: 'output capture failed' };
  }
  if (report.killed === 'cancel') return { status: 'cancelled', reason: 'cancelled', limitsHit };
  if (limitsHit.includes('memory')) return { status: 'memory_limit_exceeded', reason: 'memory', limitsHit };
  if (limitsHit.includes('output')) return { status: 'output_limit_exceeded', reason: 'output', limitsHit };
  if (limitsHit.includes('cpu')) return { status: 'time_limit_exceeded', reason: 'cpu', limitsHit };
  if (limitsHit.includes('wall')) return { status: 'time_limit_exceeded', reason: 'wall', limitsHit };
  if (report.signal !== 0) {
    const reason: RunReason = report.signal === SIGXFSZ ? 'file_size' : 'signal';
    return { status: 'runtime_error', reason, limitsHit };
  }
  if (report.exit !== 0) {
    return {
      status: 'runtime_error',
      reason: limitsHit.includes('processes') ? 'processes' : 'exit_code',
      limitsHit,
    };
  }
  return { status: 'accepted', reason: null, limitsHit };
}
