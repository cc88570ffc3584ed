import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBwrapArgs, DEFAULT_ETC_ENTRIES, type BoxLayout } from './bwrap-args.js';

const layout: BoxLayout = {
  supervisorPath: '/opt/sup',
  cgroupVersion: 'v1',
  uid: 60003,
  gid: 60003,
  boxSizeKb: 1024,
  tmpSizeKb: 512,
  ioSizeKb: 256,
  maxInodes: 4096,
  etcFiles: { passwd: '/run/a/passwd', group: '/run/a/group', hosts: '/run/a/hosts' },
  readOnlyDirs: ['/var/lib/ghc'],
  etcEntries: DEFAULT_ETC_ENTRIES,
};
const fds = { info: 6, supervisor: 7, passwd: 8, group: 9, hosts: 10 };
const args = buildBwrapArgs(layout, fds);
const after = (flag: string, value?: string): string[] => {
  const i = args.findIndex((a, j) => a === flag && (value === undefined || args[j + 1] === value));
  return i < 0 ? [] : args.slice(i + 1, i + 3);
};

test('every namespace but the user and cgroup namespaces is new, and the box dies with its parent', () => {
  for (const flag of [
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-uts',
    '--die-with-parent',
    '--new-session',
    '--as-pid-1',
  ]) {
    assert.ok(args.includes(flag), flag);
  }
  assert.ok(!args.includes('--unshare-all') && !args.includes('--share-net'));
  // The supervisor makes the cgroup namespace itself, from inside the slot's cgroup: with
  // nsdelegate a namespace rooted at the server's cgroup could not reach the slot's run cgroup.
  assert.ok(!args.includes('--unshare-cgroup'));
});

test('capabilities are cut to the eight the supervisor needs', () => {
  assert.deepEqual(after('--cap-drop'), ['ALL', '--cap-add']);
  const added = args.flatMap((a, i) => (a === '--cap-add' ? [args[i + 1]] : []));
  assert.deepEqual(added.sort(), [
    'CAP_CHOWN',
    'CAP_DAC_OVERRIDE',
    'CAP_FOWNER',
    'CAP_KILL',
    'CAP_SETGID',
    'CAP_SETPCAP',
    'CAP_SETUID',
    'CAP_SYS_ADMIN',
  ]);
});

test('the supervisor is told the cgroup version, the slot uid, the inode cap, and whether to sample memory', () => {
  assert.deepEqual(args.slice(-5), ['/.supervisor', 'v1', '60003', '60003', '4096']);
  const sampled = buildBwrapArgs({ ...layout, cgroupVersion: 'v2', sampledMemory: true }, fds);
  assert.deepEqual(sampled.slice(-6), ['/.supervisor', 'v2', '60003', '60003', '4096', 'sampled-memory']);
});

test('the host is visible only read-only, and never /root, /home or the whole of /etc', () => {
  assert.deepEqual(after('--ro-bind', '/usr'), ['/usr', '/usr']);
  assert.ok(!args.includes('--bind'), 'no writable host path');
  for (const hidden of ['/root', '/home', '/etc', '/work', '/var']) {
    assert.ok(
      !args.some((a, i) => (a === '--ro-bind' || a === '--ro-bind-try') && args[i + 1] === hidden),
      hidden,
    );
  }
  assert.deepEqual(after('--ro-bind-try', '/var/lib/ghc'), ['/var/lib/ghc', '/var/lib/ghc']);
});

test('generated files and the supervisor are copied in from fds, never bound from their host paths', () => {
  // A bind mount shows its source path in the box's /proc/self/mountinfo (/run/arbiter/PID/...).
  for (const hostPath of ['/opt/sup', '/run/a/passwd', '/run/a/group', '/run/a/hosts'])
    assert.ok(!args.includes(hostPath), `${hostPath} is not named to bubblewrap`);
  const files = args.flatMap((a, i) => (a === '--file' ? [[args[i - 1], args[i + 1], args[i + 2]]] : []));
  assert.deepEqual(files, [
    ['0644', '8', '/etc/passwd'],
    ['0644', '9', '/etc/group'],
    ['0644', '10', '/etc/hosts'],
    ['0700', '7', '/.supervisor'],
  ]);
});

test('writable places are size-capped tmpfs; the I/O directory is root-only', () => {
  const tmpfs = args.flatMap((a, i) => (a === '--tmpfs' ? [[args[i - 3], args[i - 1], args[i + 1]]] : []));
  assert.deepEqual(tmpfs, [
    [String(512 * 1024), '1777', '/dev/shm'],
    [String(1024 * 1024), '0755', '/box'],
    [String(512 * 1024), '1777', '/tmp'],
    [String(256 * 1024), '0700', '/.arbiter'],
  ]);
});

test('the supervisor runs last with the slot’s uid and cgroup mode', () => {
  assert.deepEqual(args.slice(-6), ['--', '/.supervisor', 'v1', '60003', '60003', '4096']);
  assert.deepEqual(after('--info-fd'), ['6', '--']);
});
