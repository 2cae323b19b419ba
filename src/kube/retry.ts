/**
 * client-go's `retry.RetryOnConflict` and its `DefaultRetry`: run a read-modify-write a
 * bounded number of times while the API server answers 409 Conflict, with a short jittered
 * pause between tries; the error of the last try when every try failed.
 *
 * @module
 */
import { isConflict } from "./errors.ts";
import { type PollClock, realClock } from "./get_pod.ts";

/** `wait.Backoff` as client-go's retry helpers use it. */
export interface RetryBackoff {
  /** Tries in all, the first included. */
  steps: number;
  /** Pause before the second try, in ms. */
  durationMs: number;
  /** Each pause is the previous one times this. */
  factor: number;
  /** Each pause is lengthened by up to this fraction of itself, at random. */
  jitter: number;
}

/** client-go's `retry.DefaultRetry`: 5 tries, 10 ms apart, factor 1, jitter 0.1. */
export const DEFAULT_RETRY: Readonly<RetryBackoff> = {
  steps: 5,
  durationMs: 10,
  factor: 1,
  jitter: 0.1,
};

/** Options of {@linkcode retryOnConflict}. */
export interface RetryOnConflictOptions {
  /** Default {@linkcode DEFAULT_RETRY}. */
  backoff?: RetryBackoff;
  /** Which errors earn another try (default {@linkcode isConflict}). */
  retriable?: (err: unknown) => boolean;
  /** Sleeps between tries (default the real clock). */
  clock?: PollClock;
  /** A number in [0, 1) for the jitter (default `Math.random`). */
  random?: () => number;
}

/**
 * Runs `fn` (given the try number, from 1) until it resolves, or rejects with an error
 * that is not retriable, or `backoff.steps` tries have failed: then it rejects with the
 * last try's error, as `retry.RetryOnConflict` returns it.
 *
 * @example Usage
 * ```ts ignore
 * await retryOnConflict(async () => {
 *   const pod = await client.getPod(ns, name);
 *   await client.updatePodStatus(ns, name, withAnnotation(pod));
 * });
 * ```
 */
export async function retryOnConflict<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOnConflictOptions = {},
): Promise<T> {
  const backoff = opts.backoff ?? DEFAULT_RETRY;
  const retriable = opts.retriable ?? isConflict;
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  let pause = backoff.durationMs;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retriable(err) || attempt >= Math.max(1, backoff.steps)) throw err;
    }
    const jittered = backoff.jitter > 0 ? pause + pause * backoff.jitter * random() : pause;
    await clock.sleep(jittered);
    pause *= backoff.factor;
  }
}
