// `arbiter submit --outputs`: an output-only problem's submission read from disk. Each output is a
// file named after its test, `<test name>.out` or `<n>.out` (docs/problems.md); the server decides
// which names its problem takes, this only reads the files and bounds what it sends.
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { ArbiterError } from '../errors.js';
import type { SubmissionInput } from './submit-connection.js';

/** The server's bound on one output (MAX_OUTPUT_FILE_BYTES in src/service/problem-files.ts). */
export const MAX_OUTPUT_FILE_BYTES = 4 * 1024 * 1024;
/** A problem has at most 1000 tests, so at most 1000 outputs. */
export const MAX_OUTPUT_FILES = 1000;
/** The extension that marks an output file. */
const OUTPUT_EXTENSION = '.out';

type OutputFile = NonNullable<SubmissionInput['files']>[number];

const refuse = (message: string): never => {
  throw new ArbiterError('INVALID_INPUT', message);
};

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    return refuse(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The paths given: each file as itself, each directory as the `.out` files directly in it. */
function outputPaths(paths: readonly string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    if (!statOf(path).isDirectory()) {
      if (!basename(path).endsWith(OUTPUT_EXTENSION))
        refuse(`${path}: an output file is named after its test, <test name>.out or <n>.out`);
      found.push(path);
      continue;
    }
    const inside = readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(OUTPUT_EXTENSION))
      .map((entry) => join(path, entry.name))
      .sort();
    if (inside.length === 0) refuse(`${path} holds no .out files (one per test: <test name>.out or <n>.out)`);
    found.push(...inside);
  }
  return found;
}

/**
 * Reads the outputs at `paths` (files, or directories of `.out` files) as a submission's `files`:
 * UTF-8 text as it is, anything else base64-encoded so its bytes arrive exactly.
 */
export function readOutputFiles(paths: readonly string[]): OutputFile[] {
  const files = outputPaths(paths);
  if (files.length > MAX_OUTPUT_FILES)
    refuse(`${files.length} output files: a problem has at most ${MAX_OUTPUT_FILES} tests`);
  const seen = new Map<string, string>();
  return files.map((path) => {
    const name = basename(path);
    const other = seen.get(name);
    if (other !== undefined) refuse(`${other} and ${path} are both ${name}: give each test one output`);
    seen.set(name, path);
    if (statOf(path).size > MAX_OUTPUT_FILE_BYTES)
      refuse(`${path} is over 4 MiB, the most one output may be`);
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    return Buffer.from(text, 'utf8').equals(bytes)
      ? { name, content: text }
      : { name, content: bytes.toString('base64'), encoding: 'base64' };
  });
}
