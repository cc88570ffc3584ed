// The SDK's hand-written API types against the server's own: `tsc --noEmit` fails here when they
// drift apart. The runtime test only records that the file was compiled and loaded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Sdk from '../../packages/client/src/index.js';
import type { ErrorBody } from '../../src/api/error-format.js';
import type { LanguageInfo } from '../../src/languages/registry.js';
import type { QueueStats } from '../../src/service/arbiter-service.js';
import type { GradebookEntry } from '../../src/service/gradebook.js';
import type { SubmissionInput } from '../../src/service/submission-service.js';
import type { SubmissionSummary, SubmissionView } from '../../src/service/submission-view.js';
import type { ProblemRecord } from '../../src/store/types.js';

/** Each entry is `true` when its types fit, `never` (and a compile error below) when not. */
type Assignable<From, To> = [From] extends [To] ? true : never;

/** What the server sends fits what the SDK promises... */
const serverToSdk: [
  Assignable<SubmissionView, Sdk.Submission>,
  Assignable<QueueStats, Sdk.QueueStats>,
  Assignable<LanguageInfo, Sdk.Language>,
  Assignable<ProblemRecord, Sdk.Problem>,
  Assignable<ErrorBody, Sdk.ErrorBody>,
  Assignable<SubmissionView['status'], Sdk.SubmissionStatus>,
  Assignable<SubmissionSummary, Sdk.SubmissionSummary>,
  Assignable<GradebookEntry, Sdk.GradebookEntry>,
] = [true, true, true, true, true, true, true, true];

/** ...and what the SDK sends fits what the server accepts. */
const sdkToServer: [
  Assignable<Sdk.SubmissionInput, SubmissionInput>,
  Assignable<Sdk.SubmissionStatus, SubmissionView['status']>,
] = [true, true];

test('the SDK types match the server types (checked by tsc)', () => {
  assert.ok([...serverToSdk, ...sdkToServer].every(Boolean));
});
