// docs/errors.md is generated from the error registry (src/errors.ts) by scripts/gen-errors-doc.ts.
// These tests fail when the file was not regenerated after a change (`npm run docs:errors`), and
// keep the registry itself sound: every code documented, unique and in the ARB_ERR_ family.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS_DOC_PATH, readErrorDocs, renderErrorsDoc } from '../../scripts/gen-errors-doc.js';
import { ErrorCodes } from '../../src/errors.js';

test('docs/errors.md is what scripts/gen-errors-doc.ts writes (else: npm run docs:errors)', () => {
  assert.equal(
    readFileSync(ERRORS_DOC_PATH, 'utf8'),
    renderErrorsDoc(),
    'docs/errors.md is out of date with src/errors.ts: run `npm run docs:errors`',
  );
});

test('every error code has a meaning, is unique, is ARB_ERR_ upper case and has an HTTP error status', () => {
  const docs = readErrorDocs();
  const entries = Object.entries(ErrorCodes);
  assert.deepEqual(
    [...docs.keys()],
    entries.map(([key]) => key),
    'the generator reads every entry',
  );
  for (const [key, { code, status }] of entries) {
    assert.ok((docs.get(key) ?? '').length > 10, `${key} has no comment saying what it means`);
    assert.match(code, /^ARB_ERR_[A-Z_]+$/);
    assert.ok(status >= 400 && status <= 599, `${key}: ${status} is not an error status`);
  }
  const codes = entries.map(([, { code }]) => code);
  assert.equal(new Set(codes).size, codes.length, 'two keys share a code');
});

test("every server code the docs mention is one the registry has (ARB_ERR_CLIENT_* are the SDK's own)", () => {
  const known = new Set(Object.values(ErrorCodes).map((e) => e.code));
  const docs = [
    'README.md',
    'docs/operations.md',
    'docs/getting-started.md',
    'docs/compat.md',
    'docs/sdk.md',
  ];
  for (const file of docs) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    for (const [code] of text.matchAll(/ARB_ERR_(?!CLIENT_)[A-Z_]+/g))
      assert.ok(known.has(code as never), `${file} names ${code}, which src/errors.ts does not have`);
  }
});
