import type { Cluster } from './cluster.js';

/**
 * The cluster of one process: no other workers to tell about, a queue in the same SQLite file as
 * the submissions (so nothing to reconcile), and events delivered synchronously (so none to lose).
 */
export const EMBEDDED_CLUSTER: Cluster = Object.freeze({
  join: () => Promise.resolve(),
  reportLoad: () => Promise.resolve(),
  markDraining: () => Promise.resolve(),
  workers: () => Promise.resolve(null),
  reconcile: () => Promise.resolve(0),
  recoverLostFinishes: () => Promise.resolve(0),
  close: () => Promise.resolve(),
});
