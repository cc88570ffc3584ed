import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StageResult } from '../../../judge/types.js';
import { LANGUAGE_CATALOG } from '../../../languages/catalog.js';
import { DEFAULT_RUN_LIMITS } from '../../../sandbox/limits.js';
import type { SubmissionRecord } from '../../../store/types.js';
import { aSubmissionRecord } from '../../../../test/helpers/submission.js';
import { encodeBase64Lines } from './base64.js';
import { ALL_FIELDS, DEFAULT_FIELDS, ECHO_KEY, parseFields, type Judge0Echo } from './fields.js';
import type { Judge0Language } from './languages.js';
import { runtimeErrorStatus } from './statuses.js';
import { decimalString, outcomeOf, renderSubmission } from './response.js';

const python = LANGUAGE_CATALOG.find((d) => d.id === 'python3')!;
const LANGUAGES: Judge0Language[] = [
  { id: 71, name: 'Python (3.11.2)', isArchived: false, listed: true, definition: python, multiFile: false },
];

const ECHO: Judge0Echo = {
  language_id: 71,
  source_code: 'print(1)',
  stdin: null,
  expected_output: null,
  compiler_options: null,
  command_line_arguments: null,
  cpu_time_limit: 1,
  cpu_extra_time: 0.5,
  wall_time_limit: 5,
  memory_limit: 128000,
  stack_limit: 64000,
  max_processes_and_or_threads: 60,
  enable_per_process_and_thread_time_limit: false,
  enable_per_process_and_thread_memory_limit: false,
  max_file_size: 1024,
  redirect_stderr_to_stdout: false,
  enable_network: false,
  number_of_runs: 1,
  additional_files: null,
  callback_url: null,
};

function stage(over: Partial<StageResult> = {}): StageResult {
  return {
    status: 'accepted',
    stdout: '',
    stderr: '',
    exitCode: 0,
    signal: null,
    cpuMs: 12,
    wallMs: 20,
    memoryKb: 3000,
    ...over,
  };
}

function record(
  status: SubmissionRecord['status'],
  result: Partial<NonNullable<SubmissionRecord['result']>> | null,
  echo: Partial<Judge0Echo> = {},
): SubmissionRecord {
  return aSubmissionRecord({
    id: 'tok',
    status,
    request: {
      files: [{ name: 'main.py', content: 'print(1)' }],
      limits: { ...DEFAULT_RUN_LIMITS },
      compat: { [ECHO_KEY]: { ...ECHO, ...echo } },
    },
    result:
      result === null
        ? null
        : {
            status: status as NonNullable<SubmissionRecord['result']>['status'],
            tests: [],
            score: null,
            maxScore: null,
            compileCached: false,
            ...result,
          },
    attempts: 1,
    seq: 1,
    createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    startedAt: null,
    finishedAt: result === null ? null : Date.UTC(2026, 0, 2, 3, 4, 6),
  });
}

const statusOf = (r: SubmissionRecord) => outcomeOf(r, r.request.compat![ECHO_KEY] as Judge0Echo).statusId;

