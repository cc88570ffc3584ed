import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import { DEFAULT_RUN_LIMITS } from './limits.js';
import {
  encodeRequest,
  encodeReset,
  encodeStdinChunk,
  LineReader,
  parseReport,
  parseResetAnswer,
  STDIN_EOF_LINE,
} from './protocol.js';

test('requests carry every limit, hex-encoded argv and env, and end with run', () => {
  const text = encodeRequest(
    { command: ['echo', 'a b\nc'], env: { X: 'y=z' }, limits: DEFAULT_RUN_LIMITS },
    true,
  );
  const lines = text.split('\n');
  assert.ok(lines.includes(`cpu_ms ${DEFAULT_RUN_LIMITS.cpuMs}`));
  assert.ok(lines.includes(`out_bytes ${DEFAULT_RUN_LIMITS.outputKb * 1024}`));
  assert.ok(
    lines.includes(`arg ${Buffer.from('a b\nc').toString('hex')}`),
    'newlines in args cannot break the framing',
  );
  assert.ok(lines.includes(`env ${Buffer.from('X=y=z').toString('hex')}`));
  assert.ok(lines.includes('stdin /.arbiter/stdin'));
  assert.equal(lines.at(-2), 'run');
});

test('requests refuse an empty command and bad environment names', () => {
  assert.throws(() => encodeRequest({ command: [], limits: DEFAULT_RUN_LIMITS }, false), /command/);
  assert.throws(
    () => encodeRequest({ command: ['x'], env: { 'A=B': '1' }, limits: DEFAULT_RUN_LIMITS }, false),
    /environment/,
  );
});

test('reports parse into numbers and flags', () => {
  const report = parseReport(
    'ok exit=0 signal=0 exec_errno=0 setup_us=120 cpu_us=1500 wall_us=1800 mem_bytes=1048576 oom=0 pids_hit=2 killed=none out_bytes=6 out_truncated=1 err_bytes=0 err_truncated=0 clean=1',
  );
  assert.equal(report.cpuUs, 1500);
  assert.equal(report.pidsHit, 2);
  assert.equal(report.outTruncated, true);
  assert.equal(report.killed, 'none');
  assert.equal(report.clean, true);
});

test('a supervisor failure or a garbled line is a sandbox fault', () => {
  assert.throws(
    () => parseReport('fail cannot prepare the run cgroup'),
    (e) => isArbiterError(e, 'SANDBOX_FAILED'),
  );
  assert.throws(
    () => parseReport('ok exit=0'),
    (e) => isArbiterError(e, 'SANDBOX_FAILED'),
  );
  assert.throws(
    () => parseReport('hello'),
    (e) => isArbiterError(e, 'SANDBOX_FAILED'),
  );
});

test('a reset asks for a bounded wipe, and its answer is clean, full or a sandbox fault', () => {
  assert.equal(encodeReset(10_000), 'reset 10000\n');
  assert.equal(parseResetAnswer('reset clean'), 'clean');
  assert.equal(parseResetAnswer('reset full'), 'full');
  for (const line of ['fail reset: remove x: Permission denied', 'ok exit=0', 'reset'])
    assert.throws(
      () => parseResetAnswer(line),
      (e) => isArbiterError(e, 'SANDBOX_FAILED'),
    );
});

test("the supervisor's protocol header lists every line this side sends", () => {
  const source = readFileSync(new URL('./native/supervisor.c', import.meta.url), 'utf8');
  const header = source.slice(0, source.indexOf('*/'));
  const request = encodeRequest(
    { command: ['x'], env: { A: 'b' }, cwd: '/box', mergeStderr: true, limits: DEFAULT_RUN_LIMITS },
    true,
    true,
  );
  const sent = [
    ...request.split('\n').filter(Boolean),
    encodeStdinChunk(Buffer.from('1')).trim(),
    STDIN_EOF_LINE.trim(),
    'kill', // slot-run.ts cancels a run with it
    encodeReset(10).trim(),
  ];
  for (const line of sent) {
    const key = line.split(' ')[0]!;
    assert.match(header, new RegExp(`^ \\*\\s+${key}\\b`, 'm'), `supervisor.c's header lacks "${key}"`);
  }
});

test('the framing hands out lines in order, whole across chunks, and fails once the stream ends', async () => {
  const stream = new PassThrough();
  const reader = new LineReader(stream);
  const first = reader.next(); // asked before the line arrives
  stream.write('ready\nok ex');
  stream.write('it=0\n');
  assert.equal(await first, 'ready');
  assert.equal(await reader.next(), 'ok exit=0');
  const pending = reader.next();
  stream.end('partial');
  await assert.rejects(pending, /stream ended/);
  await assert.rejects(reader.next(), /stream ended/);
});
