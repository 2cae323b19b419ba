/**
 * The readiness indicator file (`readinessindicatorfile`): the primary CNI creates it
 * once the default network works. The Multus daemon waits for it before it starts.
 *
 * @module
 */
import { type Clock, realClock } from "../platform/clock.ts";
import type { Fs } from "../platform/fs.ts";

/** Options of {@linkcode waitForReadinessFile}. */
export interface ReadinessWaitOptions {
  fs: Fs;
  clock?: Clock;
  /** Multus: 45 s. */
  timeoutMs?: number;
  /** Multus: 1 s. */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits for the readiness indicator file, as the Multus daemon does before it starts
 * (poll every second, up to 45 s).
 *
 * @throws {Error} `have you checked that your default network is ready? still waiting
 *   for readinessindicatorfile @ <path>. pollimmediate error: timed out waiting for the
 *   condition`.
 */
export async function waitForReadinessFile(
  path: string,
  opts: ReadinessWaitOptions,
): Promise<void> {
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + (opts.timeoutMs ?? 45_000);
  for (;;) {
    opts.signal?.throwIfAborted();
    if (await opts.fs.stat(path)) return;
    if (clock.now() >= deadline) {
      throw new Error(
        `have you checked that your default network is ready? still waiting for readinessindicatorfile @ ${path}. pollimmediate error: timed out waiting for the condition`,
      );
    }
    await clock.sleep(opts.pollMs ?? 1000, opts.signal);
  }
}