describe('outcomeOf: Judge0 status ids', () => {
  test('queued, running, accepted, wrong answer', () => {
    assert.equal(statusOf(record('queued', null)), 1);
    assert.equal(statusOf(record('running', null)), 2);
    assert.equal(statusOf(record('accepted', { run: stage() })), 3);
    assert.equal(statusOf(record('wrong_answer', { run: stage() })), 4);
  });

  test("runtime errors by signal, else NZEC, as statuses.ts's runtimeErrorStatus classes them", () => {
    const rte = (signal: number | null, exitCode: number | null) =>
      statusOf(record('runtime_error', { run: stage({ status: 'runtime_error', signal, exitCode }) }));
    // statuses.test.ts pins the status of each: SIGSEGV, SIGXFSZ, SIGFPE, SIGABRT, SIGTERM; exit 1.
    for (const signal of [11, 25, 8, 6, 15]) {
      assert.equal(rte(signal, null), runtimeErrorStatus(signal, null), `signal ${signal}`);
    }
    assert.equal(rte(null, 1), runtimeErrorStatus(null, 1));
  });

  test('memory limit is Runtime Error (Other) with SIGKILL; output limit is SIGXFSZ', () => {
    const mle = outcomeOf(
      record('memory_limit_exceeded', { run: stage({ signal: null, exitCode: null }) }),
      ECHO,
    );
    assert.equal(mle.statusId, 12);
    assert.equal(mle.exitSignal, 9);
    const ole = outcomeOf(record('output_limit_exceeded', { run: stage({ signal: 9 }) }), ECHO);
    assert.equal(ole.statusId, 8);
    assert.equal(ole.exitSignal, 25);
  });

  test('a run past cpu_time_limit is Time Limit Exceeded even when it finished within the extra time', () => {
    assert.equal(statusOf(record('accepted', { run: stage({ cpuMs: 1200 }) })), 5);
    assert.equal(statusOf(record('accepted', { run: stage({ cpuMs: 1000 }) })), 3);
    assert.equal(
      statusOf(record('time_limit_exceeded', { run: stage({ status: 'time_limit_exceeded' }) })),
      5,
    );
  });

  test('compile errors carry the compiler output; time and memory are null', () => {
    const out = outcomeOf(
      record('compilation_error', { compile: stage({ status: 'runtime_error', stderr: 'main.c:1: error' }) }),
      ECHO,
    );
    assert.deepEqual(
      [out.statusId, out.compileOutput, out.time, out.memory],
      [6, 'main.c:1: error', null, null],
    );
  });

  test('a multi-file wrapper report is a compile error', () => {
    const r = record(
      'runtime_error',
      { run: stage({ status: 'runtime_error', exitCode: 1, stdout: 'MARK\nld: no\n' }) },
      {
        compile_error_marker: 'MARK',
      },
    );
    const out = outcomeOf(r, r.request.compat![ECHO_KEY] as Judge0Echo);
    assert.deepEqual([out.statusId, out.compileOutput, out.stdout], [6, 'ld: no\n', null]);
  });

  test('cancelled and internal errors are Internal Error with the reason', () => {
    const out = outcomeOf(record('cancelled', { message: 'cancelled before it ran' }), ECHO);
    assert.deepEqual([out.statusId, out.message], [13, 'cancelled before it ran']);
  });

  test('number_of_runs: time and memory are the averages; output is the first run', () => {
    const test = (cpuMs: number, memoryKb: number) => ({
      status: 'accepted' as const,
      cpuMs,
      wallMs: cpuMs,
      memoryKb,
      weight: 1,
      stdout: 'out\n',
      stderr: '',
      exitCode: 0,
    });
    const out = outcomeOf(
      record('accepted', { tests: [test(10, 1000), test(30, 2000)], run: stage() }),
      ECHO,
    );
    assert.deepEqual([out.time, out.memory, out.stdout, out.stderr], [0.02, 1500, 'out\n', null]);
  });
});

