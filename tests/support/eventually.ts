/**
 * Waiting for something the system does on its own time (a daemon's background work, a
 * watch, a queue) in integration tests: poll a condition, bounded. The bound only stops a
 * hung test; no test asserts how long anything takes.
 *
 * @module
 */

/** Options of {@linkcode waiter}. */
export interface WaiterOptions {
  /** The bound when a call gives none. */
  ms: number;
  /** Between polls (default 50). */
  pollMs?: number;
}

/** Waits until `check()` holds; `ms` overrides the waiter's bound, `detail` adds to the error. */
export type Eventually = (
  what: string,
  check: () => boolean | Promise<boolean>,
  ms?: number,
  detail?: () => string,
) => Promise<void>;

/**
 * An {@linkcode Eventually} with a default bound: it polls `check` until it holds and throws
 * `timed out after <ms> ms waiting for <what>` (plus `detail()`) when the bound passes.
 *
 * @example
 * ```ts ignore
 * const eventually = waiter({ ms: 15_000 });
 * await eventually("the daemon's config", () => exists(path));
 * ```
 */
export function waiter(opts: WaiterOptions): Eventually {
  return async (what, check, ms = opts.ms, detail) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
    }
    throw new Error(
      `timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ""}`,
    );
  };
}
