/**
 * Judge0's callback_url: once a submission is final, Judge0 sends it with PUT, as
 * `GET /submissions/:token?base64_encoded=true` would show it, with its own tries and timeout.
 * This is only the body: the submission keeps `callback: {url, format: 'judge0'}`, and the one
 * callback outbox (service/callback-outbox.ts) sends it, from whichever process recorded the final
 * state (a worker machine without the Judge0 API included).
 */
import type { ArbiterConfig } from '../../../config.js';
import type { LanguageRegistry } from '../../../languages/registry.js';
import type { CallbackRenderer } from '../../../service/callback-outbox.js';
import { DEFAULT_FIELDS } from './fields.js';
import { judge0Languages } from './languages.js';
import { renderSubmission } from './response.js';
import { judge0Settings } from './settings.js';

/** Renders a final submission as Judge0's callback body. */
export function judge0Callback(registry: LanguageRegistry, config: ArbiterConfig): CallbackRenderer {
  const settings = judge0Settings(config);
  return async (shown) => {
    const rendered = renderSubmission(shown, {
      fields: DEFAULT_FIELDS,
      base64: true,
      strictBase64: settings.strictBase64,
      languages: await judge0Languages(registry),
    });
    if (!('body' in rendered)) return null;
    return {
      body: rendered.body,
      method: 'PUT',
      maxAttempts: settings.callbacks.maxTries,
      timeoutMs: settings.callbacks.timeoutSeconds * 1000,
    };
  };
}
