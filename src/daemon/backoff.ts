/**
 * Capped exponential backoff with jitter: what the informers use to reconnect to the API
 * server and the event queue to retry a POST.
 *
 * @module
 */

/** Settings of a {@linkcode Backoff}. */
export interface BackoffOptions {
  /** The first delay (default 200 ms). */
  initialMs?: number;
  /** No delay exceeds this, jitter included (default 5 s). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /**
   * Spread of each delay as a fraction of it: `0.2` draws from 80 %-120 % (default 0.2),
   * so that daemons on many nodes do not all reconnect in the same instant.
   */
  jitter?: number;
  /** A number in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** The defaults: 200 ms doubling to 5 s, +-20 %. */
export const DEFAULT_BACKOFF: Readonly<Required<Omit<BackoffOptions, "random">>> = {
  initialMs: 200,
  maxMs: 5_000,
  factor: 2,
  jitter: 0.2,
};

/**
 * Delays for consecutive failed attempts: `initialMs * factor^n`, spread by `jitter` and
 * capped at `maxMs`. {@linkcode Backoff.reset} after a success starts over.
 *
 * @example Usage
 * ```ts
 * const b = new Backoff({ random: () => 0.5 });
 * b.next(); // 200
 * b.next(); // 400
 * ```
 */
export class Backoff {
  readonly #o: Required<BackoffOptions>;
  #attempt = 0;

  /** A backoff with `options` over {@linkcode DEFAULT_BACKOFF}. */
  constructor(options: BackoffOptions = {}) {
    this.#o = { ...DEFAULT_BACKOFF, random: Math.random, ...options };
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, in ms. */
  next(): number {
    const { initialMs, maxMs, factor, jitter, random } = this.#o;
    const base = Math.min(maxMs, initialMs * factor ** this.#attempt);
    this.#attempt++;
    const spread = base * jitter * (2 * random() - 1);
    return Math.max(0, Math.min(maxMs, Math.round(base + spread)));
  }

  /** Starts over from `initialMs`. */
  reset(): void {
    this.#attempt = 0;
  }
}
