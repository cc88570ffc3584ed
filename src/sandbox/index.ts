export * from './limits.js';
export * from './run-spec.js';
export { SandboxPool, DEFAULT_POOL_OPTIONS } from './pool.js';
export { SandboxLease } from './lease.js';
export { checkSandboxPrerequisites } from './prerequisites.js';
export type { SandboxPoolOptions, SandboxPoolStats } from './pool.js';
export { detectCgroups } from './cgroups.js';
export { ensureSupervisor, buildSupervisor } from './supervisor-binary.js';
