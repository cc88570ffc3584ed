export * from './limits.js';
export * from './run-spec.js';
export { SandboxPool, SandboxLease, DEFAULT_POOL_OPTIONS, checkSandboxPrerequisites } from './pool.js';
export type { SandboxPoolOptions, SandboxPoolStats } from './pool.js';
export { detectCgroups } from './cgroups.js';
export { ensureSupervisor, buildSupervisor } from './supervisor-binary.js';
