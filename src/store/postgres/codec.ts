// JSONB values. JSON text may hold U+0000 and unpaired surrogates, and so may a program's output or a
// request's stdin; JSONB rejects both (22P05, 22P02), and SQLite keeps them. So a string holding one is
// stored escaped: ESCAPED, then the string with % as %25, U+0000 as %00 and an unpaired surrogate as
// %uXXXX. A string that starts with ESCAPED is escaped too, so decoding is exact. Every other string,
// nearly all of them, is stored as it is and stays queryable.
import pg from 'pg';

const ESCAPED = '\uE000arbiter-escaped:';
const TO_ESCAPE = /%|\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** In JSON.stringify's output: an escaped U+0000 or unpaired surrogate, or the marker. A cheap pre-check. */
const MAYBE_UNSTORABLE = /\\u0000|\\ud[89a-f]|\uE000/;

function escapeString(s: string): string {
  if (!s.startsWith(ESCAPED) && !UNSTORABLE.test(s)) return s;
  return (
    ESCAPED +
    s.replace(TO_ESCAPE, (c) =>
      c === '%' ? '%25' : c === '\0' ? '%00' : `%u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
  );
}

function unescapeString(s: string): string {
  if (!s.startsWith(ESCAPED)) return s;
  return s
    .slice(ESCAPED.length)
    .replace(/%(00|25|u[0-9a-f]{4})/g, (_, c: string) =>
      c === '00' ? '\0' : c === '25' ? '%' : String.fromCharCode(parseInt(c.slice(1), 16)),
    );
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, f));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapStrings(v, f)]));
  return value;
}

/** JSON text for a JSONB parameter. */
export function encodeJsonb(value: unknown): string {
  const text = JSON.stringify(value);
  return MAYBE_UNSTORABLE.test(text) ? JSON.stringify(mapStrings(JSON.parse(text), escapeString)) : text;
}

/** The value of a JSONB column, as encodeJsonb was given it. */
export function decodeJsonb(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return text.includes(ESCAPED) ? mapStrings(value, unescapeString) : value;
}

/**
 * This pool's own type parsers (the global pg.types stay untouched for other users of pg): BIGINT
 * holds millisecond timestamps, seqs and counts, all far below 2^53, so it comes back as a number.
 */
export const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === pg.types.builtins.INT8) return Number;
      if (oid === pg.types.builtins.JSONB) return decodeJsonb;
    }
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};
