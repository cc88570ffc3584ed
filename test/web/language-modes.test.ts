// Every language of the catalog has syntax highlighting in the editor, or is plain text on purpose.
// (The browser test checks that the highlighting shows; this one fails fast when a language is added
// to the catalog without a mode.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANGUAGE_CATALOG } from '../../src/languages/catalog.js';
import { LANGUAGE_MODES, PLAIN_LANGUAGES } from '../../src/web/editor/language-modes.js';

test('every catalog language has a highlighting mode, or is plain text on purpose', () => {
  const missing = LANGUAGE_CATALOG.map((l) => l.id).filter(
    (id) => !LANGUAGE_MODES[id] && !PLAIN_LANGUAGES.has(id),
  );
  assert.deepEqual(missing, []);
  const unknown = Object.keys(LANGUAGE_MODES).filter((id) => !LANGUAGE_CATALOG.some((l) => l.id === id));
  assert.deepEqual(unknown, [], 'modes for languages the catalog does not have');
});
