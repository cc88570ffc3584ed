/** Shows a test's expected-vs-actual diff as a few text lines (the API's OutputDiff, see judge/types.ts). */
import type { DiffView } from '../shared/types.js';

/**
 * One line per shown line, numbered as in the output: a line both sides share once, indented; where
 * they differ, the expected line marked "-" and the actual one "+"; a side that ended says so.
 */
export function diffText(diff: DiffView): string {
  const out: string[] = [];
  const count = Math.max(diff.expected.length, diff.actual.length);
  const width = String(diff.from + count - 1).length;
  for (let i = 0; i < count; i++) {
    const number = String(diff.from + i).padStart(width);
    const expected = diff.expected[i];
    const actual = diff.actual[i];
    if (expected !== undefined && expected === actual) {
      out.push(`  ${number}  ${expected}`);
      continue;
    }
    out.push(`- ${number}  ${expected ?? '(the expected output ends)'}`);
    out.push(`+ ${number}  ${actual ?? '(the output ends)'}`);
  }
  return out.join('\n');
}
