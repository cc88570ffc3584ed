import type { ArbiterClient } from '../submit-connection.js';
import type { Recorder } from './recorder.js';

/** How often the queue is sampled (GET /api/v1/queue), in ms. */
export const SAMPLE_INTERVAL_MS = 1000;

/**
 * Samples the server's queue and the test's own in-flight count once a second. A sample whose
 * request fails (or is still pending at the next tick) is recorded without queue figures; the
 * sampler never retries, so it adds at most one request a second of its own.
 */
export class QueueSampler {
  readonly #client: ArbiterClient;
  readonly #recorder: Recorder;
  readonly #timer: NodeJS.Timeout;
  #pending: Promise<void> | null = null;
  /** The latest queue length seen, for the live status line. */
  latest: { length: number; running: number } | null = null;
  peakLength = 0;
  missed = 0;

  constructor(client: ArbiterClient, recorder: Recorder) {
    this.#client = client;
    this.#recorder = recorder;
    this.#timer = setInterval(() => this.#tick(), SAMPLE_INTERVAL_MS);
    this.#tick();
  }

  #tick(): void {
    if (this.#pending) {
      this.missed++;
      this.#recorder.sampleLoad(null);
      return;
    }
    this.#pending = this.#client
      .queue({ timeoutMs: SAMPLE_INTERVAL_MS * 5 })
      .then(
        (stats) => {
          this.latest = { length: stats.length, running: stats.running };
          this.peakLength = Math.max(this.peakLength, stats.length);
          this.#recorder.sampleLoad(this.latest);
        },
        () => {
          this.missed++;
          this.#recorder.sampleLoad(null);
        },
      )
      .finally(() => {
        this.#pending = null;
      });
  }

  /** Stops sampling once the pending sample (if any) is in. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pending;
  }
}
