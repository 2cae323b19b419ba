/**
 * Which plugin the thin integration cases drive: `thin` (`dist/bin/multus`, the default)
 * or `thick` (`dist/bin/multus-shim` in front of a `dist/bin/multus-daemon` the fixture
 * starts). `tests/integration/thick_rerun_test.ts` sets `thick` and re-imports the thin
 * test files, so the same cases run through shim + daemon.
 *
 * @module
 */

/** The mode names. */
export type TestMode = "thin" | "thick";

let current: TestMode = "thin";

/** The mode of this test module's isolate. */
export function testMode(): TestMode {
  return current;
}

/** Sets the mode; call it before the test files are imported. */
export function setTestMode(mode: TestMode): void {
  current = mode;
}
