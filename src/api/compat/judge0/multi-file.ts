/**
 * Judge0's "Multi-file program" (language 89) on Arbiter's Bash language: the archive's files go into
 * the work directory and a small wrapper, saved as Bash's source file, runs the client's `compile`
 * script once (its failure becomes a Compilation Error) and then `exec`s `run`.
 *
 * Arbiter stores program files as text, so files that are not UTF-8 (and a client file that would
 * take the wrapper's own name) travel base64-encoded under STAGING_DIR and the wrapper unpacks them
 * before anything else runs.
 */
import type { FileInput } from '../../../service/normalize.js';
import type { ExtractedFile } from './additional-files.js';
import { shellQuote } from './shell-words.js';

/** The wrapper's name: the Bash language's source file. */
export const WRAPPER_FILE = 'main.sh';
/** Where files that cannot travel as text wait to be unpacked. */
export const STAGING_DIR = '.arbiter-judge0';
const COMPILED_FLAG = `${STAGING_DIR}-compiled`;
const COMPILE_OUTPUT = `${STAGING_DIR}-compile-output`;

export interface MultiFileProgram {
  files: FileInput[];
}

/**
 * The files of a multi-file submission. `marker` is a per-submission secret line the wrapper prints
 * before the compile output when `compile` fails, so the result can tell a failed compile from a
 * program that printed something and exited with 1.
 */
export function multiFileProgram(
  extracted: readonly ExtractedFile[],
  options: { compilerOptions: readonly string[]; marker: string; runs: number },
): MultiFileProgram | { error: string } {
  if (!extracted.some((f) => f.name === 'run')) {
    return { error: 'must contain a Bash script named run at the root of the archive' };
  }
  // The client's main.sh replaces the wrapper once unpacked, so a second run would start it instead.
  if (options.runs > 1 && extracted.some((f) => f.name === WRAPPER_FILE)) {
    return { error: `may not have ${WRAPPER_FILE} at its root when number_of_runs is above 1` };
  }
  const reserved = extracted.find((f) => f.name === STAGING_DIR || f.name.startsWith(`${STAGING_DIR}`));
  if (reserved) return { error: `uses the name ${reserved.name}, which Arbiter keeps for itself` };

  const files: FileInput[] = [];
  const unpack: string[] = [];
  for (const file of extracted) {
    if (file.text && file.name !== WRAPPER_FILE) {
      files.push({ name: file.name, content: file.data.toString('utf8') });
    } else {
      const staged = `${STAGING_DIR}/${unpack.length}`;
      files.push({ name: staged, content: file.data.toString('base64') });
      unpack.push(`  __unpack ${shellQuote(staged)} ${shellQuote(file.name)} || exit 1`);
    }
  }
  const compileArgs = options.compilerOptions.map(shellQuote).join(' ');
  const lines = ['# Judge0 "Multi-file program" (language 89) under Arbiter: unpack, compile once, run.'];
  if (unpack.length > 0) {
    lines.push(
      `if [ -d ${STAGING_DIR} ]; then`,
      '  __unpack() { mkdir -p -- "$(dirname -- "$2")" && base64 -d -- "$1" > "$2.arbiter-tmp" && mv -f -- "$2.arbiter-tmp" "$2"; }',
      ...unpack,
      `  rm -rf ${STAGING_DIR}`,
      'fi',
    );
  }
  lines.push(
    `if [ -f compile ] && [ ! -e ${COMPILED_FLAG} ]; then`,
    `  if ! bash ./compile${compileArgs ? ` ${compileArgs}` : ''} > ${COMPILE_OUTPUT} 2>&1 < /dev/null; then`,
    `    printf '%s\\n' ${shellQuote(options.marker)}`,
    `    cat ${COMPILE_OUTPUT}`,
    `    rm -f ${COMPILE_OUTPUT}`,
    '    exit 1',
    '  fi',
    `  rm -f ${COMPILE_OUTPUT}`,
    `  : > ${COMPILED_FLAG}`,
    'fi',
    'exec bash ./run "$@"',
    '',
  );
  return { files: [{ name: WRAPPER_FILE, content: lines.join('\n') }, ...files] };
}

/** The compile output when `stdout` is the wrapper's report of a failed compile, else null. */
export function failedCompileOutput(stdout: string, marker: string | undefined): string | null {
  if (!marker) return null;
  const head = `${marker}\n`;
  return stdout.startsWith(head) ? stdout.slice(head.length) : null;
}
