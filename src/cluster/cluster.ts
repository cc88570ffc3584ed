import type { FinalStatus } from '../judge/types.js';
import type { SubmissionRecord } from '../store/types.js';
import type { WorkerInfo, WorkerStatus } from '../service/worker-registry.js';

/**
 * Records a final status once (SubmissionFinisher.finish): the one way a submission ends, so a
 * give-up by the reconciler reaches listeners and callbacks as any other finish does.
 */
export type FinishSubmission = (
  record: SubmissionRecord,
  status: FinalStatus,
  result: NonNullable<SubmissionRecord['result']>,
) => Promise<boolean>;

/**
 * What only a deployment of several processes has: the other processes. The embedded mode is one
 * process, and its cluster (embedded-cluster.ts) does nothing; scale-out (scale-out-cluster.ts) has
 * a registry of live workers, a reconciler for the queue, and a sweep for events pub/sub lost.
 * Callers never ask which one they have.
 */
export interface Cluster {
  /** Makes this process's workers known to the others (heartbeats until close). */
  join(worker: WorkerInfo): Promise<void>;
  /** How many jobs this process runs now; fire and forget (never rejects for a dependency). */
  reportLoad(running: number): Promise<void>;
  /** This process finishes what it runs and takes no more (shutting down). */
  markDraining(): Promise<void>;
  /** The live workers of every machine; null when this process is the only one. */
  workers(): Promise<WorkerStatus[] | null>;
  /**
   * Re-enqueues submissions the store holds as unfinished but the queue lost (a Redis flush or
   * failover); one that lost its worker too often is given up through `finish`. Returns how many
   * it re-queued.
   */
  reconcile(finish: FinishSubmission): Promise<number>;
  /** Delivers `finished` events that listeners here wait on but that never arrived. Returns how many. */
  recoverLostFinishes(): Promise<number>;
  /** Leaves the cluster. */
  close(): Promise<void>;
}
