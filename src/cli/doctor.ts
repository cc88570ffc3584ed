import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { compileAndRun } from '../judge/execute.js';
import { dependencyChecks } from './doctor-dependencies.js';
import { configFromFlags, type ServeOptions } from './serve-command.js';
import { pchStatus } from '../languages/pch-build.js';
import { LanguageRegistry } from '../languages/registry.js';
import { GREETING_SAMPLES } from '../languages/samples.js';
import { SERVER_LEAF, usableCgroups } from '../sandbox/cgroups.js';
import { DEFAULT_RUN_LIMITS } from '../sandbox/limits.js';
import { SandboxPool } from '../sandbox/pool.js';
import { ensureSupervisor } from '../sandbox/supervisor-binary.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure. */
  fix?: string;
  /**
   * A failure that leaves the service usable: a toolchain that is not installed is left out of
   * /languages (a slim image leaves most out on purpose). Shown, but doctor still exits 0.
   */
  warning?: boolean;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function check(name: string, fix: string, probe: () => string): Check {
  try {
    return { name, ok: true, detail: probe() };
  } catch (error) {
    return { name, ok: false, detail: message(error), fix };
  }
}

/** Checks that need no sandbox: the machine's kernel features and packages. */
export function machineChecks(): Check[] {
  return [
    check('root', 'run Arbiter as root: it needs root for cgroups and per-slot uids', () => {
      if (process.getuid?.() !== 0) throw new Error(`running as uid ${process.getuid?.()}`);
      return 'running as root';
    }),
    check('bubblewrap', 'apt-get install bubblewrap (or run scripts/setup)', () =>
      execFileSync('bwrap', ['--version'], { encoding: 'utf8' }).trim(),
    ),
    check('namespaces', 'the kernel needs mount, PID, network, IPC and UTS namespaces', () => {
      const missing = ['mnt', 'pid', 'net', 'ipc', 'uts'].filter((ns) => !existsSync(`/proc/self/ns/${ns}`));
      if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
      const userns = readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim();
      return `mnt pid net ipc uts available; user namespaces max=${userns} (not needed: bubblewrap runs as root)`;
    }),
    check(
      'cgroups',
      'cgroup v1 (memory, pids, cpuacct) or cgroup v2 with memory, pids and cpu delegated to Arbiter; docs/operations.md, "Hosts", has the command for each kind of host',
      () => {
        const system = usableCgroups();
        if (system.version === 'v2') {
          const where = system.hierarchyRoot
            ? 'the hierarchy root'
            : `the delegated subtree ${system.cgroupPath} (the server moves into ${SERVER_LEAF}/)`;
          return `cgroup v2 in use: ${where} at ${system.roots.unified}`;
        }
        const where = Object.entries(system.roots)
          .map(([name, path]) => `${name}=${path}`)
          .join(' ');
        const swap = !existsSync(`${system.roots.memory}/memory.memsw.limit_in_bytes`)
          ? ' (no memsw: swap is not limited; keep swap off)'
          : '';
        return `cgroup v1 in use: ${where}${swap}`;
      },
    ),
    check('seccomp', 'the kernel needs CONFIG_SECCOMP_FILTER; apt-get install libseccomp-dev', () => {
      const status = readFileSync('/proc/self/status', 'utf8');
      if (!/^Seccomp:/m.test(status)) throw new Error('kernel has no seccomp');
      if (!existsSync('/usr/include/seccomp.h')) throw new Error('libseccomp-dev is not installed');
      return 'kernel seccomp filters and libseccomp available';
    }),
    check(
      'supervisor',
      'install gcc and libseccomp-dev (scripts/setup), then retry',
      () => `built at ${ensureSupervisor()}`,
    ),
  ];
}

