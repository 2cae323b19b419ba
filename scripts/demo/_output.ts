// deno-lint-ignore-file no-console
/**
 * How the demo prints.
 *
 * @module
 */

/** Prints a section heading. */
export function title(text: string): void {
  console.log(`\n\x1b[1m== ${text}\x1b[0m`);
}