describe('renderSubmission', () => {
  const done = record('accepted', { run: stage({ stdout: 'hello\n', cpuMs: 12, wallMs: 30 }) });

  test('default fields, in order, with Judge0 formats', () => {
    const rendered = renderSubmission(done, { fields: DEFAULT_FIELDS, base64: false, languages: LANGUAGES });
    assert.ok('body' in rendered);
    assert.deepEqual(rendered.body, {
      stdout: 'hello\n',
      time: '0.012',
      memory: 3000,
      stderr: null,
      token: 'tok',
      compile_output: null,
      message: null,
      status: { id: 3, description: 'Accepted' },
    });
  });

  test('`*` gives every attribute; texts are base64 in MIME lines when asked', () => {
    const rendered = renderSubmission(done, { fields: parseFields('*'), base64: true, languages: LANGUAGES });
    assert.ok('body' in rendered);
    assert.deepEqual(Object.keys(rendered.body), [...ALL_FIELDS]);
    assert.equal(rendered.body.stdout, 'aGVsbG8K\n');
    assert.equal(rendered.body.source_code, encodeBase64Lines('print(1)'));
    assert.equal(rendered.body.cpu_time_limit, '1.0');
    assert.equal(rendered.body.wall_time, '0.03');
    assert.equal(rendered.body.created_at, '2026-01-02T03:04:05.000Z');
    assert.deepEqual(rendered.body.language, { id: 71, name: 'Python (3.11.2)' });
  });

  test('output that was not UTF-8 needs base64, and base64 carries the exact bytes', () => {
    const bytes = Buffer.from([0xfe, 0x41]);
    const bad = record('accepted', {
      run: stage({ stdout: bytes.toString('utf8'), stdoutBase64: bytes.toString('base64') }),
    });
    assert.deepEqual(renderSubmission(bad, { fields: DEFAULT_FIELDS, base64: false, languages: LANGUAGES }), {
      notUtf8: true,
    });
    const encoded = renderSubmission(bad, { fields: ['stdout'], base64: true, languages: LANGUAGES });
    assert.ok('body' in encoded);
    assert.deepEqual(Buffer.from(String(encoded.body.stdout), 'base64'), bytes, 'not the U+FFFD text');
    assert.ok('body' in renderSubmission(bad, { fields: ['status'], base64: false, languages: LANGUAGES }));
  });

  test('a program that prints U+FFFD itself wrote UTF-8: plain text, no base64 needed', () => {
    const fine = record('accepted', { run: stage({ stdout: '\uFFFDA' }) });
    const rendered = renderSubmission(fine, { fields: ['stdout'], base64: false, languages: LANGUAGES });
    assert.deepEqual(rendered, { body: { stdout: '\uFFFDA' } });
  });
});

test('parseFields: defaults, a list in the order asked, unknown names dropped', () => {
  assert.deepEqual(parseFields(undefined), DEFAULT_FIELDS);
  assert.deepEqual(parseFields(''), DEFAULT_FIELDS);
  assert.deepEqual(parseFields('status_id, stdout,nope,stdout'), ['status_id', 'stdout']);
});

test('decimalString prints seconds as Judge0 does', () => {
  assert.equal(decimalString(0.012), '0.012');
  assert.equal(decimalString(2), '2.0');
  assert.equal(decimalString(1.5), '1.5');
  assert.equal(decimalString(0.0001), '0.0');
});

test('encodeBase64Lines breaks lines at 60 characters and ends each with a newline', () => {
  assert.equal(encodeBase64Lines(''), '');
  const long = encodeBase64Lines('x'.repeat(100));
  assert.deepEqual(
    long.split('\n').map((l) => l.length),
    [60, 60, 16, 0],
  );
});

test('a problem submission with groups: Judge0 time and memory average the tests that ran, not the skipped ones', () => {
  const ran = (status: 'accepted' | 'wrong_answer', cpuMs: number) =>
    ({ status, cpuMs, wallMs: cpuMs * 2, memoryKb: 1000, weight: 1, stdout: 'x\n', stderr: '' }) as const;
  const judged = record('wrong_answer', {
    tests: [
      ran('accepted', 10),
      ran('wrong_answer', 30),
      { status: 'skipped', cpuMs: 0, wallMs: 0, weight: 1 },
    ],
    run: stage({ cpuMs: 30 }),
  });
  const outcome = outcomeOf(judged, judged.request.compat![ECHO_KEY] as Judge0Echo);
  assert.equal(outcome.statusId, 4);
  assert.equal(outcome.time, 0.02);
  assert.equal(outcome.wallTime, 0.04);
  assert.equal(outcome.memory, 1000);
});
