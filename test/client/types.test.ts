// The SDK's API types are the contract (src/contract.ts, copied: test/client/sdk-types.test.ts);
// the server's own types that are not the contract's (its records, the service's input, the
// sandbox's run statuses) are checked against it here: `tsc --noEmit` fails when they drift apart.
// The runtime test only records that the file was compiled and loaded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Sdk from '../../packages/client/src/index.js';
import type { ErrorBody } from '../../src/api/error-format.js';
import type { LanguageInfo } from '../../src/languages/registry.js';
import type { QueueStats } from '../../src/service/arbiter-service.js';
import type { GradebookEntry } from '../../src/service/gradebook.js';
import type { SubmissionInput } from '../../src/service/submission-request.js';
import type { SubmissionSummary, SubmissionView } from '../../src/service/submission-view.js';
import type { RunReason, RunStatus } from '../../src/sandbox/run-spec.js';
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
  Assignable<RunStatus, Sdk.StageStatus>,
  Assignable<RunReason, Sdk.StageReason>,
] = [true, true, true, true, true, true, true, true, true, true];

/** ...and what the SDK sends fits what the server accepts. */
const sdkToServer: [
  Assignable<Sdk.SubmissionInput, SubmissionInput>,
  Assignable<Sdk.SubmissionStatus, SubmissionView['status']>,
  Assignable<Sdk.StageStatus, RunStatus>,
  Assignable<Sdk.StageReason, RunReason>,
] = [true, true, true, true];

test('the SDK types match the server types (checked by tsc)', () => {
  assert.ok([...serverToSdk, ...sdkToServer].every(Boolean));
});
