/**
 * Time as waits and polls use it: the current time and an abortable sleep. Product code
 * takes a {@linkcode Clock}; tests pass a fake that moves time forward on every sleep.
 *
 * @module
 */

/** The current time and a sleep. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (without rejecting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock (`Date.now`, `setTimeout`); an aborted sleep clears its timer. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};
