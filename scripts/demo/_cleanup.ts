/**
 * The demo's undo stack, shared by its normal end and its signal handler.
 *
 * @module
 */

/** Undo steps for everything the demo created. */
export interface Cleanup {
  /**
   * Registers the undo of something just created (or about to be). Throws once `run()`
   * has begun, so an interrupted demo creates nothing more; the step is still run.
   */
  defer(step: () => Promise<unknown>): void;
  /**
   * Runs every step once, newest first, best effort (a failing step does not stop the
   * rest), including steps registered while it runs. Every caller gets the same promise.
   */
  run(): Promise<void>;
}

/** Returns an empty undo stack. */
export function createCleanup(): Cleanup {
  const steps: Array<() => Promise<unknown>> = [];
  let running: Promise<void> | undefined;
  return {
    defer(step) {
      steps.push(step);
      if (running) throw new Error("interrupted");
    },
    run() {
      running ??= (async () => {
        for (let step = steps.pop(); step; step = steps.pop()) {
          try {
            await step();
          } catch {
            // best effort: the rest still runs
          }
        }
      })();
      return running;
    },
  };
}
