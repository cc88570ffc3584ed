/**
 * How the built-in checkers word a mismatch so a student can act on it: quotes of a window of the
 * text around the first difference (with invisible characters escaped), counts, and a hint naming
 * the kind of near miss.
 */

/** How much of one line or token a message quotes, in code points. */
export const MAX_SHOWN_CHARS = 80;

/** Of the quoted window, how many code points come before the first difference. */
const CONTEXT_BEFORE_DIFF = 30;

/** Names the kind of a near miss, the usual reason a "correct" program is judged wrong. */
export function differenceHint(expected: string, actual: string): string | null {
  if (expected.replace(/\r$/, '') === actual.replace(/\r$/, '')) {
    return 'only the line ending differs: \\r\\n against \\n';
  }
  if (expected.trimEnd() === actual.trimEnd()) return 'only whitespace at the end of the line differs';
  if (collapseWhitespace(expected) === collapseWhitespace(actual)) return 'only whitespace differs';
  if (expected.normalize('NFC') === actual.normalize('NFC')) {
    return 'the same text in a different Unicode normalization';
  }
  if (expected.toLowerCase() === actual.toLowerCase()) return 'only upper/lower case differs';
  return null;
}

function collapseWhitespace(text: string): string {
  return text.trim().split(/\s+/).join(' ');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Index (UTF-16) of the first difference, moved back off a surrogate pair's second half. */
export function firstDifference(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let at = 0;
  while (at < length && a.charCodeAt(at) === b.charCodeAt(at)) at++;
  if (at > 0 && isHighSurrogate(a.charCodeAt(at - 1))) at--;
  return at;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    if (!(isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length)) length++;
    else {
      length++;
      i++;
    }
  }
  return length;
}

/**
 * Quotes at most MAX_SHOWN_CHARS code points of `text`, a window that shows the first difference
 * (at UTF-16 index `at`), with "…" where it was cut. Invisible characters are escaped so a
 * no-break space or a stray \r is visible.
 */
export function excerpt(text: string, at: number): string {
  const chars = Array.from(text);
  let start = 0;
  if (chars.length > MAX_SHOWN_CHARS) {
    const diffChar = codePointLength(text.slice(0, at));
    start = Math.max(0, Math.min(diffChar - CONTEXT_BEFORE_DIFF, chars.length - MAX_SHOWN_CHARS));
  }
  const end = Math.min(chars.length, start + MAX_SHOWN_CHARS);
  const body = quote(chars.slice(start, end).join(''));
  return `${start > 0 ? '…' : ''}${body}${end < chars.length ? '…' : ''}`;
}

/** JSON-style quoting, with invisible and look-alike spaces escaped too. */
export function quote(text: string): string {
  return JSON.stringify(text).replace(/[\p{Cf}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
