import type { ArbiterConfig } from '../config.js';
import type { LanguageRegistry } from '../languages/registry.js';
import { arbiterCallback, type CallbackRenderers } from '../service/callback-outbox.js';
import { judge0Callback } from './compat/judge0/callbacks.js';

/**
 * Every API's callback body, by format: Arbiter's own and Judge0's. The service's outbox sends them
 * but knows no API's shapes; `arbiter serve` and `arbiter worker` hand it these when they start the
 * Runtime (a worker machine records final states, so it sends Judge0's callbacks too).
 */
export function apiCallbackRenderers(registry: LanguageRegistry, config: ArbiterConfig): CallbackRenderers {
  return { arbiter: arbiterCallback, judge0: judge0Callback(registry, config) };
}
