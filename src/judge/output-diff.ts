import type { OutputDiff, TestResult } from './types.js';

/** Lines shown before and after the first differing line. */
export const DIFF_CONTEXT_LINES = 2;
/** Tests of one result that keep their diff (the first ones in the problem's order): 10 × ~10 lines. */
export const MAX_DIFFS = 10;
/** Code points kept of one shown line; a longer line is cut and ends with "…". */
export const DIFF_LINE_CHARS = 200;

/**
 * How lines are compared: `exact` byte for byte (the exact checker), `trimmed` without whitespace at
 * the end of each line and blank lines at the end of the output (every other built-in checker).
 */
export type DiffMode = 'exact' | 'trimmed';

/** Walks a text's lines without splitting it all: an output can be megabytes long. */
class Lines {
  #at = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The next line (without its "\n"), or null past the end. "a\n" has the lines "a" and "". */
  next(): string | null {
    if (this.#at > this.#text.length) return null;
    const end = this.#text.indexOf('\n', this.#at);
    const stop = end < 0 ? this.#text.length : end;
    const line = this.#text.slice(this.#at, stop);
    this.#at = stop + 1;
    return line;
  }
}

function shown(line: string): string {
  const head = Array.from(line.slice(0, DIFF_LINE_CHARS * 2));
  if (head.length <= DIFF_LINE_CHARS && line.length <= DIFF_LINE_CHARS * 2) return line;
  return `${head.slice(0, DIFF_LINE_CHARS).join('')}…`;
}

/**
 * Where an output first differs from the expected one, as a person reads it: the first differing
 * line (1-based), and both sides' lines around it (DIFF_CONTEXT_LINES before and after, each cut to
 * DIFF_LINE_CHARS). A side that ends before the window has fewer lines. Undefined when no line
 * differs under `mode` (the outputs are equal as far as lines go). Pure, and bounded: it stops
 * reading a few lines after the first difference.
 */
export function outputDiff(expected: string, actual: string, mode: DiffMode): OutputDiff | undefined {
  const prepare = (text: string) => (mode === 'trimmed' ? text.trimEnd() : text);
  const same = (a: string | null, b: string | null) =>
    a === null || b === null ? a === b : mode === 'trimmed' ? a.trimEnd() === b.trimEnd() : a === b;
  const left = new Lines(prepare(expected));
  const right = new Lines(prepare(actual));
  const before: [string, string][] = [];
  for (let line = 1; ; line++) {
    const e = left.next();
    const a = right.next();
    if (e === null && a === null) return undefined;
    if (same(e, a)) {
      before.push([e!, a!]);
      if (before.length > DIFF_CONTEXT_LINES) before.shift();
      continue;
    }
    const diff: OutputDiff = {
      line,
      from: line - before.length,
      expected: before.map(([x]) => shown(x)),
      actual: before.map(([, y]) => shown(y)),
    };
    const take = (first: string | null, rest: Lines, into: string[]) => {
      let next = first;
      for (let i = 0; i <= DIFF_CONTEXT_LINES && next !== null; i++) {
        into.push(shown(next));
        if (i < DIFF_CONTEXT_LINES) next = rest.next();
      }
    };
    take(e, left, diff.expected);
    take(a, right, diff.actual);
    return diff;
  }
}

/** Leaves a diff on the first MAX_DIFFS tests that have one: a result stays small with 1000 failing tests. */
export function keepFirstDiffs(results: readonly (TestResult | undefined)[]): void {
  let kept = 0;
  for (const result of results) {
    if (result?.diff === undefined) continue;
    if (kept < MAX_DIFFS) kept++;
    else delete result.diff;
  }
}
