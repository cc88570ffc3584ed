/**
 * Judge0's callback_url: once a submission is final, Judge0 sends it with PUT, as
 * `GET /submissions/:token?base64_encoded=true` would show it. Arbiter's webhook delivery does the
 * sending (SSRF guard, pinned address, signature header, retries), with Judge0's tries and timeout.
 *
 * The callback URL is kept in the submission's Judge0 echo rather than in the record's callbackUrl,
 * which would make the runtime also POST its native result there. The listener fires for every
 * final state this process records, a recovered submission after a restart included.
 */
import type { Runtime } from '../../../runtime.js';
import { deliverWebhook } from '../../../webhooks/deliver.js';
import { DEFAULT_FIELDS, ECHO_KEY } from './fields.js';
import { judge0Languages } from './languages.js';
import { echoOf, renderSubmission } from './response.js';
import { visibleSubmission } from '../../../service/visibility.js';
import type { Judge0Settings } from './settings.js';

/** Starts sending Judge0 callbacks; returns the function that stops it. */
export function startJudge0Callbacks(runtime: Runtime, settings: Judge0Settings): () => void {
  // Events of this process only: in a cluster every node sees every event, and one sends it.
  return runtime.events.onOutbound((message) => {
    if (message.kind !== 'event' || message.event.type !== 'finished') return;
    const event = message.event;
    // Most submissions are not Judge0's: when this process just wrote the final row, it tells so
    // without a read (and without listing languages).
    const known = runtime.service.peekFinished(event.id);
    if (known && !known.request.compat?.[ECHO_KEY]) return;
    Promise.all([known ?? runtime.store.getSubmission(event.id), judge0Languages(runtime.registry)])
      .catch((error: Error) => {
        process.emitWarning(`Judge0 callback lookup failed: ${error.message}`);
        return [null, null] as const;
      })
      .then(([record, languages]) => {
        if (!record?.request.compat) return;
        const url = echoOf(record, languages).callback_url;
        if (!url) return;
        // The submitter's role is not kept with the row: a callback shows what a student may see.
        const shown = visibleSubmission(record, 'student');
        const rendered = renderSubmission(shown, {
          fields: DEFAULT_FIELDS,
          base64: true,
          strictBase64: settings.strictBase64,
          languages,
        });
        if (!('body' in rendered)) return;
        const delivery = deliverWebhook(
          { url, body: rendered.body, secret: runtime.config.webhookSecret, method: 'PUT' },
          {
            allowlist: runtime.config.webhookAllowlist,
            maxAttempts: settings.callbacks.maxTries,
            timeoutMs: settings.callbacks.timeoutSeconds * 1000,
          },
        ).then((outcome) =>
          runtime.metrics.webhooks.inc({ outcome: outcome.delivered ? 'delivered' : 'failed' }),
        );
        runtime.webhookDeliveries.add(delivery);
        void delivery.finally(() => runtime.webhookDeliveries.delete(delivery));
      });
  });
}
