import { IO_DIR } from './protocol.js';

/** What one warm slot's bubblewrap box looks like. */
export interface BoxLayout {
  /** Host path of the supervisor binary; copied into the box as /.supervisor (see BoxFds). */
  supervisorPath: string;
  /** cgroup mode for the supervisor: 'v1' passes three directory fds, 'v2' one. */
  cgroupVersion: 'v1' | 'v2';
  /** The unprivileged uid and gid programs run as; unique per slot. */
  uid: number;
  gid: number;
  /** Size caps of the work directory, /tmp and /dev/shm, in KiB (tmpfs, enforced by the kernel). */
  boxSizeKb: number;
  tmpSizeKb: number;
  /** Size cap of the supervisor's private I/O directory (captured output, stdin). */
  ioSizeKb: number;
  /**
   * Inodes (files and directories) each of the work directory, /tmp and /dev/shm may hold.
   * bubblewrap's --tmpfs has no such option; the supervisor remounts them with it at start.
   */
  maxInodes: number;
  /** Host files whose contents become the box's /etc/passwd, /etc/group and /etc/hosts (see BoxFds). */
  etcFiles: { passwd: string; group: string; hosts: string };
  /** Host directories bound read-only at the same path (toolchains). */
  readOnlyDirs: readonly string[];
  /** /etc entries a toolchain needs; bound read-only when they exist. Nothing else of /etc is visible. */
  etcEntries: readonly string[];
  /** Measure peak memory by sampling even where memory.peak exists (see SandboxPoolOptions). */
  sampledMemory?: boolean;
}

/** /etc entries toolchains read: dynamic linker, alternatives symlinks, JVM, Mono, FPC and PHP config. */
export const DEFAULT_ETC_ENTRIES: readonly string[] = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/java-17-openjdk',
  '/etc/mono',
  '/etc/fpc.cfg',
  '/etc/fpc-3.2.2.cfg',
  '/etc/fp.cfg',
  '/etc/php',
  '/etc/perl',
  '/etc/python3',
  '/etc/python3.11',
  '/etc/ocaml',
  '/etc/sbclrc',
  '/etc/ghc',
  '/etc/nsswitch.conf',
];

const kib = (value: number): string => String(value * 1024);

/**
 * File descriptors, in bubblewrap's fd table, of what it reads at start: the pipe for its info
 * (the box's pid), and open files it copies into the box's own tmpfs (--file) rather than binding:
 * a bind mount shows its source's host path in the box's /proc/self/mountinfo, and these paths
 * named the server's pid (/run/arbiter/PID) and the project's directory. Copies show nothing.
 */
export interface BoxFds {
  info: number;
  supervisor: number;
  passwd: number;
  group: number;
  hosts: number;
}

/**
 * Builds bubblewrap's argv for one warm slot. Every namespace but the user namespace is new: the
 * supervisor must stay real root (without most capabilities) so it can give each slot its own
 * host uid and create per-run cgroups. The cgroup namespace is the supervisor's to make, once it
 * has entered the slot's cgroup (see supervisor.c), so bubblewrap leaves it alone. Capabilities are
 * cut to the eight the supervisor uses; it drops CAP_SYS_ADMIN once that namespace exists, holds
 * CHOWN, DAC_OVERRIDE and FOWNER effective only while it wipes the slot between leases, and a run
 * loses them all with its uid switch before it execs a program.
 */
export function buildBwrapArgs(layout: BoxLayout, fds: BoxFds): string[] {
  const args = [
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-uts',
    '--die-with-parent',
    '--new-session',
    '--as-pid-1',
    '--hostname',
    'arbiter',
    '--cap-drop',
    'ALL',
    '--cap-add',
    'CAP_SETUID',
    '--cap-add',
    'CAP_SETGID',
    '--cap-add',
    'CAP_SETPCAP',
    '--cap-add',
    'CAP_KILL',
    '--cap-add',
    'CAP_SYS_ADMIN',
    // The wipe between leases, done by the supervisor with these raised only meanwhile (supervisor.c).
    '--cap-add',
    'CAP_CHOWN',
    '--cap-add',
    'CAP_DAC_OVERRIDE',
    '--cap-add',
    'CAP_FOWNER',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
  ];
  // Directories bubblewrap creates implicitly are root-only; /etc must be readable by the program.
  args.push('--perms', '0755', '--dir', '/etc');
  for (const dir of layout.readOnlyDirs) {
    const parts = dir.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++)
      args.push('--perms', '0755', '--dir', `/${parts.slice(0, i).join('/')}`);
    args.push('--ro-bind-try', dir, dir);
  }
  for (const entry of layout.etcEntries) args.push('--ro-bind-try', entry, entry);
  // Root-owned copies on the box's root tmpfs, which only root inside the box can write.
  args.push(
    '--perms',
    '0644',
    '--file',
    String(fds.passwd),
    '/etc/passwd',
    '--perms',
    '0644',
    '--file',
    String(fds.group),
    '/etc/group',
    '--perms',
    '0644',
    '--file',
    String(fds.hosts),
    '/etc/hosts',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    kib(layout.tmpSizeKb),
    '--perms',
    '1777',
    '--tmpfs',
    '/dev/shm',
    '--size',
    kib(layout.boxSizeKb),
    '--perms',
    '0755',
    '--tmpfs',
    '/box',
    '--size',
    kib(layout.tmpSizeKb),
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    // Root-only: the program's uid cannot read its own captured output or anyone's stdin here.
    '--size',
    kib(layout.ioSizeKb),
    '--perms',
    '0700',
    '--tmpfs',
    IO_DIR,
    // Only root inside the box (the supervisor) needs to run or read it.
    '--perms',
    '0700',
    '--file',
    String(fds.supervisor),
    '/.supervisor',
    '--chdir',
    '/box',
    '--info-fd',
    String(fds.info),
    '--',
    '/.supervisor',
    layout.cgroupVersion,
    String(layout.uid),
    String(layout.gid),
    String(layout.maxInodes),
  );
  if (layout.sampledMemory) args.push('sampled-memory');
  return args;
}
