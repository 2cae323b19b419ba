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

/**
 * Calls `fn` once, after `ms`, unless the returned cancel function runs first.
 *
 * Built on `AbortSignal.timeout` because a process's first `setTimeout` costs Deno 2.9
 * 5-7 ms and this under 1 ms (`deno run` of a one-line script timing each), which every
 * shim and thin-plugin exec would pay. The timer does not keep the process alive, so use it
 * only as a deadline for work that is itself pending (a socket read, a child process).
 */
export function afterMs(ms: number, fn: () => void): () => void {
  const signal = AbortSignal.timeout(Math.max(0, ms));
  let armed = true;
  const fire = (): void => {
    if (!armed) return;
    armed = false;
    fn();
  };
  signal.addEventListener("abort", fire, { once: true });
  return () => {
    armed = false;
    signal.removeEventListener("abort", fire);
  };
}
