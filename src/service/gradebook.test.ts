import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isArbiterError } from '../errors.js';
import type { Caller } from './caller.js';
import { gradebookCsv, gradebookScope } from './gradebook.js';

const admin: Caller = { keyId: 'k-admin', role: 'admin', priority: 10 };
const site: Caller = { keyId: 'k-site', role: 'user', priority: 5 };
const anonymous: Caller = { keyId: null, role: 'anonymous', priority: 1 };
const page = { limit: 10, offset: 0 };

test("whose rows: an admin any key's, a key its own, a caller without a key none", () => {
  assert.deepEqual(gradebookScope(admin, 'p', page), { problemId: 'p', ...page });
  assert.deepEqual(gradebookScope(admin, 'p', { ...page, keyId: 'k-site' }).keyId, 'k-site');
  assert.equal(gradebookScope(site, 'p', page).keyId, 'k-site');
  assert.equal(gradebookScope(site, 'p', { ...page, keyId: 'k-site', user: 'ann' }).user, 'ann');
  const forbidden = (error: unknown) => isArbiterError(error, 'FORBIDDEN');
  assert.throws(() => gradebookScope(site, 'p', { ...page, keyId: 'k-other' }), forbidden);
  // Callers without a key share the anonymous submissions: one would read the others'.
  assert.throws(() => gradebookScope(anonymous, 'p', page), forbidden);
});

test('CSV: quotes and line breaks stay inside their field; an empty gradebook is its header', () => {
  const latest = {
    score: null,
    status: 'queued' as const,
    submissionId: 's1',
    at: '2026-01-01T00:00:00.000Z',
  };
  const csv = gradebookCsv([{ user: 'x\n"y"', submissions: 1, best: null, latest }], true);
  // The anonymous row's key id is an empty field.
  assert.match(csv, /\r\n,"x\n""y""",1,,,,,,queued,s1,2026-01-01T00:00:00.000Z\r\n$/);
  assert.equal(gradebookCsv([], false).split('\r\n')[0]!.split(',')[0], 'user');
});
