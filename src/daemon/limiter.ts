/**
 * Bounded concurrency for CNI work (`connectionLimit`): at most `limit` requests run at
 * once, at most `maxQueued` wait for a slot, and anything beyond is refused at once
 * with a CNI "try again later" error instead of piling up memory (Multus's daemon was
 * OOM-killed in bursts, multus-cni #1346).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";

/** Runs work with bounded concurrency and a bounded queue. */
export class Limiter {
  #running = 0;
  #queue: Array<() => void> = [];
  #idle: Array<() => void> = [];

  /** `limit` null = unbounded concurrency (Multus's default without `connectionLimit`). */
  constructor(readonly limit: number | null, readonly maxQueued: number) {}

  /** Requests running now. */
  get inFlight(): number {
    return this.#running;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Runs `fn` when a slot is free.
   *
   * @throws {CniError} code 11 when `maxQueued` requests are already waiting.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.limit !== null && this.#running >= this.limit) {
      if (this.#queue.length >= this.maxQueued) {
        throw new CniError(
          CniCode.TryAgainLater,
          `multus-daemon is busy: ${this.#running} requests running (connectionLimit ${this.limit}) and ${this.#queue.length} waiting; try again later`,
        );
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
    this.#running++;
    try {
      return await fn();
    } finally {
      this.#running--;
      const next = this.#queue.shift();
      if (next) next();
      else if (this.#running === 0) { for (const done of this.#idle.splice(0)) done(); }
    }
  }

  /** Resolves when nothing runs or waits (graceful shutdown). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
