import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { zipSync } from 'fflate';
import { DEFAULT_CONFIG } from '../../../config.js';
import { LANGUAGE_CATALOG } from '../../../languages/catalog.js';
import { ECHO_KEY } from './fields.js';
import { MULTI_FILE_LANGUAGE_ID, type Judge0Language } from './languages.js';
import { translateSubmission, type TranslateContext } from './request.js';
import { judge0Settings } from './settings.js';

const definition = (id: string) => LANGUAGE_CATALOG.find((d) => d.id === id)!;
const LANGUAGES: Judge0Language[] = [
  {
    id: 71,
    name: 'Python (3.11.2)',
    isArchived: false,
    listed: true,
    definition: definition('python3'),
    multiFile: false,
  },
  {
    id: 50,
    name: 'C (GCC 12.2.0)',
    isArchived: false,
    listed: true,
    definition: definition('c'),
    multiFile: false,
  },
  { id: 62, name: 'Java', isArchived: true, listed: true, definition: definition('java'), multiFile: false },
  {
    id: MULTI_FILE_LANGUAGE_ID,
    name: 'Multi-file program',
    isArchived: false,
    listed: true,
    definition: definition('bash'),
    multiFile: true,
  },
];
const settings = judge0Settings(DEFAULT_CONFIG);
const context = (over: Partial<TranslateContext> = {}): TranslateContext => ({
  base64: false,
  settings,
  languages: LANGUAGES,
  marker: 'MARK',
  ...over,
});
const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');
const zip = (files: Record<string, string | Uint8Array>) =>
  b64(
    zipSync(
      Object.fromEntries(
        Object.entries(files).map(([name, content]) => [
          name,
          typeof content === 'string' ? new TextEncoder().encode(content) : content,
        ]),
      ),
    ),
  );

function errorsOf(body: Record<string, unknown>, over?: Partial<TranslateContext>) {
  const result = translateSubmission(body, context(over));
  assert.ok('errors' in result, `expected errors, got ${JSON.stringify(result)}`);
  return result.errors;
}

function inputOf(body: Record<string, unknown>, over?: Partial<TranslateContext>) {
  const result = translateSubmission(body, context(over));
  assert.ok('input' in result, `expected a submission, got ${JSON.stringify(result)}`);
  return result;
}

describe('translateSubmission: errors in Judge0 shape', () => {
  test('a missing language_id and source_code are both blank', () => {
    assert.deepEqual(errorsOf({}), { language_id: ["can't be blank"], source_code: ["can't be blank"] });
  });

  test('an unknown language names its id; a language not installed here says so', () => {
    assert.deepEqual(errorsOf({ language_id: 150000, source_code: 'x' }), {
      language_id: ["language with id 150000 doesn't exist"],
    });
    assert.match(errorsOf({ language_id: 62, source_code: 'x' }).language_id![0]!, /not installed/);
    assert.deepEqual(errorsOf({ language_id: 'abc', source_code: 'x' }), {
      language_id: ['is not a number'],
    });
  });

  test('limits above the maximum, below the minimum, or not numbers', () => {
    const errors = errorsOf({
      language_id: 71,
      source_code: 'print(1)',
      wall_time_limit: 100000,
      cpu_time_limit: 0,
      memory_limit: 'lots',
      stack_limit: 1.5,
      number_of_runs: 21,
    });
    assert.deepEqual(errors, {
      wall_time_limit: [`must be less than or equal to ${settings.max.wall_time_limit}`],
      cpu_time_limit: ['must be greater than 0'],
      memory_limit: ['is not a number'],
      stack_limit: ['must be an integer'],
      number_of_runs: ['must be less than or equal to 20'],
    });
  });

  test('enable_network is refused; compiler options only for compiled languages; 512 characters at most', () => {
    const errors = errorsOf({
      language_id: 71,
      source_code: 'print(1)',
      enable_network: true,
      compiler_options: '-O2',
      command_line_arguments: 'x'.repeat(513),
    });
    assert.deepEqual(Object.keys(errors).sort(), [
      'command_line_arguments',
      'compiler_options',
      'enable_network',
    ]);
    assert.deepEqual(errors.command_line_arguments, ['is too long (maximum is 512 characters)']);
    assert.deepEqual(errors.compiler_options, [
      'setting compiler options is only allowed for compiled languages',
    ]);
  });

  test('base64_encoded=true refuses texts that are not base64', () => {
    assert.deepEqual(Object.keys(errorsOf({ language_id: 71, source_code: 'print(1)' }, { base64: true })), [
      'source_code',
    ]);
  });

  test('an unterminated quote in command_line_arguments', () => {
    assert.match(
      errorsOf({ language_id: 71, source_code: 'x', command_line_arguments: 'a "b' })
        .command_line_arguments![0]!,
      /unterminated/,
    );
  });
});

