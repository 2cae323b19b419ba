/**
 * Waiting for a promise or an abort signal, whichever comes first, without leaking.
 *
 * `Promise.race([next, aborted])` in a loop over a long-lived `aborted` promise adds a
 * reaction to `aborted` on every turn, and each reaction keeps that turn's result alive
 * until `aborted` settles: over a watch stream, every chunk and event read so far (the
 * daemon held each of its 500 pods' raw watch events, several MiB). Here each wait adds
 * its own abort listener and removes it when it settles.
 *
 * @module
 */

/** What {@linkcode raceAbort} resolves with when the signal aborted first. */
export const ABORTED: unique symbol = Symbol("aborted");

/**
 * `promise`'s value, or {@linkcode ABORTED} as soon as `signal` aborts (at once if it
 * already has); a rejection of `promise` before the abort rejects. Nothing is retained
 * once it settles.
 *
 * @example
 * ```ts
 * const r = await raceAbort(reader.read(), signal);
 * if (r === ABORTED) return;
 * ```
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve(ABORTED);
  }
  return new Promise<T | typeof ABORTED>((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
