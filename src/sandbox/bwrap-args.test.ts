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
  etcFiles: { passwd: '/run/a/passwd', group: '/run/a/group', hosts: '/run/a/hosts' },
  readOnlyDirs: ['/var/lib/ghc'],
  etcEntries: DEFAULT_ETC_ENTRIES,
};
const args = buildBwrapArgs(layout, 6);
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

test('capabilities are cut to the five the supervisor needs', () => {
  assert.deepEqual(after('--cap-drop'), ['ALL', '--cap-add']);
  const added = args.flatMap((a, i) => (a === '--cap-add' ? [args[i + 1]] : []));
  assert.deepEqual(added.sort(), ['CAP_KILL', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_ADMIN']);
});

test('the supervisor is told the cgroup version, the slot uid, and whether to sample memory', () => {
  assert.deepEqual(args.slice(-4), ['/.supervisor', 'v1', '60003', '60003']);
  const sampled = buildBwrapArgs({ ...layout, cgroupVersion: 'v2', sampledMemory: true }, 4);
  assert.deepEqual(sampled.slice(-5), ['/.supervisor', 'v2', '60003', '60003', 'sampled-memory']);
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
  assert.deepEqual(after('--ro-bind', '/run/a/passwd'), ['/run/a/passwd', '/etc/passwd']);
  assert.deepEqual(after('--ro-bind-try', '/var/lib/ghc'), ['/var/lib/ghc', '/var/lib/ghc']);
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
  assert.deepEqual(args.slice(-5), ['--', '/.supervisor', 'v1', '60003', '60003']);
  assert.deepEqual(after('--info-fd'), ['6', '--']);
});
