// What test/image needs of the image's surroundings: the worker's securityContext as the Kubernetes
// manifest asks for it, turned into the podman options that grant the same, and podman itself.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const VERSION = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string })
  .version;

/** The worker container's securityContext in deploy/kubernetes/arbiter.yaml. */
export interface WorkerSecurity {
  capabilities: string[];
  seccomp: string;
  appArmor: string;
  readOnlyRootFilesystem: boolean;
  privileged: boolean;
  hostPaths: string[];
}

/**
 * Reads the worker's securityContext from the manifest. The manifest is ours and written in one
 * style (flow lists and maps on one line), so a few patterns read it; each must match, or this
 * throws rather than quietly granting less or more than the manifest says.
 */
export function workerSecurity(path = `${ROOT}/deploy/kubernetes/arbiter.yaml`): WorkerSecurity {
  const text = readFileSync(path, 'utf8');
  const documents = text.split(/^---$/m);
  const worker = documents.find((d) => /kind: Deployment/.test(d) && /name: arbiter-worker/.test(d));
  if (!worker) throw new Error(`${path}: no arbiter-worker Deployment`);
  const one = (pattern: RegExp, what: string): string => {
    const match = pattern.exec(worker);
    if (!match?.[1]) throw new Error(`${path}: the worker's ${what} is not where test/image/podman.ts looks`);
    return match[1];
  };
  return {
    capabilities: one(/^\s+add: \[([^\]]+)\]/m, 'capabilities.add')
      .split(',')
      .map((c) => c.trim()),
    seccomp: one(/seccompProfile: \{ type: (\w+) \}/, 'seccompProfile'),
    appArmor: one(/appArmorProfile: \{ type: (\w+) \}/, 'appArmorProfile'),
    readOnlyRootFilesystem: /readOnlyRootFilesystem: true/.test(worker),
    privileged: /privileged: true/.test(worker),
    hostPaths: [...worker.matchAll(/hostPath: \{ path: (\S+) \}/g)].map((m) => m[1]!),
  };
}

/**
 * podman options granting what the manifest grants the worker, and no more: all capabilities
 * dropped but the listed ones, the seccomp and AppArmor choices, a read-only root (podman mounts
 * tmpfs on /run and /tmp, as the manifest's emptyDirs do), and a private cgroup namespace (what
 * Kubernetes gives a container on a cgroup v2 node).
 */
export function podmanSecurityOptions(security = workerSecurity()): string[] {
  const options = ['--cap-drop=all', `--cap-add=${security.capabilities.join(',')}`, '--cgroupns=private'];
  if (security.seccomp === 'Unconfined') options.push('--security-opt=seccomp=unconfined');
  else if (security.seccomp !== 'RuntimeDefault')
    throw new Error(`unexpected seccompProfile ${security.seccomp}`);
  if (security.appArmor === 'Unconfined') options.push('--security-opt=apparmor=unconfined');
  if (security.readOnlyRootFilesystem) options.push('--read-only');
  if (security.privileged) options.push('--privileged');
  return options;
}

/** A hard limit of this process, from /proc/self/limits ("Max open files  20000  20000  files"). */
function hardLimit(name: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(26).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
}

/**
 * Options this machine needs to start any container, whatever the image asks:
 * - podman raises a container's open-files and processes limits to 1048576, which takes
 *   CAP_SYS_RESOURCE; where root lacks it (as in this workplace's sessions) the runtime fails with
 *   "setrlimit RLIMIT_NOFILE: Operation not permitted", so the limits are set to what we may grant.
 * - crun 1.8 (Debian 12) refuses a host whose cgroup v2 hierarchy holds a controller while the v1
 *   hierarchies are in use ("cgroups in hybrid mode not supported"); runc starts such containers.
 */
export function podmanHostOptions(): string[] {
  const nofile = Math.min(hardLimit('Max open files'), 65536);
  const options = [`--ulimit=nofile=${nofile}:${nofile}`, '--ulimit=nproc=4096:4096'];
  const unified = '/sys/fs/cgroup/unified/cgroup.controllers';
  if (existsSync('/sys/fs/cgroup/memory') && existsSync(unified) && readFileSync(unified, 'utf8').trim()) {
    options.push('--runtime=runc');
  }
  return options;
}

/** Fails loudly, naming the fix, when podman (or the runc this host needs) is missing. */
export function requirePodman(): void {
  const fix = `install the image tools: apt-get install $(grep -v '^#' scripts/debian-packages-image.txt)`;
  const podman = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (podman.error || podman.status !== 0)
    throw new Error(`test/image needs podman, which is missing: ${fix}`);
  if (podmanHostOptions().includes('--runtime=runc') && spawnSync('runc', ['--version']).status !== 0) {
    throw new Error(`this host's cgroup layout needs runc (crun refuses it), which is missing: ${fix}`);
  }
  if (process.getuid?.() !== 0)
    throw new Error('test/image builds and runs the image as root; run it as root');
}
