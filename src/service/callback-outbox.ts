import type { CallbackFormat, Store, SubmissionRecord } from '../store/types.js';
import {
  deliverWebhook,
  type DeliverWebhookOptions,
  type WebhookJob,
  type WebhookOutcome,
} from '../webhooks/deliver.js';
import type { SubmissionEvents } from './events.js';
import { toView } from './submission-view.js';
import { visibleSubmission } from './caller.js';

/** What one format sends for a final submission: the body and, if not the defaults, how. */
export interface CallbackMessage {
  body: unknown;
  /** Default POST. */
  method?: WebhookJob['method'];
  /** Attempts in all; default deliverWebhook's. */
  maxAttempts?: number;
  /** Per attempt, in ms; default deliverWebhook's. */
  timeoutMs?: number;
}

/**
 * Renders a final submission in one API's shape, already shaped for a student (the outbox passes
 * it through visibility first). Null sends nothing (a body the format cannot carry).
 */
export type CallbackRenderer = (shown: SubmissionRecord) => Promise<CallbackMessage | null>;

/** One renderer per callback format; the APIs provide them (api/callback-formats.ts). */
export type CallbackRenderers = Readonly<Record<CallbackFormat, CallbackRenderer>>;

export interface CallbackOutboxOptions {
  events: SubmissionEvents;
  store: Pick<Store, 'getSubmission'>;
  /** The final row of a finish this process is publishing, when known (SubmissionFinisher.peekFinished). */
  peekFinished: (id: string) => SubmissionRecord | undefined;
  /** One renderer per format: every callback format has its body made here. */
  renderers: CallbackRenderers;
  /** HMAC key of the signature header. */
  secret: string;
  /** The SSRF guard's allowlist (config.webhookAllowlist). */
  allowlist: readonly string[];
  /** Told about every delivery's outcome (metrics). */
  onOutcome?: (outcome: WebhookOutcome) => void;
  /** Sends one callback; default deliverWebhook (tests pass a recorder). */
  deliver?: (job: WebhookJob, options: DeliverWebhookOptions) => Promise<WebhookOutcome>;
}

/** Arbiter's own callback body: the submission view GET /api/v1/submissions/:id gives a student. */
export const arbiterCallback: CallbackRenderer = (shown) => Promise.resolve({ body: toView(shown, null) });

/**
 * The one way a submission's final state reaches its callback, whatever API accepted it and in
 * whichever shape that API answers: every `finished` event this process publishes (a judged result,
 * a cancel, a queue timeout, a give-up by the reconciler) is looked up, and a submission with a
 * callback is shaped for a student, rendered by its format and delivered (SSRF guard, pinned
 * address, signature, retries: webhooks/deliver.ts).
 *
 * Only events published here: in a cluster every node hears every event, and the node that
 * recorded the final state is the one that sends it.
 */
export class CallbackOutbox {
  readonly #options: CallbackOutboxOptions;
  readonly #deliveries = new Set<Promise<unknown>>();
  #stop: (() => void) | null = null;

  constructor(options: CallbackOutboxOptions) {
    this.#options = options;
  }

  /** Starts listening; idempotent. */
  start(): void {
    if (this.#stop) return;
    this.#stop = this.#options.events.onOutbound((message) => {
      if (message.kind !== 'event' || message.event.type !== 'finished') return;
      this.#track(this.#send(message.event.id));
    });
  }

  /** Deliveries under way (being looked up, rendered or retried). */
  get pending(): number {
    return this.#deliveries.size;
  }

  /**
   * Stops listening and waits for the deliveries under way, at most `graceMs`: one still retrying
   * then must not hold a shutdown for minutes. Resolves with how many were left unfinished.
   */
  async close(graceMs: number): Promise<number> {
    this.#stop?.();
    this.#stop = null;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#deliveries]),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    return this.#deliveries.size;
  }

  #track(delivery: Promise<unknown>): void {
    this.#deliveries.add(delivery);
    void delivery.finally(() => this.#deliveries.delete(delivery));
  }

  async #send(id: string): Promise<void> {
    const { store, peekFinished, renderers, secret, allowlist, onOutcome } = this.#options;
    // Most submissions have no callback: when this process just wrote the final row, that is
    // known without a read.
    const known = peekFinished(id);
    if (known && !known.callback) return;
    let message: CallbackMessage | null;
    let record: SubmissionRecord | null;
    try {
      record = known ?? (await store.getSubmission(id));
      if (!record?.callback) return;
      // The submitter's role is not kept with the row: a callback shows what a student may see.
      message = await renderers[record.callback.format](visibleSubmission(record, 'student'));
    } catch (error) {
      process.emitWarning(`callback of ${id} not sent: ${(error as Error).message}`);
      return;
    }
    if (!message) return;
    const options: DeliverWebhookOptions = { allowlist };
    if (message.maxAttempts !== undefined) options.maxAttempts = message.maxAttempts;
    if (message.timeoutMs !== undefined) options.timeoutMs = message.timeoutMs;
    const job: WebhookJob = { url: record.callback.url, body: message.body, secret };
    if (message.method) job.method = message.method;
    const outcome = await (this.#options.deliver ?? deliverWebhook)(job, options);
    onOutcome?.(outcome);
  }
}
