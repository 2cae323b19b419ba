/**
 * A test clock whose sleeps return at once and move time forward.
 *
 * @module
 */
import type { Clock } from "../../src/platform/clock.ts";

/** A clock whose sleeps return at once and move time forward; `onSleep` runs first. */
export class FakeClock implements Clock {
  t = 1_000_000;
  slept: number[] = [];
  constructor(readonly onSleep: (n: number) => Promise<void> | void = () => {}) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.t += ms;
    await this.onSleep(this.slept.length);
  }
}