/** A real run in a real slot, plus every toolchain (with `deep`, each compiles and runs its sample). */
export async function sandboxChecks(deep: boolean): Promise<Check[]> {
  const checks: Check[] = [];
  const registry = new LanguageRegistry();
  let pool: SandboxPool | null = null;
  try {
    pool = await SandboxPool.create({ concurrency: deep ? 2 : 1, readOnlyDirs: registry.readOnlyDirs() });
    const result = await pool.run({
      command: ['/bin/sh', '-c', 'id -u; echo ok'],
      limits: DEFAULT_RUN_LIMITS,
    });
    const [uid, ok] = result.stdout.toString().trim().split('\n');
    const good = result.status === 'accepted' && ok === 'ok' && uid !== '0';
    const { memoryPeak, cgroupEntry } = pool.stats();
    checks.push({
      name: 'sandbox',
      ok: good,
      detail: good
        ? `a run in a warm slot works (uid ${uid}, ${result.wallMs.toFixed(1)} ms wall; ` +
          `enters its cgroup by ${cgroupEntry === 'clone3' ? 'clone3(CLONE_INTO_CGROUP)' : 'migration after fork'}; ` +
          `peak memory from ${memoryPeak === 'sampled' ? 'sampling (this kernel has no memory.peak)' : memoryPeak})`
        : `run ended ${result.status}: ${result.message ?? result.stderr.toString()}`,
      fix: good ? undefined : 'see the message above; `arbiter doctor` lists what the sandbox needs',
    });
  } catch (error) {
    checks.push({ name: 'sandbox', ok: false, detail: message(error), fix: 'fix the checks above first' });
  }

  const toolchains = await Promise.all(
    registry.definitions.map(async (language): Promise<Check> => {
      const fix = `apt-get install ${language.packages.join(' ')} (or run scripts/setup)`;
      if (!registry.isInstalled(language))
        return {
          name: language.id,
          ok: false,
          warning: true,
          detail: `${language.binary} not found: ${language.name} is left out of /languages`,
          fix,
        };
      const version = await registry.version(language);
      if (!deep || !pool)
        return {
          name: language.id,
          ok: version !== null,
          detail: `${language.name} ${version ?? '(version unknown)'}`,
          fix,
        };
      const sample = GREETING_SAMPLES[language.id];
      if (!sample)
        return {
          name: language.id,
          ok: false,
          detail: 'no sample program',
          fix: 'add one to src/languages/samples.ts',
        };
      const result = await compileAndRun(pool, {
        language,
        source: sample,
        stdin: 'world\n',
        limits: DEFAULT_RUN_LIMITS,
      });
      const out = result.run?.stdout.toString().trim();
      const ok = result.status === 'accepted' && out === 'hello world';
      const failure =
        [result.compile?.stdout, result.compile?.stderr, result.run?.stderr]
          .map((b) => b?.toString().trim())
          .find(Boolean) ?? result.run?.message;
      return {
        name: language.id,
        ok,
        detail: ok
          ? `${language.name} ${version ?? ''} compiles and runs in the sandbox`
          : `${result.status}: ${failure ?? out}`,
        fix,
      };
    }),
  );
  await pool?.close();
  return [...checks, ...toolchains];
}

/**
 * Each installed C++ entry's precompiled headers (scripts/setup makes them). Missing or stale ones
 * cost compile speed only, as GCC then reads the real header: a warning, never a failure.
 */
export async function pchChecks(registry: LanguageRegistry): Promise<Check[]> {
  const languages = registry.definitions.filter((d) => d.precompiledHeaders && registry.isInstalled(d));
  return Promise.all(
    languages.map(async (language): Promise<Check> => {
      const name = `${language.id} pch`;
      const fix = 'run scripts/setup, which makes them for the installed compilers';
      try {
        const status = await pchStatus(language);
        if (status.fresh) return { name, ok: true, detail: `precompiled ${status.detail}` };
        const detail = `precompiled headers ${status.detail}: bits/stdc++.h programs compile slower`;
        return { name, ok: false, warning: true, detail, fix };
      } catch (error) {
        return { name, ok: false, warning: true, detail: message(error), fix };
      }
    }),
  );
}

export interface DoctorOptions extends ServeOptions {
  run?: boolean;
}

/** `arbiter doctor`: prints each check with a fix for each failure; exit code 1 when any failed. */
export async function doctorCommand(options: DoctorOptions): Promise<number> {
  // The deployment doctor is asked about: the same config file, environment and flags as serve.
  const config = configFromFlags(options);
  const checks = machineChecks();
  const usable = checks.every((c) => c.ok);
  if (usable) checks.push(...(await sandboxChecks(options.run ?? false)));
  checks.push(...(await dependencyChecks(config)));
  const languages = new LanguageRegistry();
  checks.push(...(await pchChecks(languages)));
  if (usable && !languages.definitions.some((d) => languages.isInstalled(d))) {
    checks.push({
      name: 'languages',
      ok: false,
      detail: 'no language toolchain is installed: nothing can run',
      fix: 'run scripts/setup (or install the packages of the languages you need)',
    });
  }
  for (const c of checks) {
    process.stdout.write(`${c.ok ? '✓' : c.warning ? '!' : '✗'} ${c.name.padEnd(11)} ${c.detail}\n`);
    if (!c.ok && c.fix) process.stdout.write(`  ${''.padEnd(11)} fix: ${c.fix}\n`);
  }
  const failed = checks.filter((c) => !c.ok && !c.warning).length;
  const warned = checks.filter((c) => c.warning).length;
  const summary = failed ? `${failed} check(s) failed` : 'all checks passed';
  process.stdout.write(`\n${summary}${warned ? `; ${warned} warning(s)` : ''}\n`);
  return failed ? 1 : 0;
}