describe('translateSubmission: the Arbiter submission', () => {
  test('defaults come from the server configuration; the echo keeps them', () => {
    const { input, echo } = inputOf({ language_id: '71', source_code: 'print(input())', stdin: 'hi' });
    assert.equal(input.language, 'python3');
    assert.equal(input.source, 'print(input())');
    assert.equal(input.stdin, 'hi');
    assert.equal(input.tests, undefined);
    const d = DEFAULT_CONFIG.defaultLimits;
    assert.deepEqual(input.limits, {
      cpuMs: d.cpuMs + 500,
      wallMs: d.wallMs,
      memoryKb: d.memoryKb,
      stackKb: d.stackKb,
      pids: d.pids,
      fileSizeKb: 1024,
      outputKb: 1024,
    });
    assert.equal(echo.language_id, 71);
    assert.equal(echo.cpu_time_limit, d.cpuMs / 1000);
    assert.equal(echo.cpu_extra_time, 0.5);
    assert.deepEqual(input.compat, { [ECHO_KEY]: echo });
  });

  test("callback_url becomes the submission's callback in Judge0's shape, not part of the stored echo", () => {
    const url = 'https://hooks.example.com/judge0';
    const { input, echo } = inputOf({ language_id: '71', source_code: 'print(1)', callback_url: url });
    assert.equal(input.callbackUrl, url);
    assert.equal(input.callbackFormat, 'judge0');
    assert.equal(echo.callback_url, url, 'the translation still names it, for the 422 check');
    assert.equal((input.compat?.[ECHO_KEY] as { callback_url: unknown }).callback_url, null);
    const none = inputOf({ language_id: '71', source_code: 'print(1)' }).input;
    assert.equal(none.callbackUrl, undefined);
    assert.equal(none.callbackFormat, undefined);
  });

  test('base64 texts are decoded; expected_output and number_of_runs become tests', () => {
    const { input, echo } = inputOf(
      {
        language_id: 71,
        source_code: b64('print(2)'),
        stdin: b64('in'),
        expected_output: b64('2\n'),
        number_of_runs: 3,
      },
      { base64: true },
    );
    assert.equal(input.source, 'print(2)');
    assert.equal(input.stdin, undefined);
    assert.deepEqual(input.tests, Array(3).fill({ stdin: 'in', expected: '2\n' }));
    assert.equal(input.stopOnFirstFailure, true);
    assert.equal(echo.expected_output, '2\n');
  });

  test('arguments and compiler options are split like shell words, never interpreted', () => {
    const { input } = inputOf({
      language_id: 50,
      source_code: 'int main(){}',
      compiler_options: '-O2 -DNAME="a b"',
      command_line_arguments: `one 'two three' $HOME;rm`,
      redirect_stderr_to_stdout: 'true',
    });
    assert.deepEqual(input.compilerOptions, ['-O2', '-DNAME=a b']);
    assert.deepEqual(input.args, ['one', 'two three', '$HOME;rm']);
    assert.equal(input.mergeStderr, true);
  });

  test('cpu_time_limit plus extra time never passes the server maximum', () => {
    const { input } = inputOf({
      language_id: 71,
      source_code: 'x',
      cpu_time_limit: settings.max.cpu_time_limit,
      cpu_extra_time: 5,
    });
    assert.equal(input.limits!.cpuMs, settings.max.cpu_time_limit * 1000);
  });

  test('additional_files sit beside the source; unsafe or binary entries are refused', () => {
    const { input } = inputOf({
      language_id: 71,
      source_code: 'import helper',
      additional_files: zip({ 'helper.py': 'X = 1\n', 'pkg/mod.py': '' }),
    });
    assert.deepEqual(input.files, [
      { name: 'main.py', content: 'import helper' },
      { name: 'helper.py', content: 'X = 1\n' },
      { name: 'pkg/mod.py', content: '' },
    ]);
    // A file that is not UTF-8 travels as its exact bytes, base64-encoded (issue [H]).
    assert.deepEqual(
      inputOf({
        language_id: 71,
        source_code: 'x',
        additional_files: zip({ 'img.bin': new Uint8Array([0xff, 0xfe, 0x00]) }),
      }).input.files,
      [
        { name: 'main.py', content: 'x' },
        { name: 'img.bin', content: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), encoding: 'base64' },
      ],
    );
    assert.match(
      errorsOf({ language_id: 71, source_code: 'x', additional_files: zip({ 'main.py': 'y' }) })
        .additional_files![0]!,
      /source code/,
    );
  });

  test('the multi-file program runs a wrapper that compiles once and runs `run`', () => {
    const { input, echo } = inputOf({
      language_id: MULTI_FILE_LANGUAGE_ID,
      additional_files: zip({
        compile: 'gcc -o p main.c',
        run: './p',
        'main.c': 'int main(){}',
        'x.bin': new Uint8Array([0xff]),
      }),
      compiler_options: '-O2',
    });
    assert.equal(input.language, 'bash');
    assert.equal(echo.compile_error_marker, 'MARK');
    assert.equal(echo.source_code, null);
    const names = input.files!.map((f) => f.name);
    assert.deepEqual(names, ['main.sh', 'compile', 'run', 'main.c', '.arbiter-judge0/0']);
    const wrapper = input.files![0]!.content;
    assert.match(wrapper, /bash \.\/compile '-O2' >/);
    assert.match(wrapper, /exec bash \.\/run "\$@"/);
    assert.match(wrapper, /__unpack '\.arbiter-judge0\/0' 'x\.bin'/);
    assert.equal(input.compilerOptions, undefined);
  });

  test('the multi-file program needs a run script and no source_code', () => {
    const errors = errorsOf({
      language_id: MULTI_FILE_LANGUAGE_ID,
      source_code: 'x',
      additional_files: zip({ compile: '' }),
    });
    assert.ok(errors.source_code);
    assert.deepEqual(errorsOf({ language_id: MULTI_FILE_LANGUAGE_ID }), {
      additional_files: ["can't be blank"],
    });
    assert.match(
      errorsOf({ language_id: MULTI_FILE_LANGUAGE_ID, additional_files: zip({ compile: '' }) })
        .additional_files![0]!,
      /named run/,
    );
  });
});
